/**
 * The admin's statistics of handoffs, computed from handoff records alone
 * (never from messages, which retention removes): counts per day, language,
 * topic and outcome; waiting time to the first caseworker reply and time to
 * close (median and p90); per caseworker; and the person's ratings. A pure
 * function of its input, so it is tested with fixed data; the CSV export is
 * built from its result, which holds counts and durations only.
 *
 * Methods, stated because figures are compared across reports:
 * - median: the middle value of the sorted durations, or the mean of the two
 *   middle ones for an even count;
 * - p90: nearest rank, the value at 1-based rank ceil(0.9 × n) of the sorted
 *   durations (so it is always a duration that really occurred);
 * - waiting time: first caseworker message minus creation, for handoffs that
 *   got one; time to close: closing minus creation, for closed handoffs (not
 *   those the person cancelled);
 * - a day is the calendar day of the creation in the office's time zone.
 */
import type { Handoff } from '../store/handoffs.js';

export interface Durations {
  /** How many durations went in. */
  n: number;
  /** Seconds; null without data. */
  median: number | null;
  p90: number | null;
}

export interface CaseworkerStats {
  id: string;
  name: string;
  /** Handoffs they had (taken, or transferred to them), in the range. */
  handoffs: number;
  closed: number;
  /** Seconds from creation to their first reply. */
  medianWait: number | null;
  /** Seconds from creation to close. */
  medianClose: number | null;
  ratings: number;
  ratingMean: number | null;
}

export interface HandoffStats {
  from: string;
  to: string;
  timeZone: string;
  total: number;
  perDay: { day: string; n: number }[];
  perLanguage: { key: string; n: number }[];
  perTopic: { key: string; n: number }[];
  perOutcome: { key: string; n: number }[];
  waitToFirstReply: Durations;
  timeToClose: Durations;
  perCaseworker: CaseworkerStats[];
  ratings: { n: number; mean: number | null; distribution: { score: number; n: number }[] };
}

/** Median of unsorted values (mean of the two middle ones for an even count); null for none. */
export function median(values: number[]): number | null {
  if (!values.length) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Nearest-rank percentile (0 < p ≤ 1): the value at 1-based rank ceil(p × n) of the sorted values; null for none. */
export function percentile(values: number[], p: number): number | null {
  if (!values.length) return null;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.max(1, Math.ceil(p * s.length)) - 1]!;
}

const durations = (values: number[]): Durations => ({ n: values.length, median: median(values), p90: percentile(values, 0.9) });
const round2 = (x: number | null) => (x === null ? null : Math.round(x * 100) / 100);

/** The calendar day (YYYY-MM-DD) of a moment in a time zone. */
export function dayIn(ms: number, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(new Date(ms));
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')}`;
}

/** Milliseconds of the wall-clock time a moment shows in a time zone, read as if it were UTC. */
function wallMs(ms: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  }).formatToParts(new Date(ms));
  const n = (t: string) => Number(parts.find((p) => p.type === t)?.value ?? 0);
  return Date.UTC(n('year'), n('month') - 1, n('day'), n('hour'), n('minute'), n('second'));
}

/** The moment a calendar day (YYYY-MM-DD) begins in a time zone; twice round the offset so a DST change that day is right too. */
export function startOfDayIn(day: string, timeZone: string): number {
  const utc = Date.parse(`${day}T00:00:00Z`);
  let t = utc;
  for (let i = 0; i < 2; i++) t -= wallMs(t, timeZone) - utc;
  return t;
}

/** The day after a calendar day (YYYY-MM-DD). */
export function nextDay(day: string): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
}

/** Every day from `from` to `to` (YYYY-MM-DD, both included). */
export function daysFrom(from: string, to: string): string[] {
  const out: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += 86_400_000) out.push(new Date(t).toISOString().slice(0, 10));
  return out;
}

function countBy(items: Handoff[], key: (h: Handoff) => string): { key: string; n: number }[] {
  const m = new Map<string, number>();
  for (const h of items) m.set(key(h), (m.get(key(h)) ?? 0) + 1);
  return [...m].map(([k, n]) => ({ key: k, n })).sort((a, b) => b.n - a.n || a.key.localeCompare(b.key));
}

const seconds = (ms: number) => ms / 1000;
const waitOf = (h: Handoff) => (h.firstReplyAt !== undefined ? seconds(h.firstReplyAt - h.createdAt) : undefined);
const closeOf = (h: Handoff) => (h.status === 'closed' && h.closedAt !== undefined ? seconds(h.closedAt - h.createdAt) : undefined);
const defined = (xs: (number | undefined)[]) => xs.filter((x): x is number => x !== undefined);
const ratingOf = (h: Handoff) => (typeof h.rating === 'number' && h.rating >= 1 && h.rating <= 5 ? h.rating : undefined);
const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);

