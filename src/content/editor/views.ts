/**
 * The web editor's structured views of a content pack (issue 16.1): a topic
 * with its texts in every language side by side, a flow with its step texts,
 * any file as data; and the way back, an edit of such a view turned into new
 * file texts. Pure: files in, files out. The draft store keeps whole files;
 * the editor shows fields, so this is where the two meet.
 *
 * Edits keep the file's comments and layout where the data did not change:
 * the YAML document is updated node by node (`editData`), not rewritten, so
 * a translator's note above a topic survives an edit of its answer.
 *
 * Problems come from `compilePack`, the code `lotse validate` runs, and are
 * tied back to the field they are about (`fieldOf`): the editor shows each
 * at its field.
 */
import { isMap, isScalar, isSeq, parseDocument, type Document, type Node, type YAMLMap, type YAMLSeq } from 'yaml';
import { type CompileOptions, compilePack } from '../compile.js';
import { MAX_ALIAS_COUNT, ParsedFile, type Problem } from '../problems.js';
import type { PackInput } from '../source.js';

/** A pack's text files by path (the published version with the drafts laid over it). */
export type Files = ReadonlyMap<string, string>;

/** A key path inside a file's data: map keys and list indexes. */
export type KeyPath = (string | number)[];

/** One language as the editor shows it. */
export interface EditorLanguage {
  code: string;
  name: string;
  englishName: string;
  dir: 'ltr' | 'rtl';
  /** The language the others are compared with (translation parity). */
  reference: boolean;
}

/** How far a topic's text in one language is: the badges beside it. */
export type TextState = 'missing' | 'partial' | 'draft' | 'reviewed';

/** A topic as the editor shows it: the language-neutral record and the text in each language (null: none yet). */
export interface TopicView {
  id: string;
  flow: string;
  /** The entry of content/topics.yaml (sources, checked, related ...), as written. */
  topic: Record<string, unknown>;
  texts: Record<string, Record<string, unknown> | null>;
  states: Record<string, TextState>;
  /** Which file holds what: `registry` the neutral record, `texts[lang]` that language's text. */
  paths: { registry: string; texts: Record<string, string> };
}

/** A problem of `lotse validate` with the field it is about. */
export interface FieldProblem extends Problem {
  /** Key path inside `path`'s data; absent when the problem is about the whole file. */
  field?: KeyPath;
}

export const REGISTRY = 'content/topics.yaml';

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parsed files by their text: a topic view reads every topic file of every language, a list of topics reads them once per topic. */
const parsedCache = new Map<string, unknown>();
const CACHE_FILES = 400;

/**
 * A file's data, or undefined when it does not parse (the validator says why). The same text
 * gives the same (shared, not to be changed) object: callers copy before they change.
 */
export function readData(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  if (parsedCache.has(text)) return parsedCache.get(text);
  const data = parse(text);
  if (parsedCache.size >= CACHE_FILES) parsedCache.delete(parsedCache.keys().next().value!);
  parsedCache.set(text, data);
  return data;
}

function parse(text: string): unknown {
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length) return undefined;
  try {
    return doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch {
    return undefined;
  }
}

/** The pack's languages in menu order, from content/<lang>/language.yaml. */
export function languagesOf(files: Files): EditorLanguage[] {
  const out: (EditorLanguage & { order: number })[] = [];
  for (const [p, text] of files) {
    const m = /^content\/([^/]+)\/language\.yaml$/.exec(p);
    if (!m) continue;
    const d = readData(text);
    if (!isRecord(d)) continue;
    out.push({
      code: m[1]!,
      name: String(d.name ?? m[1]),
      englishName: String(d.englishName ?? m[1]),
      dir: d.dir === 'rtl' ? 'rtl' : 'ltr',
      reference: d.reference === true,
      order: typeof d.order === 'number' ? d.order : 100,
    });
  }
  out.sort((a, b) => a.order - b.order || a.code.localeCompare(b.code));
  if (!out.some((l) => l.reference)) {
    const ref = out.find((l) => l.code === 'en') ?? out[0];
    if (ref) ref.reference = true;
  }
  return out.map(({ order: _order, ...l }) => l);
}

/** The entries of content/topics.yaml, as written. */
function registry(files: Files): Record<string, unknown>[] {
  const d = readData(files.get(REGISTRY));
  return isRecord(d) && Array.isArray(d.topics) ? d.topics.filter(isRecord) : [];
}

/** The file of `lang` that holds topic `id`'s text: where it is written, else where it belongs (content/<lang>/topics/<flow>.yaml). */
export function topicTextPath(files: Files, lang: string, id: string, flow: string): string {
  const prefix = `content/${lang}/topics/`;
  for (const [p, text] of files) {
    if (!p.startsWith(prefix)) continue;
    const d = readData(text);
    if (isRecord(d) && Object.hasOwn(d, id)) return p;
  }
  return `${prefix}${flow}.yaml`;
}

