/**
 * The co-creation dashboard (issue 16.4) on the console's router: the page
 * (/console/cocreation), the report as JSON and CSV, its charts as SVG, and
 * the one-click actions that turn a group of questions into an example
 * phrasing of a topic or the start of a new topic, through `DraftEdits`
 * (src/content/editor/drafts.ts): a draft, which the matcher learns from
 * once a reviewer publishes it.
 *
 * Who: admins (and editors, once the role exists). Everything shown follows
 * the k-anonymity rule of report.ts; the actions accept only text the
 * report showed (a phrasing of a group of at least k people), so the
 * dashboard cannot be used to copy one person's message into the content.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type express from 'express';
import { topicIdPattern } from '../content/schema.js';
import type { DraftEdits } from '../content/editor/drafts.js';
import { dateParam, param } from '../handoff/admin-routes.js';
import { dayIn, nextDay, startOfDayIn } from '../handoff/stats.js';
import type { AppContext } from '../server/plugin-api.js';
import type { Handoffs } from '../store/handoffs.js';
import type { QuestionRow } from '../store/questions.js';
import type { Staff } from '../store/staff.js';
import { refused } from '../util/http-error.js';
import { CHARTS, type ChartName, renderChart } from './charts.js';
import { groupQuestions, type QuestionGroup } from './group.js';
import { reportCsv } from './csv.js';
import { type CocreationReport, computeReport, type Suggestion } from './report.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const DAY = 86_400_000;
/** Retention keeps questions 30 days by default; a longer range is allowed for feedback and handoffs (a quarter's report). */
const MAX_RANGE_DAYS = 366;
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; base-uri 'none'; form-action 'self'; object-src 'none'; frame-ancestors 'none'";

type Authed = express.Request & { staff?: Staff; csrf?: string };
type Wrap = (fn: (req: Authed, res: express.Response) => Promise<unknown> | unknown) => express.RequestHandler;

/** What the dashboard needs from the console. */
export interface CocreationDeps {
  ctx: AppContext;
  hs: Handoffs;
  requireStaff: express.RequestHandler;
  /** Lets through who may edit content (admins; editors once that role exists). */
  requireEditor: express.RequestHandler;
  wrap: Wrap;
  /** The content editor's drafts; without them the one-click actions answer 503 and say why. */
  drafts?: DraftEdits;
}

/** A JSON body's string field, trimmed; refused with 400 when missing, not a string or too long. */
function field(req: express.Request, key: string, max: number): string {
  const b = req.body as Record<string, unknown> | undefined;
  const v = b && typeof b === 'object' && !Array.isArray(b) && Object.hasOwn(b, key) ? b[key] : undefined;
  if (typeof v !== 'string' || !v.trim()) throw refused(400, `"${key}" is needed (a string)`);
  if (v.length > max) throw refused(400, `"${key}" is longer than ${max} characters`);
  return v.trim();
}

