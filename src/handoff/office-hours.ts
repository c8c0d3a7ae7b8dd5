/**
 * Office hours: "mo-fr 09:00-17:00; sa 10:00-12:00" in an IANA time zone.
 * Outside them, a person can still leave a message; the answer reaches them
 * later on their own channel.
 */
const DAYS = ['mo', 'tu', 'we', 'th', 'fr', 'sa', 'su'] as const;
type Day = (typeof DAYS)[number];

export interface OfficeHours {
  spans: { days: Day[]; from: number; to: number }[];
  timeZone: string;
  source: string;
}

export class OfficeHoursError extends Error {}

function minutes(hhmm: string): number {
  const m = /^(\d{1,2}):(\d{2})$/.exec(hhmm);
  if (!m || Number(m[1]) > 24 || Number(m[2]) > 59) throw new OfficeHoursError(`"${hhmm}" is not a time like 09:00`);
  return Number(m[1]) * 60 + Number(m[2]);
}

export function parseOfficeHours(spec: string, timeZone: string): OfficeHours {
  try {
    new Intl.DateTimeFormat('en', { timeZone });
  } catch {
    throw new OfficeHoursError(`"${timeZone}" is not a time zone (e.g. Europe/Vienna)`);
  }
  const spans: OfficeHours['spans'] = [];
  for (const part of spec
    .split(/[;,]/)
    .map((s) => s.trim())
    .filter(Boolean)) {
    const m = /^([a-z]{2})(?:-([a-z]{2}))?\s+(\d{1,2}:\d{2})-(\d{1,2}:\d{2})$/i.exec(part);
    if (!m) throw new OfficeHoursError(`"${part}" should look like "mo-fr 09:00-17:00"`);
    const a = DAYS.indexOf(m[1]!.toLowerCase() as Day);
    const b = m[2] ? DAYS.indexOf(m[2].toLowerCase() as Day) : a;
    if (a < 0 || b < 0) throw new OfficeHoursError(`"${part}": days are mo tu we th fr sa su`);
    const days: Day[] = [];
    for (let i = a; ; i = (i + 1) % 7) {
      days.push(DAYS[i]!);
      if (i === b) break;
    }
    const from = minutes(m[3]!);
    const to = minutes(m[4]!);
    if (to <= from) throw new OfficeHoursError(`"${part}": the end must be after the start`);
    spans.push({ days, from, to });
  }
  return { spans, timeZone, source: spec };
}

/**
 * One formatter per time zone: building an Intl.DateTimeFormat costs far more than using it, and
 * `isOpen` runs on every turn of every conversation (it was 7 % of a web chat message's CPU, issue 17.1).
 */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f)
    formatters.set(
      timeZone,
      (f = new Intl.DateTimeFormat('en-GB', { timeZone, weekday: 'short', hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false })),
    );
  return f;
}

/**
 * The last answer per time zone, with the instants it holds for: from the start of that local minute
 * (found from the local second) for 60 s. Offsets are whole seconds and changes of offset fall on
 * the start of a local minute, so the answer is the same throughout; formatToParts (most of what
 * `isOpen` cost a turn) then runs about once a minute per zone instead of on every turn.
 */
const lastParts = new Map<string, { from: number; to: number; day: Day; minute: number }>();

function localParts(now: number, timeZone: string): { day: Day; minute: number } {
  const last = lastParts.get(timeZone);
  if (last && now >= last.from && now < last.to) return last;
  const { day, minute, second } = formatParts(now, timeZone);
  const from = now - second * 1000 - (((now % 1000) + 1000) % 1000);
  lastParts.set(timeZone, { from, to: from + 60_000, day, minute });
  return { day, minute };
}

function formatParts(now: number, timeZone: string): { day: Day; minute: number; second: number } {
  const parts = formatter(timeZone).formatToParts(new Date(now));
  const wd = parts
    .find((p) => p.type === 'weekday')!
    .value.slice(0, 2)
    .toLowerCase() as Day;
  const h = Number(parts.find((p) => p.type === 'hour')!.value) % 24;
  const mi = Number(parts.find((p) => p.type === 'minute')!.value);
  const se = Number(parts.find((p) => p.type === 'second')!.value);
  return { day: wd, minute: h * 60 + mi, second: se };
}

export function isOpen(oh: OfficeHours, now: number): boolean {
  const { day, minute } = localParts(now, oh.timeZone);
  return oh.spans.some((s) => s.days.includes(day) && minute >= s.from && minute < s.to);
}

/** "Mon–Fri 09:00–17:00" in the person's language (weekday names from Intl). */
export function describeOfficeHours(oh: OfficeHours, lang: string): string {
  const base = Date.UTC(2024, 0, 1); // a Monday
  const name = (d: Day) => new Intl.DateTimeFormat(lang, { weekday: 'short', timeZone: 'UTC' }).format(new Date(base + DAYS.indexOf(d) * 86_400_000));
  const hm = (m: number) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
  return oh.spans
    .map((s) => `${s.days.length > 1 ? `${name(s.days[0]!)}–${name(s.days[s.days.length - 1]!)}` : name(s.days[0]!)} \u2066${hm(s.from)}–${hm(s.to)}\u2069`)
    .join(', ');
}