function stateOf(text: Record<string, unknown> | null, ref: Record<string, unknown> | null, isRef: boolean): TextState {
  if (!text) return 'missing';
  const len = (t: Record<string, unknown> | null) => (Array.isArray(t?.answer) ? t.answer.length : 0);
  if (typeof text.partial === 'string' || (!isRef && ref && len(text) < len(ref))) return 'partial';
  return text.review === 'reviewed' ? 'reviewed' : 'draft';
}

/** Every topic with its state in each language, for the editor's list. */
export function topicList(files: Files): { id: string; flow: string; title: string; states: Record<string, TextState> }[] {
  const langs = languagesOf(files);
  const ref = langs.find((l) => l.reference)?.code;
  const byLang = new Map<string, Record<string, unknown>>();
  for (const l of langs) {
    const all: Record<string, unknown> = {};
    for (const [p, text] of files) if (p.startsWith(`content/${l.code}/topics/`)) Object.assign(all, readData(text) ?? {});
    byLang.set(l.code, all);
  }
  const text = (lang: string, id: string) => {
    const v = byLang.get(lang)?.[id];
    return isRecord(v) ? v : null;
  };
  return registry(files)
    .filter((t) => typeof t.id === 'string')
    .map((t) => {
      const id = t.id as string;
      const refText = ref ? text(ref, id) : null;
      return {
        id,
        flow: String(t.flow ?? id.split('.')[0]),
        title: typeof refText?.title === 'string' ? refText.title : id,
        states: Object.fromEntries(langs.map((l) => [l.code, stateOf(text(l.code, id), refText, l.code === ref)])),
      };
    });
}

/** One topic in every language, or undefined when content/topics.yaml does not list it. */
export function topicView(files: Files, id: string): TopicView | undefined {
  const topic = registry(files).find((t) => t.id === id);
  if (!topic) return undefined;
  const flow = String(topic.flow ?? id.split('.')[0]);
  const langs = languagesOf(files);
  const ref = langs.find((l) => l.reference)?.code;
  const texts: TopicView['texts'] = {};
  const paths: Record<string, string> = {};
  for (const l of langs) {
    const p = topicTextPath(files, l.code, id, flow);
    paths[l.code] = p;
    const d = readData(files.get(p));
    texts[l.code] = isRecord(d) && isRecord(d[id]) ? (d[id] as Record<string, unknown>) : null;
  }
  const states = Object.fromEntries(langs.map((l) => [l.code, stateOf(texts[l.code]!, ref ? texts[ref]! : null, l.code === ref)]));
  return { id, flow, topic, texts, states, paths: { registry: REGISTRY, texts: paths } };
}

// ----------------------------------------------------------------- edits ---

