/**
 * compilePack: files in, one immutable snapshot (or problems) out. Pure: no
 * I/O, so the CLI, the server's reloader, tests and (later) the web editor's
 * publish step all use the same checks.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { stepType, type Reference } from '../engine/steps/index.js';
import type { ContentPack, LanguageInfo, OtherLanguageDistress } from './pack.js';
import { checkParity } from './parity.js';
import { ParsedFile, type Problem } from './problems.js';
import {
  episodeTextsFileSchema,
  flowSchema,
  flowTextsFileSchema,
  languageSchema,
  podcastsFileSchema,
  requiredUiKeys,
  safetyFileSchema,
  otherSafetyFileSchema,
  examplesFileSchema,
  catalogFileSchema,
  serviceTextsFileSchema,
  servicesFileSchema,
  topicIdPattern,
  topicTextSchema,
  topicsFileSchema,
  type Flow,
} from './schema.js';
import type { PackInput } from './source.js';
import { valueAt } from '../util/ui-strings.js';

export interface CompileOptions {
  /** Treat example directory entries and partial translations as errors (for going live). */
  strict?: boolean;
  /** Today (YYYY-MM-DD), to warn about facts checked too long ago; no date, no warning (compilePack stays pure). */
  today?: string;
  /** How old a `checked` date may be before validation warns (default 183 days: six months). */
  checkedMaxDays?: number;
}

export interface CompileResult {
  pack?: ContentPack;
  problems: Problem[];
}

/** Hints for zod issues, in words an author understands. */
function hintFor(issue: z.core.$ZodIssue): string | undefined {
  if (issue.code === 'unrecognized_keys')
    return `remove or rename ${issue.keys.map((k) => `"${k}"`).join(', ')}; see content/README.md for the fields this file takes`;
  if (issue.code === 'invalid_type' && /received undefined/.test(issue.message)) return `add the missing field "${String(issue.path.at(-1))}"`;
  if (issue.code === 'invalid_type') return `write a ${issue.expected} here`;
  if (issue.code === 'too_small') return 'add more entries or text here';
  if (issue.code === 'too_big') return 'shorten this or split it';
  if (issue.code === 'invalid_union') return 'check the `type:` of this step and the fields that type takes (content/README.md)';
  return undefined;
}

/** Crisis messages in languages the pack does not serve (otherSafetyFileSchema). */
export const OTHER_SAFETY = 'content/_other/safety.yaml';
/** Fewer crisis messages than this in an unserved language teach the detector too little (a warning). */
const MIN_OTHER_CRISES = 8;

