/**
 * The co-creation report (issue 16.4): what people asked that the bot could
 * not answer or answered unhelpfully, grouped; how helpful each topic's
 * answer was per language; how handoffs about each topic ended; all per
 * week. A pure function of its input, so it is tested with fixed rows.
 *
 * Privacy (PRIVACY.md, "Co-creation dashboard"): the report never shows a
 * single person.
 * - k = `K_ANONYMITY` (5): every count from 1 to k-1 is shown as "<5"
 *   (a string), in the JSON, the CSV and the charts alike; 0 stays 0.
 * - A group's phrasings are shown only when the group holds questions from
 *   at least k different conversations. Smaller groups are counted together
 *   per language ("other questions"), without their texts.
 * - A share (helpful %) is shown only when both of its parts are 0 or at
 *   least k, so a share never gives away a count under k.
 * Weeks are ISO weeks (Monday to Sunday) of the office's time zone.
 */
import type { Handoff } from '../store/handoffs.js';
import type { FeedbackRow, QuestionRow } from '../store/questions.js';
import { dayIn } from '../handoff/stats.js';
import { groupQuestions, type QuestionGroup } from './group.js';

/** The smallest count shown as a number (and the fewest people a group's texts stand for). */
export const K_ANONYMITY = 5;

/** A count as shown: a number, or "<5" for 1..k-1. */
export type Shown = number | string;

/** How a count is shown under the k-anonymity rule. */
export function shown(n: number, k = K_ANONYMITY): Shown {
  return n > 0 && n < k ? `<${k}` : n;
}

/** True for a count that was suppressed. */
export const suppressed = (v: Shown): v is string => typeof v === 'string';