const sameData = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Makes `node` (in `doc`) hold `value`, changing only what differs; returns the node to put in its place. */
function update(doc: Document, node: unknown, value: unknown): unknown {
  if (isMap(node) && isRecord(value)) {
    const map = node as YAMLMap;
    for (const pair of [...map.items]) {
      const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      if (!Object.hasOwn(value, key)) map.delete(pair.key);
    }
    for (const [k, v] of Object.entries(value)) {
      const pair = map.items.find((p) => (isScalar(p.key) ? String(p.key.value) : String(p.key)) === k);
      if (pair) {
        const cur = isScalar(pair.value) || isMap(pair.value) || isSeq(pair.value) ? (pair.value as Node).toJSON() : pair.value;
        if (!sameData(cur, v)) pair.value = update(doc, pair.value, v) as Node;
      } else map.set(k, doc.createNode(v));
    }
    return map;
  }
  if (isSeq(node) && Array.isArray(value)) {
    const seq = node as YAMLSeq;
    // Items change in place; a longer or shorter list gains or loses items at its end.
    while (seq.items.length > value.length) seq.items.pop();
    value.forEach((v, i) => {
      const cur = seq.items[i];
      if (cur === undefined) seq.items.push(doc.createNode(v));
      else if (!sameData((cur as Node).toJSON?.() ?? cur, v)) seq.items[i] = update(doc, cur, v) as Node;
    });
    return seq;
  }
  if (isScalar(node) && (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')) {
    node.value = value;
    return node;
  }
  return doc.createNode(value);
}

/**
 * The text of file `path` changed to hold `data`: JSON files are written out
 * (two spaces, as locales/ are); YAML files keep every comment and layout
 * of what did not change. A new file (`text` undefined) is written fresh.
 */
export function editData(path: string, text: string | undefined, data: unknown): string {
  if (path.endsWith('.json')) return `${JSON.stringify(data, null, 2)}\n`;
  if (text === undefined || readData(text) === undefined) {
    const doc = parseDocument('');
    doc.contents = doc.createNode(data) as typeof doc.contents;
    return doc.toString({ lineWidth: 0, flowCollectionPadding: false });
  }
  const doc = parseDocument(text, { uniqueKeys: true });
  doc.contents = update(doc, doc.contents, data) as typeof doc.contents;
  return doc.toString({ lineWidth: 0, flowCollectionPadding: false });
}

/** A changed file for the draft store. */
export interface FileEdit {
  path: string;
  text: string;
}

/** The edit of topic `id`'s text in `lang` (null removes it): the new text of the file that holds it. */
export function editTopicText(files: Files, id: string, lang: string, value: Record<string, unknown> | null): FileEdit {
  const view = topicView(files, id);
  const flow = view?.flow ?? id.split('.')[0]!;
  const path = view?.paths.texts[lang] ?? topicTextPath(files, lang, id, flow);
  const old = files.get(path);
  const d = readData(old);
  const data: Record<string, unknown> = isRecord(d) ? { ...d } : {};
  if (value === null) delete data[id];
  else data[id] = value;
  return { path, text: editData(path, old, data) };
}

/** The edit of topic `id`'s language-neutral record (sources, checked ...); `id` itself cannot change here. */
export function editTopicRecord(files: Files, id: string, value: Record<string, unknown>): FileEdit {
  const old = files.get(REGISTRY);
  const d = readData(old);
  const data = isRecord(d) && Array.isArray(d.topics) ? { ...d, topics: [...d.topics] } : { topics: [] as unknown[] };
  const i = data.topics.findIndex((t) => isRecord(t) && t.id === id);
  const next = { ...value, id };
  if (i >= 0) data.topics[i] = next;
  else data.topics.push(next);
  return { path: REGISTRY, text: editData(REGISTRY, old, data) };
}

// ------------------------------------------------------------ validation ---

/** Every key path in `data`, in document order. */
function allPaths(data: unknown, prefix: KeyPath = [], out: KeyPath[] = []): KeyPath[] {
  out.push(prefix);
  if (Array.isArray(data)) data.forEach((v, i) => allPaths(v, [...prefix, i], out));
  else if (isRecord(data)) for (const [k, v] of Object.entries(data)) allPaths(v, [...prefix, k], out);
  return out;
}

/**
 * The field a problem is about. zod's issues name it ("... at hearing.x.answer.0"); the
 * others have a line, and the deepest key written on that line is the field.
 */
export function fieldOf(p: Problem, file: ParsedFile | undefined): KeyPath | undefined {
  const at = / at ([^\s]+)$/.exec(p.message)?.[1];
  const paths = file?.data === undefined ? [] : allPaths(file.data);
  if (at) {
    // Keys hold dots themselves ("hearing.documents"): the path is the written one whose dotted form matches,
    // or, for a missing field, the longest written one it starts with and the rest.
    const exact = paths.find((kp) => kp.join('.') === at);
    if (exact) return exact;
    let base: KeyPath = [];
    for (const kp of paths) if (at.startsWith(`${kp.join('.')}.`) && kp.length > base.length) base = kp;
    const rest = (base.length ? at.slice(base.join('.').length + 1) : at).split('.');
    return [...base, ...rest.map((s) => (/^\d+$/.test(s) ? Number(s) : s))];
  }
  // Several keys on the line (a flow mapping `{ id: x, category: y }`): the one whose value the message
  // quotes first ('unknown category "shopping" in service "x"'), else the outermost, the entry itself.
  const onLine = paths.filter((kp) => kp.length && file!.lineOf(kp) === p.line);
  const valueAt = (kp: KeyPath) => kp.reduce<unknown>((o, k) => (o as Record<string | number, unknown> | undefined)?.[k], file!.data);
  let best: KeyPath | undefined;
  let first = Number.POSITIVE_INFINITY;
  for (const kp of onLine) {
    const v = valueAt(kp);
    const i = typeof v === 'string' || typeof v === 'number' ? p.message.indexOf(`"${v}"`) : -1;
    if (i >= 0 && i < first) [best, first] = [kp, i];
  }
  return best ?? onLine.reduce<KeyPath | undefined>((b, kp) => (!b || kp.length < b.length ? kp : b), undefined);
}

/**
 * `lotse validate` on the pack with `edits` laid over `files`: the problems
 * of the edited files, each with its field, and whether the pack as a whole
 * compiles (a draft that breaks another file is refused too).
 */
export function validateEdits(input: PackInput, edits: FileEdit[], opts: CompileOptions = {}): { ok: boolean; problems: FieldProblem[]; elsewhere: Problem[] } {
  const byPath = new Map(input.files.map((f) => [f.path, f.text]));
  for (const e of edits) byPath.set(e.path, e.text);
  const r = compilePack({ files: [...byPath].map(([path, text]) => ({ path, text })), assets: input.assets }, opts);
  const edited = new Set(edits.map((e) => e.path));
  const parsed = new Map<string, ParsedFile>();
  const problems: FieldProblem[] = [];
  const elsewhere: Problem[] = [];
  for (const p of r.problems) {
    if (!edited.has(p.path)) {
      elsewhere.push(p);
      continue;
    }
    let pf = parsed.get(p.path);
    if (!pf) parsed.set(p.path, (pf = new ParsedFile(p.path, byPath.get(p.path)!)));
    problems.push({ ...p, field: fieldOf(p, pf) });
  }
  return { ok: Boolean(r.pack), problems, elsewhere: elsewhere.filter((p) => p.severity === 'error') };
}