/**
 * Statistics of the handoffs created on the days `from`..`to` (both included, in `timeZone`).
 * `handoffs` may hold more (the caller fetches a little wider to cover time-zone offsets); those
 * outside the days are left out here. `names` gives caseworkers' display names by id.
 */
export function computeStats(handoffs: Handoff[], opts: { from: string; to: string; timeZone: string; names: Map<string, string> }): HandoffStats {
  const days = daysFrom(opts.from, opts.to);
  const inRange = handoffs.filter((h) => {
    const d = dayIn(h.createdAt, opts.timeZone);
    return d >= opts.from && d <= opts.to;
  });
  const perDayMap = new Map(days.map((d) => [d, 0]));
  for (const h of inRange) {
    const d = dayIn(h.createdAt, opts.timeZone);
    perDayMap.set(d, (perDayMap.get(d) ?? 0) + 1);
  }
  const byWorker = new Map<string, Handoff[]>();
  for (const h of inRange) if (h.caseworkerId) byWorker.set(h.caseworkerId, [...(byWorker.get(h.caseworkerId) ?? []), h]);
  const perCaseworker: CaseworkerStats[] = [...byWorker]
    .map(([id, hs]) => {
      const r = defined(hs.map(ratingOf));
      return {
        id,
        name: opts.names.get(id) ?? id,
        handoffs: hs.length,
        closed: hs.filter((h) => h.status === 'closed').length,
        medianWait: median(defined(hs.map(waitOf))),
        medianClose: median(defined(hs.map(closeOf))),
        ratings: r.length,
        ratingMean: round2(mean(r)),
      };
    })
    .sort((a, b) => b.handoffs - a.handoffs || a.name.localeCompare(b.name));
  const ratings = defined(inRange.map(ratingOf));
  return {
    from: opts.from,
    to: opts.to,
    timeZone: opts.timeZone,
    total: inRange.length,
    perDay: [...perDayMap].map(([day, n]) => ({ day, n })).sort((a, b) => a.day.localeCompare(b.day)),
    perLanguage: countBy(inRange, (h) => h.lang),
    perTopic: countBy(inRange, (h) => h.topic ?? '(none)'),
    // Open handoffs count under their status, so the outcomes add up to the total.
    perOutcome: countBy(inRange, (h) => h.outcome ?? h.status),
    waitToFirstReply: durations(defined(inRange.map(waitOf))),
    timeToClose: durations(defined(inRange.map(closeOf))),
    perCaseworker,
    ratings: {
      n: ratings.length,
      mean: round2(mean(ratings)),
      distribution: [1, 2, 3, 4, 5].map((score) => ({ score, n: ratings.filter((r) => r === score).length })),
    },
  };
}

/** A CSV cell: quoted when needed, and a leading = + - @ (or tab, CR) prefixed with ' so that spreadsheets never run it as a formula. */
export function csvCell(v: string | number | null): string {
  let s = v === null ? '' : String(v);
  // Numbers are ours and safe; text (a topic id, a caseworker's name) may come from anyone.
  if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * The statistics as CSV, one figure a row: section, key, measure, value. Built from `HandoffStats`
 * only, which holds counts, durations and caseworker names: never a message or a conversation id.
 */
export function statsCsv(s: HandoffStats): string {
  const rows: (string | number | null)[][] = [['section', 'key', 'measure', 'value']];
  rows.push(['range', `${s.from}..${s.to}`, 'time_zone', s.timeZone], ['total', '', 'handoffs', s.total]);
  for (const d of s.perDay) rows.push(['per_day', d.day, 'handoffs', d.n]);
  for (const x of s.perLanguage) rows.push(['per_language', x.key, 'handoffs', x.n]);
  for (const x of s.perTopic) rows.push(['per_topic', x.key, 'handoffs', x.n]);
  for (const x of s.perOutcome) rows.push(['per_outcome', x.key, 'handoffs', x.n]);
  for (const [name, d] of [
    ['wait_to_first_reply', s.waitToFirstReply],
    ['time_to_close', s.timeToClose],
  ] as const)
    rows.push([name, '', 'n', d.n], [name, '', 'median_seconds', d.median], [name, '', 'p90_seconds', d.p90]);
  for (const c of s.perCaseworker)
    rows.push(
      ['per_caseworker', c.name, 'handoffs', c.handoffs],
      ['per_caseworker', c.name, 'closed', c.closed],
      ['per_caseworker', c.name, 'median_wait_seconds', c.medianWait],
      ['per_caseworker', c.name, 'median_close_seconds', c.medianClose],
      ['per_caseworker', c.name, 'ratings', c.ratings],
      ['per_caseworker', c.name, 'rating_mean', c.ratingMean],
    );
  rows.push(['ratings', '', 'n', s.ratings.n], ['ratings', '', 'mean', s.ratings.mean]);
  for (const d of s.ratings.distribution) rows.push(['ratings', String(d.score), 'n', d.n]);
  return `${rows.map((r) => r.map(csvCell).join(',')).join('\r\n')}\r\n`;
}