export function compilePack(input: PackInput, opts: CompileOptions = {}): CompileResult {
  const problems: Problem[] = [];
  const err = (path: string, line: number, message: string, hint?: string) => problems.push({ severity: 'error', path, line, message, hint });
  const warn = (path: string, line: number, message: string, hint?: string) => problems.push({ severity: 'warning', path, line, message, hint });

  const parsed = new Map<string, ParsedFile>();
  for (const f of input.files) {
    const pf = new ParsedFile(f.path, f.text);
    problems.push(...pf.syntaxProblems);
    parsed.set(f.path, pf);
  }

  function check<T>(path: string, schema: z.ZodType<T>): T | undefined {
    const pf = parsed.get(path);
    if (!pf) return undefined;
    if (pf.data === undefined) return undefined;
    const r = schema.safeParse(pf.data);
    if (r.success) return r.data;
    for (const issue of r.error.issues) {
      const where = issue.path.length ? ` at ${issue.path.join('.')}` : '';
      err(path, pf.lineOf(issue.path), `${issue.message}${where}`, hintFor(issue));
    }
    return undefined;
  }
  const lineIn = (path: string, keyPath: readonly PropertyKey[]) => parsed.get(path)?.lineOf(keyPath) ?? 1;

  // ------------------------------------------------------------ languages ---
  const langFiles = [...parsed.keys()].filter((p) => /^content\/[^/]+\/language\.yaml$/.test(p));
  const languages: LanguageInfo[] = [];
  for (const p of langFiles) {
    const code = p.split('/')[1]!;
    const l = check(p, languageSchema);
    if (l) languages.push({ ...l, code });
  }
  languages.sort((a, b) => a.order - b.order || a.code.localeCompare(b.code));
  const langCodes = languages.map((l) => l.code);
  // A folder under content/ or locales/ without language.yaml is a half-added language.
  for (const p of parsed.keys()) {
    const m = /^(content|locales)\/([^/]+)\/.+/.exec(p);
    if (
      m &&
      !['topics.yaml', 'services.yaml', 'podcasts.yaml'].includes(m[2]!) &&
      !langCodes.includes(m[2]!) &&
      !p.startsWith('content/audio/') &&
      p !== OTHER_SAFETY
    ) {
      if (!parsed.has(`content/${m[2]}/language.yaml`))
        err(
          p,
          1,
          `language "${m[2]}" has no content/${m[2]}/language.yaml`,
          'add that file (name, englishName, dir, script) to serve this language, or remove this folder',
        );
    }
  }
  if (!languages.length) err('content', 1, 'no language found', 'add content/<lang>/language.yaml for at least one language');
  for (const l of languages)
    for (const f of l.audioFallback)
      if (!langCodes.includes(f))
        err(
          `content/${l.code}/language.yaml`,
          lineIn(`content/${l.code}/language.yaml`, ['audioFallback']),
          `audioFallback names unknown language "${f}"`,
          `use one of: ${langCodes.join(', ')}`,
        );

  // --------------------------------------------------------------- topics ---
  const topicsFile = check('content/topics.yaml', topicsFileSchema);
  if (!parsed.has('content/topics.yaml')) err('content/topics.yaml', 1, 'file is missing', 'the topic registry lists every topic id; see content/README.md');
  const topics: ContentPack['topics'] = {};
  topicsFile?.topics.forEach((t, i) => {
    if (topics[t.id])
      err('content/topics.yaml', lineIn('content/topics.yaml', ['topics', i, 'id']), `duplicate topic id "${t.id}"`, 'every topic id may appear once');
    topics[t.id] = t;
    if (t.changes && !t.checked)
      err(
        'content/topics.yaml',
        lineIn('content/topics.yaml', ['topics', i]),
        `topic "${t.id}" has facts that change but no "checked" date`,
        'add checked: YYYY-MM-DD with the date staff last verified it',
      );
  });

  // The catalog (content/catalog.yaml, optional): topic ids the pack promises to serve.
  const catalogIds = new Set<string>();
  const catalogFile = check('content/catalog.yaml', catalogFileSchema);
  for (const t of catalogFile?.topics ?? []) catalogIds.add(t.id);
  for (const cid of catalogIds)
    if (!topics[cid])
      (opts.strict ? err : warn)(
        'content/catalog.yaml',
        lineIn('content/catalog.yaml', ['topics', [...catalogIds].indexOf(cid)]),
        `catalog topic "${cid}" is not served yet`,
        'add it to content/topics.yaml and write its texts in every language',
      );

  const topicTexts: ContentPack['topicTexts'] = {};
  const topicFiles = new Map<string, string>();
  const offTopic: ContentPack['offTopic'] = {};
  const attempted = new Set<string>();
  for (const lang of langCodes) {
    topicTexts[lang] = {};
    const files = [...parsed.keys()].filter((p) => p.startsWith(`content/${lang}/topics/`));
    for (const p of files) {
      // Checked entry by entry, so that one broken topic does not hide the others.
      const raw = check(p, z.record(z.string(), z.unknown()));
      if (!raw) continue;
      for (const id of Object.keys(raw)) attempted.add(`${lang}:${id}`);
      const data: Record<string, z.infer<typeof topicTextSchema>> = {};
      for (const [id, entry] of Object.entries(raw)) {
        const r = topicTextSchema.safeParse(entry);
        if (!topicIdPattern.test(id)) err(p, lineIn(p, [id]), `"${id}" is not a topic id`, 'topic ids look like "<flow>.<topic>", e.g. "hearing.documents"');
        else if (r.success) data[id] = r.data;
        else
          for (const issue of r.error.issues) {
            const path = [id, ...issue.path];
            err(p, lineIn(p, path), `${issue.message} at ${path.join('.')}`, hintFor(issue));
          }
      }
      const flowOfFile = p
        .split('/')
        .pop()!
        .replace(/\.ya?ml$/, '');
      for (const [id, tt] of Object.entries(data)) {
        if (!topics[id] && topicsFile) {
          err(p, lineIn(p, [id]), `unknown topic "${id}"`, 'add it to content/topics.yaml first, or fix the spelling of the id');
          continue;
        }
        if (topicTexts[lang]![id]) err(p, lineIn(p, [id]), `topic "${id}" is written twice in ${lang}`, 'keep one of the two entries');
        if (topics[id] && topics[id]!.flow !== flowOfFile)
          warn(
            p,
            lineIn(p, [id]),
            `topic "${id}" belongs to flow "${topics[id]!.flow}" but is in ${flowOfFile}.yaml`,
            `move it to content/${lang}/topics/${topics[id]!.flow}.yaml`,
          );
        topicTexts[lang]![id] = tt;
        topicFiles.set(`${lang}:${id}`, p);
      }
    }
    // Extra example phrasings (content/<lang>/examples/*.yaml), merged into each topic's own.
    for (const p of [...parsed.keys()].filter((x) => x.startsWith(`content/${lang}/examples/`))) {
      const data = check(p, examplesFileSchema);
      if (!data) continue;
      for (const [id, list] of Object.entries(data)) {
        if (id === 'none') {
          offTopic[lang] = [...(offTopic[lang] ?? []), ...list];
          continue;
        }
        const tt = topicTexts[lang]![id];
        if (!tt) {
          if (topics[id])
            warn(
              p,
              lineIn(p, [id]),
              `examples for "${id}", which has no ${lang} text yet`,
              `write the topic in content/${lang}/topics/${topics[id]!.flow}.yaml; the examples count from then on`,
            );
          else if (catalogIds.has(id))
            warn(
              p,
              lineIn(p, [id]),
              `examples for catalog topic "${id}", which is not in content/topics.yaml yet`,
              'add the topic to content/topics.yaml; the examples count from then on',
            );
          else if (!attempted.has(`${lang}:${id}`))
            err(
              p,
              lineIn(p, [id]),
              `examples for unknown topic "${id}"`,
              `fix the id, add the topic to content/topics.yaml, or use "none" for messages the bot should not know`,
            );
          continue;
        }
        const seen = new Set(tt.examples.map((e) => e.toLowerCase()));
        const extra = list.filter((e) => !seen.has(e.toLowerCase()) && (seen.add(e.toLowerCase()), true));
        topicTexts[lang]![id] = { ...tt, examples: [...tt.examples, ...extra] };
      }
    }
    for (const id of Object.keys(topics)) {
      if (!topicTexts[lang]![id] && !attempted.has(`${lang}:${id}`))
        err(
          `content/${lang}/topics/${topics[id]!.flow}.yaml`,
          1,
          `missing translation: topic "${id}" has no ${lang} text`,
          `add "${id}:" with title, answer, examples, keywords and review`,
        );
    }
  }

  // ------------------------------------------------------------- services ---
  const servicesFile = check('content/services.yaml', servicesFileSchema);
  const services: ContentPack['services'] = {};
  const cats = new Set(servicesFile?.categories ?? []);
  servicesFile?.services.forEach((s, i) => {
    const line = lineIn('content/services.yaml', ['services', i]);
    if (services[s.id]) err('content/services.yaml', line, `duplicate service id "${s.id}"`, 'every service id may appear once');
    if (!cats.has(s.category))
      err('content/services.yaml', line, `unknown category "${s.category}" in service "${s.id}"`, `use one of: ${[...cats].join(', ')}`);
    if (s.example && (s.contact.phone || s.contact.url || s.contact.email || s.address))
      err(
        'content/services.yaml',
        line,
        `example entry "${s.id}" has contact details`,
        'example entries must not carry phone numbers, addresses or URLs: verify the service and drop `example: true`, or remove the details',
      );
    if (s.example && opts.strict)
      err(
        'content/services.yaml',
        line,
        `example entry "${s.id}" (${s.name}) is still in the directory`,
        'replace it with a verified local service (and remove `example: true`) or delete it before going live',
      );
    services[s.id] = s;
  });
  servicesFile?.needs.forEach((n, i) => {
    for (const c of n.categories)
      if (!cats.has(c))
        err(
          'content/services.yaml',
          lineIn('content/services.yaml', ['needs', i]),
          `need "${n.id}" names unknown category "${c}"`,
          `use one of: ${[...cats].join(', ')}`,
        );
  });
  const serviceTexts: ContentPack['serviceTexts'] = {};
  for (const lang of langCodes) {
    const p = `content/${lang}/services.yaml`;
    if (!parsed.has(p)) {
      if (servicesFile) err(p, 1, `missing translation: ${lang} has no services.yaml`, 'translate content/<other language>/services.yaml');
      continue;
    }
    const st = check(p, serviceTextsFileSchema);
    if (!st || !servicesFile) continue;
    serviceTexts[lang] = st;
    for (const n of servicesFile.needs)
      if (!st.needs[n.id]) err(p, lineIn(p, ['needs']), `missing translation: need "${n.id}"`, `add ${n.id}: <label> under needs`);
    for (const c of servicesFile.categories)
      if (!st.categories[c]) err(p, lineIn(p, ['categories']), `missing translation: category "${c}"`, `add ${c}: <label> under categories`);
    for (const s of servicesFile.services)
      if (!st.services[s.id]) err(p, lineIn(p, ['services']), `missing translation: service "${s.id}"`, `add ${s.id}: with a description`);
    for (const id of Object.keys(st.services))
      if (!services[id]) err(p, lineIn(p, ['services', id]), `unknown service "${id}"`, 'add it to content/services.yaml or fix the id');
  }

  // ------------------------------------------------------------- podcasts ---
  const podcastsFile = check('content/podcasts.yaml', podcastsFileSchema);
  const episodes: ContentPack['episodes'] = {};
  const assets: Record<string, number> = {};
  for (const [p, size] of input.assets) if (p.startsWith('content/')) assets[p.slice('content/'.length)] = size;
  podcastsFile?.episodes.forEach((e, i) => {
    const line = lineIn('content/podcasts.yaml', ['episodes', i]);
    if (episodes[e.id]) err('content/podcasts.yaml', line, `duplicate episode id "${e.id}"`, 'every episode id may appear once');
    if (!topics[e.topic] && topicsFile)
      err('content/podcasts.yaml', line, `episode "${e.id}" names unknown topic "${e.topic}"`, 'use a topic id from content/topics.yaml');
    for (const [lang, file] of Object.entries(e.audio)) {
      if (!langCodes.includes(lang))
        err(
          'content/podcasts.yaml',
          lineIn('content/podcasts.yaml', ['episodes', i, 'audio', lang]),
          `episode "${e.id}" has audio for unknown language "${lang}"`,
          'add the language or remove the file',
        );
      if (!(file in assets))
        err(
          'content/podcasts.yaml',
          lineIn('content/podcasts.yaml', ['episodes', i, 'audio', lang]),
          `audio file content/${file} does not exist`,
          'add the MP3 file or fix the path (relative to content/)',
        );
    }
    episodes[e.id] = e;
  });
  const episodeTexts: ContentPack['episodeTexts'] = {};
  for (const lang of langCodes) {
    const p = `content/${lang}/podcasts.yaml`;
    const et = check(p, episodeTextsFileSchema);
    episodeTexts[lang] = et ?? {};
    for (const e of Object.values(episodes))
      if (!episodeTexts[lang]![e.id])
        err(
          p,
          et ? lineIn(p, []) : 1,
          `missing translation: episode "${e.id}" has no ${lang} title and transcript`,
          `add ${e.id}: with title, description and transcript`,
        );
  }
  for (const t of Object.values(topics)) {
    if (t.episode && !episodes[t.episode])
      err('content/topics.yaml', topicLine(t.id), `topic "${t.id}" names unknown episode "${t.episode}"`, 'use an episode id from content/podcasts.yaml');
    for (const r of t.related)
      if (!topics[r]) err('content/topics.yaml', topicLine(t.id), `topic "${t.id}" relates to unknown topic "${r}"`, 'fix the id in `related`');
    for (const s of t.services)
      if (!services[s] && servicesFile)
        err('content/topics.yaml', topicLine(t.id), `topic "${t.id}" names unknown service "${s}"`, 'use a service id from content/services.yaml');
  }
  function topicLine(id: string): number {
    const i = topicsFile?.topics.findIndex((t) => t.id === id) ?? -1;
    return i >= 0 ? lineIn('content/topics.yaml', ['topics', i]) : 1;
  }

  // ---------------------------------------------------------------- flows ---
  const flows: Record<string, Flow> = {};
  const flowPaths = new Map<string, string>();
  for (const p of [...parsed.keys()].filter((p) => /^flows\/[^/]+\.ya?ml$/.test(p))) {
    const f = check(p, flowSchema);
    if (!f) continue;
    if (flows[f.id]) err(p, lineIn(p, ['id']), `duplicate flow id "${f.id}" (also in ${flowPaths.get(f.id)})`, 'rename one of the flows');
    const seen = new Set<string>();
    f.steps.forEach((s, i) => {
      if (seen.has(s.id)) err(p, lineIn(p, ['steps', i, 'id']), `duplicate step id "${s.id}" in flow "${f.id}"`, 'step ids must be unique within a flow');
      seen.add(s.id);
    });
    if (f.start && !seen.has(f.start)) err(p, lineIn(p, ['start']), `start step "${f.start}" does not exist`, `use one of: ${[...seen].join(', ')}`);
    flows[f.id] = f;
    flowPaths.set(f.id, p);
  }
  if (!flows.main) err('flows/main.yaml', 1, 'there is no flow with id "main"', 'the main menu is the flow "main"; add flows/main.yaml');
  const resolveTarget = (t: string) => {
    const [fid, sid] = t.split('#') as [string, string | undefined];
    const f = flows[fid];
    if (!f) return false;
    return sid === undefined || f.steps.some((s) => s.id === sid);
  };
  const flowTexts: ContentPack['flowTexts'] = {};
  for (const lang of langCodes) {
    const p = `content/${lang}/flows.yaml`;
    flowTexts[lang] = check(p, flowTextsFileSchema) ?? {};
    if (!parsed.has(p)) err(p, 1, `missing translation: ${lang} has no flows.yaml`, 'translate the flows.yaml of another language');
  }
  for (const f of Object.values(flows)) {
    const p = flowPaths.get(f.id)!;
    f.steps.forEach((s, i) => {
      const type = stepType(s);
      const refs: Reference[] = type.references(s);
      for (const r of refs) {
        const line = lineIn(p, ['steps', i, ...r.at]);
        if (r.kind === 'topic' && !topics[r.id]) err(p, line, `step "${s.id}" names unknown topic "${r.id}"`, 'use a topic id from content/topics.yaml');
        if (r.kind === 'target' && !resolveTarget(r.id))
          err(p, line, `step "${s.id}" goes to "${r.id}", which does not exist (dangling go-to)`, 'targets are "flow" or "flow#step"; check both ids');
        if (r.kind === 'episode' && !episodes[r.id])
          err(p, line, `step "${s.id}" names unknown episode "${r.id}"`, 'use an episode id from content/podcasts.yaml');
        if (r.kind === 'need' && servicesFile && !servicesFile.needs.some((n) => n.id === r.id))
          err(p, line, `step "${s.id}" names unknown need "${r.id}"`, 'use a need id from content/services.yaml');
      }
      for (const lang of langCodes) {
        const lp = `content/${lang}/flows.yaml`;
        if (!parsed.has(lp)) continue;
        const st = flowTexts[lang]?.[f.id]?.[s.id];
        for (const need of type.texts(s)) {
          const v = valueAt(st, need.key);
          if (typeof v !== 'string' && need.required)
            err(
              lp,
              lineIn(lp, [f.id, s.id]),
              `missing translation: ${f.id} > ${s.id} > ${need.key.join('.')}`,
              `add it under ${f.id}: ${s.id}: ${need.key.join(': ')}:`,
            );
        }
      }
    });
  }

  // ------------------------------------------------- parity and freshness ---
  const reference = languages.find((l) => l.reference)?.code ?? (langCodes.includes('en') ? 'en' : langCodes[0]);
  if (reference)
    checkParity(
      {
        reference,
        languages: langCodes,
        topics,
        topicTexts,
        topicFile: (lang, id) => topicFiles.get(`${lang}:${id}`) ?? `content/${lang}/topics`,
        serviceTexts,
        strict: Boolean(opts.strict),
      },
      (severity, path, keyPath, message, hint) => (severity === 'error' ? err : warn)(path, lineIn(path, keyPath), message, hint),
    );
  topicsFile?.topics.forEach((t, i) => {
    const line = lineIn('content/topics.yaml', ['topics', i]);
    if (t.changes && !t.sources.some((s) => typeof s === 'object'))
      warn(
        'content/topics.yaml',
        line,
        `topic "${t.id}" has facts that change but no source with a URL`,
        'add sources: - { title: "...", url: "https://...", read: YYYY-MM-DD } for the page the facts were checked on (or local: true instead of url for your own house rules)',
      );
    if (t.checked && opts.today) {
      const days = (Date.parse(opts.today) - Date.parse(t.checked)) / 86_400_000;
      if (days > (opts.checkedMaxDays ?? 183))
        warn(
          'content/topics.yaml',
          line,
          `topic "${t.id}" was last checked ${t.checked}, ${Math.floor(days)} days ago`,
          'check the facts against the sources again and update `checked`',
        );
    }
  });

  // --------------------------------------------------------- safety and UI ---
  const safety: Record<string, string[]> = {};
  const distressExamples: ContentPack['distressExamples'] = {};
  const notDistress: ContentPack['notDistress'] = {};
  const ui: Record<string, Record<string, unknown>> = {};
  for (const lang of langCodes) {
    const sp = `content/${lang}/safety.yaml`;
    if (!parsed.has(sp))
      err(
        sp,
        1,
        `missing: ${lang} has no distress phrases`,
        'add content/<lang>/safety.yaml with a `distress:` list; the bot must recognise a crisis in every language it serves',
      );
    const sf = check(sp, safetyFileSchema);
    safety[lang] = sf?.distress ?? [];
    distressExamples[lang] = sf?.distressExamples ?? {};
    notDistress[lang] = sf?.notDistress ?? [];
    const up = `locales/${lang}/translation.json`;
    const pf = parsed.get(up);
    if (!pf) {
      err(up, 1, `missing: ${lang} has no UI strings`, 'copy locales/en/translation.json and translate every value');
      continue;
    }
    const res = (pf.data ?? {}) as Record<string, unknown>;
    ui[lang] = res;
    for (const key of requiredUiKeys) {
      const v = valueAt(res, key);
      const isCommand = key.startsWith('commands.');
      const ok = isCommand ? Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string') : typeof v === 'string' && v.trim() !== '';
      if (!ok)
        err(
          up,
          pf.lineOf(key.split('.')),
          `missing translation: UI string "${key}"`,
          isCommand ? `"${key}" is a list of words people type, e.g. ["menu"]` : `add "${key}" (see locales/en/translation.json)`,
        );
    }
  }

  // Crisis messages in languages the pack does not serve (optional file): distress training only.
  const otherDistress: Record<string, OtherLanguageDistress> = {};
  for (const p of parsed.keys())
    if (p.startsWith('content/_other/') && p !== OTHER_SAFETY)
      warn(p, 1, 'content/_other/ holds only safety.yaml; this file is not read', `move its messages into ${OTHER_SAFETY}`);
  const of = check(OTHER_SAFETY, otherSafetyFileSchema);
  for (const [code, l] of Object.entries(of?.languages ?? {})) {
    const at = lineIn(OTHER_SAFETY, ['languages', code]);
    if (langCodes.includes(code)) {
      err(OTHER_SAFETY, at, `"${code}" is a served language`, `put its crisis messages in content/${code}/safety.yaml`);
      continue;
    }
    const crises = Object.values(l.distressExamples).flat().length;
    if (crises < MIN_OTHER_CRISES)
      warn(
        OTHER_SAFETY,
        at,
        `${code} has ${crises} crisis messages`,
        `write at least ${MIN_OTHER_CRISES}, over several concepts (means, wish, burden, hopeless, self-harm, violence)`,
      );
    for (const a of l.answerIn)
      if (!langCodes.includes(a))
        err(
          OTHER_SAFETY,
          lineIn(OTHER_SAFETY, ['languages', code, 'answerIn']),
          `answerIn: "${a}" is not a served language`,
          `use one of ${langCodes.join(', ')}`,
        );
    otherDistress[code] = {
      englishName: l.englishName,
      answerIn: l.answerIn.filter((a) => langCodes.includes(a)),
      script: l.script,
      distressExamples: l.distressExamples,
      everyday: l.everyday,
      notDistress: l.notDistress,
      ...(l.notServed ? { notServed: l.notServed } : {}),
      ...(l.person ? { person: l.person } : {}),
    };
  }

  // Optional per-channel privacy notes (privacy.channel.<channel>): once one language has a note for a
  // channel, every language needs it, so nobody learns less about who can read their chat because of
  // the language they speak.
  const channelNotes = (lang: string) =>
    Object.keys(((ui[lang]?.privacy as Record<string, unknown> | undefined)?.channel as Record<string, unknown> | undefined) ?? {});
  const allNotes = new Map<string, string>();
  for (const lang of langCodes) for (const ch of channelNotes(lang)) if (!allNotes.has(ch)) allNotes.set(ch, lang);
  for (const lang of langCodes) {
    const pf = parsed.get(`locales/${lang}/translation.json`);
    if (!pf || !ui[lang]) continue;
    for (const [ch, from] of allNotes)
      if (!channelNotes(lang).includes(ch))
        err(
          `locales/${lang}/translation.json`,
          pf.lineOf(['privacy']),
          `missing translation: UI string "privacy.channel.${ch}"`,
          `translate "privacy": { "channel": { "${ch}": ... } } from locales/${from}/translation.json`,
        );
  }

  if (problems.some((p) => p.severity === 'error')) return { problems };

  const hash = createHash('sha256');
  for (const f of [...input.files].sort((a, b) => a.path.localeCompare(b.path))) hash.update(f.path).update('\0').update(f.text).update('\0');
  for (const [p, size] of [...input.assets].sort()) hash.update(`${p}:${size}\0`);

  const pack: ContentPack = deepFreeze({
    version: hash.digest('hex').slice(0, 12),
    languages,
    topics,
    topicTexts,
    flows,
    flowTexts,
    needs: servicesFile?.needs ?? [],
    categories: servicesFile?.categories ?? [],
    services,
    serviceTexts,
    episodes,
    episodeTexts,
    assets,
    safety,
    distressExamples,
    notDistress,
    otherDistress,
    offTopic,
    ui,
  });
  return { pack, problems };
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}