/** Mounts the dashboard on the console's router (paths relative to /console). */
export function mountCocreationRoutes(router: express.Router, d: CocreationDeps): void {
  const { ctx, hs, requireStaff, requireEditor, wrap } = d;
  const tz = ctx.config.TIMEZONE;
  const editor = [requireStaff, requireEditor];
  const page = fs.readFileSync(path.join(here, 'page.html'), 'utf8');
  const script = fs.readFileSync(path.join(here, 'page.js'), 'utf8');
  router.get('/cocreation', (_req, res) => {
    res.setHeader('Content-Security-Policy', CSP);
    res.type('html').send(page);
  });
  router.get('/cocreation.js', (_req, res) => res.type('application/javascript').send(script));

  /** The matcher's closest topic to a text: its answer, else its best alternative. */
  const suggest = (text: string, lang: string): Suggestion | null => {
    const c = ctx.content.current();
    const m = c.nlu.match(text, lang);
    if (m.topic && c.pack.topics[m.topic]) return { topic: m.topic, score: Math.round(m.score * 100) / 100 };
    const alt = m.alternatives.find((a) => c.pack.topics[a.topic]);
    return alt ? { topic: alt.topic, score: Math.round(alt.score * 100) / 100 } : null;
  };

  /**
   * Grouping is the costly part (seconds for thousands of distinct questions) and a page asks for
   * the report five times (the data and four charts): the groups of the same rows are reused. The key
   * is a hash of every row that goes in, so a new question or a deletion ("delete my data") makes a
   * new one; nothing stale is shown. A few recent ones are kept, in this process only.
   */
  const cache = new Map<string, QuestionGroup[]>();
  const cachedGroups = (rows: QuestionRow[]): QuestionGroup[] => {
    const h = createHash('sha256');
    for (const r of rows) h.update(`${r.who}\u0000${r.at}\u0000${r.kind}\u0000${r.topic ?? ''}\u0000${r.lang}\u0000${r.text}\u0001`);
    const key = h.digest('hex');
    const hit = cache.get(key);
    if (hit) return hit;
    const groups = groupQuestions(rows);
    cache.set(key, groups);
    if (cache.size > 8) cache.delete(cache.keys().next().value!);
    return groups;
  };

  async function report(req: express.Request): Promise<CocreationReport> {
    const to = dateParam(req, 'to') ?? dayIn(ctx.clock.now(), tz);
    const from = dateParam(req, 'from') ?? new Date(Date.parse(`${to}T00:00:00Z`) - 27 * DAY).toISOString().slice(0, 10);
    if (from > to) throw refused(400, '"from" must not be after "to"');
    if ((Date.parse(to) - Date.parse(from)) / DAY + 1 > MAX_RANGE_DAYS) throw refused(400, `at most ${MAX_RANGE_DAYS} days at a time`);
    const lang = param(req, 'lang', 16);
    const c = ctx.content.current();
    if (lang && !c.language(lang)) throw refused(400, `"lang" is one of ${c.pack.languages.map((l) => l.code).join(', ')}`);
    const start = startOfDayIn(from, tz);
    const end = startOfDayIn(nextDay(to), tz);
    const q = await ctx.store.questions();
    const only = <T extends { lang: string }>(xs: T[]) => (lang ? xs.filter((x) => x.lang === lang) : xs);
    return computeReport({
      from,
      to,
      timeZone: tz,
      questions: only(await q.questionsBetween(start, end)),
      feedback: only(await q.feedbackBetween(start, end)),
      handoffs: only(await hs.createdBetween(start, end)),
      suggest,
      group: cachedGroups,
    });
  }
  const langName = (code: string) => ctx.content.current().language(code)?.englishName ?? code;

  router.get(
    '/api/cocreation',
    ...editor,
    wrap(async (req) => {
      const c = ctx.content.current();
      return {
        report: await report(req),
        languages: c.pack.languages.map((l) => ({ code: l.code, name: l.name, englishName: l.englishName, dir: l.dir })),
        topics: Object.keys(c.pack.topics)
          .filter((id) => !c.pack.topics[id]!.action)
          .sort()
          .map((id) => ({ id, title: c.pack.topicTexts[c.defaultLang]?.[id]?.title ?? id })),
        // Drafts live in the content store: a server that serves files has no editor to take them.
        canEdit: d.drafts !== undefined && ctx.config.CONTENT_SOURCE === 'store',
      };
    }),
  );
  router.get(
    '/api/cocreation.csv',
    ...editor,
    wrap(async (req, res) => {
      const r = await report(req);
      res.setHeader('Content-Disposition', `attachment; filename="lotse-cocreation-${r.from}-${r.to}.csv"`);
      res.type('text/csv; charset=utf-8').send(reportCsv(r));
    }),
  );
  router.get(
    '/api/cocreation/chart/:name',
    ...editor,
    wrap(async (req, res) => {
      const name = String(req.params.name).replace(/\.svg$/, '');
      if (!(CHARTS as readonly string[]).includes(name)) throw refused(404, `charts: ${CHARTS.join(', ')}`);
      const svg = renderChart(name as ChartName, await report(req), langName);
      res.setHeader('Content-Disposition', `inline; filename="lotse-${name}.svg"`);
      res.type('image/svg+xml; charset=utf-8').send(svg);
    }),
  );

  const drafts = (): DraftEdits => {
    if (!d.drafts) throw refused(503, 'the content editor is not set up on this server: drafts cannot be made from here yet');
    return d.drafts;
  };
  /** The group a request acts on, as the report shows it now: the text must be one of its phrasings (so at least k people asked it). */
  async function shownPhrasing(req: Authed): Promise<{ lang: string; text: string; why: string }> {
    const lang = field(req, 'lang', 16);
    const text = field(req, 'text', 500);
    const groupId = field(req, 'group', 64);
    const r = await report(req);
    const g = r.groups.find((x) => x.id === groupId && x.lang === lang);
    if (!g) throw refused(404, 'no such group in the dashboard for this range (groups of fewer than 5 people are not shown)');
    if (!g.phrasings.some((p) => p.text === text)) throw refused(400, '"text" must be one of the group\'s phrasings');
    return { lang, text, why: `co-creation dashboard: group of ${g.questions} questions, ${r.from} to ${r.to}` };
  }
  const author = (req: Authed) => ({ staffId: req.staff!.id, name: req.staff!.name });

  router.post(
    '/api/cocreation/example',
    ...editor,
    wrap(async (req) => {
      const edits = drafts();
      const topic = field(req, 'topic', 120);
      if (!Object.hasOwn(ctx.content.current().pack.topics, topic)) throw refused(400, `no topic "${topic}"`);
      const { lang, text, why } = await shownPhrasing(req);
      return edits.addExample({ topic, lang, text, by: author(req), why });
    }),
  );
  router.post(
    '/api/cocreation/topic',
    ...editor,
    wrap(async (req) => {
      const edits = drafts();
      const id = field(req, 'id', 120);
      if (!topicIdPattern.test(id)) throw refused(400, 'a topic id looks like "<flow>.<topic>", e.g. "hearing.bus-ticket"');
      if (Object.hasOwn(ctx.content.current().pack.topics, id)) throw refused(409, `topic "${id}" exists: add the question as its example instead`);
      const { lang, text, why } = await shownPhrasing(req);
      return edits.newTopic({ id, lang, question: text, by: author(req), why });
    }),
  );
}