/** The ISO week (e.g. "2026-W49") of a calendar day (YYYY-MM-DD). */
export function isoWeek(day: string): string {
  const d = new Date(`${day}T00:00:00Z`);
  const dow = (d.getUTCDay() + 6) % 7; // Monday 0
  // The Thursday of the same week decides the year.
  const thu = new Date(d.getTime() + (3 - dow) * 86_400_000);
  const jan1 = Date.UTC(thu.getUTCFullYear(), 0, 1);
  const week = 1 + Math.floor((thu.getTime() - jan1) / (7 * 86_400_000));
  return `${thu.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
}

/** The ISO weeks the days `from`..`to` touch, in order. */
export function weeksOf(from: string, to: string): string[] {
  const out: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += 86_400_000) {
    const w = isoWeek(new Date(t).toISOString().slice(0, 10));
    if (out[out.length - 1] !== w) out.push(w);
  }
  return out;
}

/** A topic the matcher suggests for a group. */
export interface Suggestion {
  topic: string;
  /** The matcher's calibrated score (0..1). */
  score: number;
}

/** A group as the dashboard shows it (at least k different people). */
export interface ShownGroup {
  id: string;
  lang: string;
  questions: Shown;
  unanswered: Shown;
  notHelpful: Shown;
  /** Per week of `weeks`. */
  perWeek: Shown[];
  /** The group's phrasings, most asked first (at most 8), masked; `n` suppressed like any count. */
  phrasings: { text: string; n: Shown }[];
  /** The topic the matcher finds closest to the group's first phrasing. */
  suggestion: Suggestion | null;
  /** For "not helpful" questions: the topic whose answer did not help (most frequent). */
  answeredAs: string | null;
}

export interface CocreationReport {
  from: string;
  to: string;
  timeZone: string;
  k: number;
  weeks: string[];
  /** Questions of the loop per week, by kind. */
  perWeek: { week: string; unanswered: Shown; notHelpful: Shown }[];
  perLanguage: { lang: string; unanswered: Shown; notHelpful: Shown }[];
  groups: ShownGroup[];
  /** Groups under k people, counted together per language (no texts). */
  otherQuestions: { lang: string; groups: number; questions: Shown }[];
  /** Answers to "Was this helpful?" per topic and language. */
  helpfulness: { topic: string; lang: string; yes: Shown; no: Shown; total: Shown; helpfulPercent: number | null }[];
  /** The same per topic over all languages (the chart). */
  helpfulnessByTopic: { topic: string; yes: Shown; no: Shown; total: Shown; helpfulPercent: number | null }[];
  /** Handoffs per topic by outcome (open ones under their status). */
  outcomes: { topic: string; total: Shown; byOutcome: Record<string, Shown> }[];
  outcomeKeys: string[];
}

/** What the report is computed from (the caller reads the store over the range, a little wider for the time zone). */
export interface ReportInput {
  from: string;
  to: string;
  timeZone: string;
  /** The questions of the range (grouped here, after those outside the days are left out). */
  questions: QuestionRow[];
  feedback: FeedbackRow[];
  handoffs: Handoff[];
  /** The matcher's closest topic for a text in a language (CompiledContent.nlu). */
  suggest: (text: string, lang: string) => Suggestion | null;
  k?: number;
  /** Groups the questions (default `groupQuestions`); the routes pass a cached one, grouping being the costly part. */
  group?: (rows: QuestionRow[]) => QuestionGroup[];
}

/** The order outcomes are shown in (then any other, by name). */
const OUTCOME_ORDER = ['answered', 'referred', 'no-response', 'cancelled', 'active', 'queued'];

/** A share in whole percent when neither part gives away a small count; null otherwise. */
function percent(yes: number, no: number, k: number): number | null {
  const ok = (n: number) => n === 0 || n >= k;
  return yes + no > 0 && ok(yes) && ok(no) ? Math.round((100 * yes) / (yes + no)) : null;
}

/** The co-creation report of the days `from`..`to` (both included, in `timeZone`); rows outside are left out here. */
export function computeReport(input: ReportInput): CocreationReport {
  const k = input.k ?? K_ANONYMITY;
  const { from, to, timeZone } = input;
  const s = (n: number) => shown(n, k);
  const weeks = weeksOf(from, to);
  // Intl formatting is slow and asked for every row several times: once per minute of time is enough (zones change on whole minutes).
  const days = new Map<number, string>();
  const dayOf = (ms: number) => {
    const minute = Math.floor(ms / 60_000);
    let d = days.get(minute);
    if (d === undefined) days.set(minute, (d = dayIn(minute * 60_000, timeZone)));
    return d;
  };
  const inRange = (ms: number) => {
    const d = dayOf(ms);
    return d >= from && d <= to;
  };
  const weekOf = (ms: number) => isoWeek(dayOf(ms));

  const questions = input.questions.filter((r) => inRange(r.at));
  const groups = (input.group ?? groupQuestions)(questions);
  const countKind = (rows: QuestionRow[], kind: QuestionRow['kind']) => rows.filter((r) => r.kind === kind).length;

  const perWeek = weeks.map((week) => {
    const rows = questions.filter((r) => weekOf(r.at) === week);
    return { week, unanswered: s(countKind(rows, 'unanswered')), notHelpful: s(countKind(rows, 'not-helpful')) };
  });
  const langs = [...new Set(questions.map((r) => r.lang))].sort();
  const perLanguage = langs.map((lang) => {
    const rows = questions.filter((r) => r.lang === lang);
    return { lang, unanswered: s(countKind(rows, 'unanswered')), notHelpful: s(countKind(rows, 'not-helpful')) };
  });

  const big = groups.filter((g) => g.people >= k);
  const small = groups.filter((g) => g.people < k);
  const shownGroups = big.map((g): ShownGroup => {
    const lead = g.phrasings[0]!.text;
    const answered = new Map<string, number>();
    for (const r of g.rows) if (r.kind === 'not-helpful' && r.topic) answered.set(r.topic, (answered.get(r.topic) ?? 0) + 1);
    const answeredAs = [...answered].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0]?.[0] ?? null;
    return {
      id: g.id,
      lang: g.lang,
      questions: s(g.rows.length),
      unanswered: s(countKind(g.rows, 'unanswered')),
      notHelpful: s(countKind(g.rows, 'not-helpful')),
      perWeek: weeks.map((w) => s(g.rows.filter((r) => weekOf(r.at) === w).length)),
      phrasings: g.phrasings.slice(0, 8).map((p) => ({ text: p.text, n: s(p.n) })),
      suggestion: input.suggest(lead, g.lang),
      answeredAs,
    };
  });
  const otherQuestions = [...new Set(small.map((g) => g.lang))].sort().map((lang) => {
    const gs = small.filter((g) => g.lang === lang);
    return { lang, groups: gs.length, questions: s(gs.reduce((a, g) => a + g.rows.length, 0)) };
  });

  const feedback = input.feedback.filter((f) => inRange(f.at));
  const tally = (rows: FeedbackRow[]) => {
    const yes = rows.filter((f) => f.helpful).length;
    const no = rows.length - yes;
    return { yes: s(yes), no: s(no), total: s(rows.length), helpfulPercent: percent(yes, no, k) };
  };
  const fbKeys = [...new Set(feedback.map((f) => `${f.topic}\u0000${f.lang}`))].sort();
  const helpfulness = fbKeys.map((key) => {
    const [topic, lang] = key.split('\u0000') as [string, string];
    return { topic, lang, ...tally(feedback.filter((f) => f.topic === topic && f.lang === lang)) };
  });
  const helpfulnessByTopic = [...new Set(feedback.map((f) => f.topic))].sort().map((topic) => ({ topic, ...tally(feedback.filter((f) => f.topic === topic)) }));

  const handoffs = input.handoffs.filter((h) => inRange(h.createdAt));
  const outcomeOf = (h: Handoff) => h.outcome ?? h.status;
  const present = new Set<string>(handoffs.map(outcomeOf));
  const outcomeKeys = [...OUTCOME_ORDER.filter((o) => present.has(o)), ...[...present].filter((o) => !OUTCOME_ORDER.includes(o)).sort()];
  const topicsOfHandoffs = [...new Set(handoffs.map((h) => h.topic ?? '(none)'))].sort();
  const outcomes = topicsOfHandoffs
    .map((topic) => {
      const hs = handoffs.filter((h) => (h.topic ?? '(none)') === topic);
      return {
        topic,
        n: hs.length,
        total: s(hs.length),
        byOutcome: Object.fromEntries(outcomeKeys.map((o) => [o, s(hs.filter((h) => outcomeOf(h) === o).length)])),
      };
    })
    .sort((a, b) => b.n - a.n || (a.topic < b.topic ? -1 : 1))
    .map(({ n: _n, ...rest }) => rest);

  return { from, to, timeZone, k, weeks, perWeek, perLanguage, groups: shownGroups, otherQuestions, helpfulness, helpfulnessByTopic, outcomes, outcomeKeys };
}
