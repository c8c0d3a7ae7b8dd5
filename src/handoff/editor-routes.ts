/**
 * The content editor's page (/console/admin/editor) and the field-level
 * routes behind it (issue 16.1), under /console/api/editor/ beside the
 * file-level API of docs/editor-api.md: a topic in every language side by
 * side, any file as data, validation as you type, a single file's import
 * with a diff first, and the preview chat that runs the draft.
 *
 * The draft store keeps whole files; these routes turn fields into files
 * (src/content/editor/views.ts keeps comments and layout) and files into
 * fields. Every check is `compilePack`, the code `lotse validate` runs, on
 * the published files with every draft and this edit laid over them; a
 * save with an error in the edited files is refused (422) with each
 * problem tied to its field, and nothing is stored.
 *
 * Mounted by the handoff plugin on the console's router: the sign-in
 * cookie, the CSRF header on every change and the page's CSP are the
 * console's. Caseworkers get 403; translators read everything and change
 * only the files of their languages.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type express from 'express';
import { compilePack } from '../content/compile.js';
import { unifiedDiff } from '../content/editor/diff.js';
import type { EditorService } from '../content/editor/service.js';
import {
  type FieldProblem,
  type FileEdit,
  type Files,
  editData,
  editTopicRecord,
  editTopicText,
  languagesOf,
  readData,
  REGISTRY,
  topicList,
  topicView,
  validateEdits,
} from '../content/editor/views.js';
import { compileContent, type CompiledContent } from '../content/served.js';
import type { PackInput } from '../content/source.js';
import { runEngine } from '../engine/engine.js';
import type { InEvent } from '../engine/messages.js';
import { readSession } from '../engine/session.js';
import type { AppContext } from '../server/plugin-api.js';
import { MAX_TEXT_LENGTH } from '../shared/limits.js';
import type { Staff } from '../store/staff.js';
import { sha256Hex } from '../util/hash.js';
import { HttpError, refused } from '../util/http-error.js';

const here = path.dirname(fileURLToPath(import.meta.url));
/** The page's CSP: the console's (its own script only, one inline <style>). */
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; object-src 'none'; frame-ancestors 'none'";

type Authed = express.Request & { staff?: Staff; csrf?: string };
type Wrap = (fn: (req: Authed, res: express.Response) => Promise<unknown> | unknown) => express.RequestHandler;

/** The validator refuses: answered 422 with `error.problems`, each with the field it is about (`key`). */
class Invalid extends HttpError {
  constructor(
    message: string,
    readonly problems: unknown[],
  ) {
    super(422, 'Invalid', message);
  }
}

/** What the editor's routes need from the handoff plugin. */
export interface EditorPageDeps {
  ctx: AppContext;
  /** The editor service of docs/editor-api.md: roles, drafts. */
  editor: EditorService;
  requireStaff: express.RequestHandler;
  wrap: Wrap;
}

/** The language a file belongs to (content/<lang>/..., locales/<lang>/...), if any. */
export function langOfPath(p: string): string | undefined {
  const m = /^(?:content|locales)\/([a-z]{2,3}(?:-[A-Za-z0-9]{2,8})?)\//.exec(p);
  return m?.[1];
}

/** A path of the pack the editor may touch: under content/, flows/ or locales/, a YAML or JSON file, no "..". */
function packPath(v: unknown): string {
  if (typeof v !== 'string' || !v || v.length > 300) throw refused(400, '"path" is the path of a file in the pack');
  if (v.includes('..') || v.startsWith('/') || !/^(content|flows|locales)\/[A-Za-z0-9_./-]+\.(ya?ml|json)$/.test(v))
    throw refused(400, '"path" must be a .yaml, .yml or .json file under content/, flows/ or locales/');
  return v;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Mounts the editor's page and field-level routes on the console's router (paths relative to /console). */
export function mountEditorPage(router: express.Router, d: EditorPageDeps): void {
  const { ctx, requireStaff } = d;
  // The console's wrapper, and a 422 that carries the validator's problems (the console's shows code and message only).
  const wrap: Wrap = (fn) =>
    d.wrap(async (req, res) => {
      try {
        return await fn(req, res);
      } catch (err) {
        if (!(err instanceof Invalid)) throw err;
        res.status(422).json({ error: { code: err.code, message: err.message, problems: err.problems } });
      }
    });
  const page = fs.readFileSync(path.join(here, 'console', 'editor.html'), 'utf8');
  const script = fs.readFileSync(path.join(here, 'console', 'editor.js'), 'utf8');
  // The page holds no data (it asks the API, which checks the role), so it is served like the console's.
  router.get('/admin/editor', (_req, res) => {
    res.setHeader('Content-Security-Policy', CSP);
    res.type('html').send(page);
  });
  router.get('/editor.js', (_req, res) => res.type('application/javascript').send(script));

  const reader: express.RequestHandler = (req, res, next) => {
    try {
      d.editor.requireEditorAccess((req as Authed).staff!);
    } catch (err) {
      const e = err as HttpError;
      return void res.status(e.status ?? 403).json({ error: { code: e.code, message: e.message } });
    }
    next();
  };
  const staffOf = (req: Authed) => req.staff!;

  /** The published head's files with every draft laid over them, and the audio that exists. */
  async function working(): Promise<{ input: PackInput; files: Files; head: number; drafted: Set<string> }> {
    const v = await ctx.store.contentVersions();
    // As the editor service: a server that serves the files would save drafts nobody publishes or serves.
    const head = ctx.content.servedVersion() === undefined ? undefined : await v.head();
    if (!head) throw new HttpError(409, 'EditorOff', 'this server serves the content files, not the store: the editor needs CONTENT_SOURCE=store');
    const list = await v.files(head.id);
    const blobs = await v.blobs(list.map((f) => f.hash));
    const files = new Map<string, string>();
    for (const f of list) {
      const t = blobs.get(f.hash);
      if (t !== undefined) files.set(f.path, t);
    }
    const drafted = new Set<string>();
    for (const dr of await v.drafts()) {
      drafted.add(dr.path);
      if (dr.text === null) files.delete(dr.path);
      else files.set(dr.path, dr.text);
    }
    const assets = new Map(Object.entries(ctx.content.current().pack.assets).map(([p, size]) => [`content/${p}`, size]));
    return { input: { files: [...files].map(([p, text]) => ({ path: p, text })), assets }, files, head: head.id, drafted };
  }

  /** Only the files whose data changed: an untouched language is no edit (and no permission question). */
  function changedOnly(files: Files, edits: FileEdit[]): FileEdit[] {
    return edits.filter((e) => !same(readData(files.get(e.path)), readData(e.text)));
  }

  /** Refuses (403) an edit of a file the account may not change, before anything is checked or stored, in the service's words. */
  function mayAll(staff: Staff, edits: FileEdit[]): void {
    for (const e of edits)
      if (!d.editor.canEdit(staff, e.path)) {
        const lang = langOfPath(e.path);
        throw refused(
          403,
          `you translate ${staff.languages.join(', ') || 'no language'}; ${e.path} ${lang ? `is ${lang}` : 'belongs to no language: editors change it'}`,
        );
      }
  }

  /** Saves `edits` as drafts after the validator's check; refused (422, problems at their fields) when an edited file has an error. */
  async function save(
    staff: Staff,
    w: Awaited<ReturnType<typeof working>>,
    edits: FileEdit[],
    why: string | undefined,
    key: (p: FieldProblem) => string | undefined,
  ) {
    mayAll(staff, edits);
    if (!edits.length) return { saved: [] as string[], problems: [] };
    const r = validateEdits(w.input, edits, { today: today() });
    const problems = r.problems.map((p) => ({ ...p, key: key(p) }));
    if (problems.some((p) => p.severity === 'error') || !r.ok) {
      throw new Invalid('the validator refuses this edit: nothing was saved', [...problems, ...r.elsewhere]);
    }
    const v = await ctx.store.contentVersions();
    const now = ctx.clock.now();
    for (const e of edits)
      await v.putDraft({
        path: e.path,
        text: e.text,
        baseVersion: w.head,
        authorId: staff.id,
        authorName: staff.name,
        why: why || 'edited in the editor',
        updatedAt: now,
      });
    return { saved: edits.map((e) => e.path), problems };
  }
  const today = () => new Date(ctx.clock.now()).toISOString().slice(0, 10);

  // ---------------------------------------------------------------- topics ---
  router.get(
    '/api/editor/topics',
    requireStaff,
    reader,
    wrap(async () => {
      const w = await working();
      return {
        topics: topicList(w.files).map((t) => {
          const v = topicView(w.files, t.id)!;
          return { ...t, changed: [v.paths.registry, ...Object.values(v.paths.texts)].some((p) => w.drafted.has(p) && p !== REGISTRY) };
        }),
      };
    }),
  );

  /** The topic's view for `staff`: which languages changed (a draft of its file differs from the head) and which it may edit. */
  async function topicFor(staff: Staff, id: string, w: Awaited<ReturnType<typeof working>>) {
    const v = topicView(w.files, id);
    if (!v) throw refused(404, `no topic "${id}" in content/topics.yaml`);
    const langs = languagesOf(w.files);
    const vs = await ctx.store.contentVersions();
    const changed: string[] = [];
    for (const l of langs) {
      const p = v.paths.texts[l.code]!;
      if (!w.drafted.has(p)) continue;
      const head = await vs.files(w.head);
      const h = head.find((f) => f.path === p);
      const before = h ? readData((await vs.blobs([h.hash])).get(h.hash)) : undefined;
      const was = isRecord(before) ? before[id] : undefined;
      if (!same(was ?? null, v.texts[l.code])) changed.push(l.code);
    }
    return {
      ...v,
      changed,
      canEdit: Object.fromEntries(langs.map((l) => [l.code, d.editor.canEdit(staff, v.paths.texts[l.code]!)])),
      canEditTopic: d.editor.canEdit(staff, REGISTRY),
    };
  }
  const topicId = (req: express.Request) => {
    const id = String(req.params.id);
    if (id.length > 120) throw refused(400, 'topic ids are short');
    return id;
  };

  /** The files an edit of a topic's view changes. */
  function topicEdits(files: Files, id: string, body: Record<string, unknown>): FileEdit[] {
    const edits: FileEdit[] = [];
    if (body.record !== undefined) {
      if (!isRecord(body.record)) throw refused(400, '"record" is the topic\'s entry of content/topics.yaml, as an object');
      edits.push(editTopicRecord(files, id, body.record));
    }
    const texts = body.texts ?? {};
    if (!isRecord(texts)) throw refused(400, '"texts" maps a language code to its text (an object) or null');
    const langs = new Set(languagesOf(files).map((l) => l.code));
    for (const [lang, t] of Object.entries(texts)) {
      if (!langs.has(lang)) throw refused(400, `"${lang}" is not a language of the pack`);
      if (t !== null && !isRecord(t)) throw refused(400, `"texts.${lang}" must be an object or null`);
      edits.push(editTopicText(files, id, lang, t));
    }
    return changedOnly(files, edits);
  }
  /** A topic problem's field as the page names it: "ar|answer.0", "topic|sources.1.url". */
  const topicKey =
    (files: Files, id: string) =>
    (p: FieldProblem): string | undefined => {
      const v = topicView(files, id);
      if (!v || !p.field) return undefined;
      if (p.path === REGISTRY) {
        const d0 = readData(files.get(REGISTRY));
        const list = isRecord(d0) && Array.isArray(d0.topics) ? d0.topics : [];
        const i = list.findIndex((t) => isRecord(t) && t.id === id);
        return p.field[0] === 'topics' && p.field[1] === i ? `topic|${p.field.slice(2).join('.')}` : undefined;
      }
      const lang = Object.entries(v.paths.texts).find(([, path]) => path === p.path)?.[0];
      return lang && p.field[0] === id ? `${lang}|${p.field.slice(1).join('.')}` : undefined;
    };

  router.get(
    '/api/editor/topics/:id',
    requireStaff,
    reader,
    wrap(async (req) => topicFor(staffOf(req), topicId(req), await working())),
  );
  router.post(
    '/api/editor/topics/:id/check',
    requireStaff,
    reader,
    wrap(async (req) => {
      const id = topicId(req);
      const w = await working();
      if (!topicView(w.files, id)) throw refused(404, `no topic "${id}" in content/topics.yaml`);
      const edits = topicEdits(w.files, id, bodyOf(req));
      // What the validator says of the topic's files as they would be (unchanged ones too: a problem there shows at its field).
      const v = topicView(w.files, id)!;
      const all = edits.length
        ? edits
        : [{ path: v.paths.texts[languagesOf(w.files)[0]!.code]!, text: w.files.get(v.paths.texts[languagesOf(w.files)[0]!.code]!) ?? '' }];
      const r = validateEdits(w.input, all, { today: today() });
      const key = topicKey(w.files, id);
      return { ok: r.ok, problems: [...r.problems.map((p) => ({ ...p, key: key(p) })), ...r.elsewhere] };
    }),
  );
  router.put(
    '/api/editor/topics/:id',
    requireStaff,
    reader,
    wrap(async (req) => {
      const id = topicId(req);
      const w = await working();
      if (!topicView(w.files, id)) throw refused(404, `no topic "${id}" in content/topics.yaml`);
      const b = bodyOf(req);
      return save(staffOf(req), w, topicEdits(w.files, id, b), whyOf(b), topicKey(w.files, id));
    }),
  );

  // ---------------------------------------------------------- any file ---
  router.get(
    '/api/editor/data',
    requireStaff,
    reader,
    wrap(async (req) => {
      const p = packPath(req.query.path);
      const w = await working();
      if (!w.files.has(p)) throw refused(404, `no file ${p}`);
      return { path: p, lang: langOfPath(p), data: readData(w.files.get(p)) ?? null, canEdit: d.editor.canEdit(staffOf(req), p) };
    }),
  );
  const dataEdit = (w: Awaited<ReturnType<typeof working>>, b: Record<string, unknown>): FileEdit[] => {
    const p = packPath(b.path);
    if (b.data === undefined) throw refused(400, '"data" is the file\'s new content');
    return changedOnly(w.files, [{ path: p, text: editData(p, w.files.get(p), b.data) }]);
  };
  const dataKey = (p: FieldProblem) => (p.field ? p.field.join('.') : '');
  router.post(
    '/api/editor/data/check',
    requireStaff,
    reader,
    wrap(async (req) => {
      const b = bodyOf(req);
      const w = await working();
      const p = packPath(b.path);
      const edits = dataEdit(w, b);
      const r = validateEdits(w.input, edits.length ? edits : [{ path: p, text: w.files.get(p) ?? '' }], { today: today() });
      return { ok: r.ok, problems: [...r.problems.map((x) => ({ ...x, key: dataKey(x) })), ...r.elsewhere] };
    }),
  );
  router.put(
    '/api/editor/data',
    requireStaff,
    reader,
    wrap(async (req) => {
      const b = bodyOf(req);
      const w = await working();
      const r = await save(staffOf(req), w, dataEdit(w, b), whyOf(b), dataKey);
      return { saved: r.saved.length > 0, problems: r.problems };
    }),
  );

  // ------------------------------------------------- one file's import ---
  const importOf = (b: Record<string, unknown>): FileEdit => {
    const p = packPath(b.path);
    if (typeof b.text !== 'string') throw refused(400, '"text" is the file\'s text');
    if (b.text.length > 2_000_000) throw new HttpError(413, 'TooLarge', 'a file of at most 2 MB');
    return { path: p, text: b.text };
  };
  router.post(
    '/api/editor/import-file/preview',
    requireStaff,
    reader,
    wrap(async (req) => {
      const e = importOf(bodyOf(req));
      const w = await working();
      const before = w.files.get(e.path) ?? null;
      const r = validateEdits(w.input, [e], { today: today() });
      const diff =
        before === e.text ? [] : [{ path: e.path, status: before === null ? 'added' : 'changed', ...unifiedDiff(e.path, before ?? undefined, e.text) }];
      return { diff: { files: diff }, problems: [...r.problems, ...r.elsewhere], ok: r.ok, canEdit: d.editor.canEdit(staffOf(req), e.path) };
    }),
  );
  router.post(
    '/api/editor/import-file/apply',
    requireStaff,
    reader,
    wrap(async (req) => {
      const b = bodyOf(req);
      const e = importOf(b);
      const w = await working();
      return save(staffOf(req), w, w.files.get(e.path) === e.text ? [] : [e], whyOf(b) ?? `imported ${e.path}`, dataKey);
    }),
  );

  // ------------------------------------------------- review of a draft ---
  // A reviewer approves the text they read: with an edit waiting, that is the draft, not the published
  // text. The mark carries the draft's hash, so once it is published the file counts as reviewed
  // (the review list compares the head's hash with the mark's) and a later edit needs a review again.
  const draftOf = async (lang: string, p: string) => {
    if (langOfPath(p) !== lang) throw refused(400, `${p} is not a ${lang} file`);
    const dr = await (await ctx.store.contentVersions()).draft(p);
    if (!dr || dr.text === null) throw refused(404, `no draft of ${p} to approve`);
    return dr as typeof dr & { text: string };
  };
  router.get(
    '/api/editor/review/drafts',
    requireStaff,
    reader,
    wrap(async (req) => {
      const lang = typeof req.query.lang === 'string' ? req.query.lang : '';
      const v = await ctx.store.contentVersions();
      const marks = new Map((await v.reviews(lang)).map((m) => [m.path, m]));
      return {
        lang,
        canReview: d.editor.canReview(staffOf(req), lang),
        drafts: (await v.drafts())
          .filter((dr) => langOfPath(dr.path) === lang && dr.text !== null)
          .map((dr) => {
            const m = marks.get(dr.path);
            return { path: dr.path, authorName: dr.authorName, updatedAt: dr.updatedAt, approved: m && m.hash === sha256Hex(dr.text!) ? m : null };
          }),
      };
    }),
  );
  router.post(
    '/api/editor/review/draft',
    requireStaff,
    reader,
    wrap(async (req) => {
      const b = bodyOf(req);
      const lang = typeof b.lang === 'string' ? b.lang : '';
      d.editor.requireReview(staffOf(req), lang);
      const dr = await draftOf(lang, packPath(b.path));
      const v = await ctx.store.contentVersions();
      const head = (await v.head())!;
      const s = staffOf(req);
      const review = { lang, path: dr.path, versionId: head.id, hash: sha256Hex(dr.text), staffId: s.id, staffName: s.name, at: ctx.clock.now() };
      await v.addReview(review);
      return { review };
    }),
  );

  // ----------------------------------------------------------- preview ---
  // The draft compiled and served to one person in the editor, by the pure engine: nothing is stored
  // and no effect is carried out (a handoff step says what it would do). The learned models are
  // those of the version being served: training takes a minute, a preview must answer now, so new
  // example phrasings are matched by their words until the draft is published.
  let cached: { key: string; content: CompiledContent } | undefined;
  async function draftContent(): Promise<CompiledContent> {
    const w = await working();
    const key = [...w.files].map(([p, t]) => `${p}\0${t.length}\0${t}`).join('\0');
    if (cached?.key === key) return cached.content;
    const r = compilePack(w.input);
    if (!r.pack) {
      throw new Invalid(
        'the draft does not compile: fix the problems before previewing',
        r.problems.filter((p) => p.severity === 'error'),
      );
    }
    const served = ctx.content.current();
    const content = compileContent(r.pack, served.assetRoot, served.models);
    cached = { key, content };
    return content;
  }
  router.post(
    '/api/editor/preview',
    requireStaff,
    reader,
    wrap(async (req) => {
      const b = bodyOf(req);
      const event = previewEvent(b.event);
      const content = await draftContent();
      const session = b.session === undefined || b.session === null ? readSession({}).session : readSession(b.session).session;
      const out = runEngine(content, event.kind === 'start' ? readSession({}).session : session, event, { now: ctx.clock.now(), officeOpen: true });
      return { session: out.session, reply: out.reply, effects: out.effects.map((e) => e.type) };
    }),
  );
}

/** An event of the preview chat: start (with a language), typed text or a button's payload. */
function previewEvent(v: unknown): InEvent {
  if (!isRecord(v)) throw refused(400, '"event" is {kind: "start"|"text"|"button", ...}');
  if (v.kind === 'start') return { kind: 'start', langHint: typeof v.langHint === 'string' ? v.langHint.slice(0, 20) : undefined };
  if (v.kind === 'text' && typeof v.text === 'string') return { kind: 'text', text: v.text.slice(0, MAX_TEXT_LENGTH) };
  if (v.kind === 'button' && typeof v.payload === 'string' && v.payload.length <= 300) return { kind: 'button', payload: v.payload };
  throw refused(400, '"event" is {kind: "start", langHint}, {kind: "text", text} or {kind: "button", payload}');
}

function bodyOf(req: express.Request): Record<string, unknown> {
  const b: unknown = req.body;
  if (b === undefined || b === null) return {};
  if (!isRecord(b)) throw refused(400, 'the body must be a JSON object');
  return b;
}
function whyOf(b: Record<string, unknown>): string | undefined {
  if (b.why === undefined || b.why === null) return undefined;
  if (typeof b.why !== 'string') throw refused(400, '"why" must be a string');
  return b.why.trim().slice(0, 500) || undefined;
}
