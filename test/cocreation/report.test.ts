/**
 * The co-creation report's pure parts (issue 16.4): grouping by similarity
 * per language, deterministic whatever the order of the rows; the k = 5
 * suppression of counts, texts and shares; the CSV built from the report;
 * the SVG charts carrying no suppressed bar.
 */
import { describe, expect, it } from 'vitest';
import { renderChart } from '../../src/cocreation/charts.js';
import { reportCsv } from '../../src/cocreation/csv.js';
import { groupQuestions } from '../../src/cocreation/group.js';
import { computeReport, isoWeek, shown, weeksOf } from '../../src/cocreation/report.js';
import type { Handoff } from '../../src/store/handoffs.js';
import type { FeedbackRow, QuestionRow } from '../../src/store/questions.js';

const DAY = 86_400_000;
const T0 = Date.parse('2026-11-09T10:00:00Z'); // a Monday, ISO week 46

let n = 0;
const q = (lang: string, text: string, who: string, at = T0, kind: QuestionRow['kind'] = 'unanswered', topic?: string): QuestionRow => ({
  kind,
  lang,
  text,
  who,
  at: at + n++,
  ...(topic ? { topic } : {}),
});

const rows: QuestionRow[] = [
  ...['when is my interview', 'When is my interview?', 'when is the interview date', 'wen is my intervew', 'when is my interview', 'interview date when'].map(
    (t, i) => q('en', t, `en-p${i}`, T0 + i * DAY),
  ),
  ...['where can I buy a bus ticket', 'bus ticket where to buy', 'where to buy bus ticket'].map((t, i) => q('en', t, `en-b${i}`)),
  q('en', 'can I bring my dog', 'en-dog'),
  ...['wann ist mein interview', 'Wann ist das Interview?', 'wann ist das interview', 'interview wann', 'wann ist mein Interview'].map((t, i) =>
    q('de', t, `de-p${i}`, T0 + 7 * DAY, i < 2 ? 'not-helpful' : 'unanswered', i < 2 ? 'hearing.date' : undefined),
  ),
  ...['متى موعد المقابلة', 'متى موعد مقابلتي', 'موعد المقابلة متى', 'متى المقابلة', 'متى موعد المقابله'].map((t, i) => q('ar', t, `ar-p${i}`)),
];

describe('grouping questions by similarity', () => {
  it('groups paraphrases and misspellings per language, never across languages', () => {
    const groups = groupQuestions(rows);
    const texts = (lang: string) => groups.filter((g) => g.lang === lang).map((g) => g.phrasings.map((p) => p.text).sort());
    expect(texts('en')).toEqual([
      ['interview date when', 'wen is my intervew', 'when is my interview', 'when is the interview date'],
      ['bus ticket where to buy', 'where can I buy a bus ticket', 'where to buy bus ticket'],
      ['can I bring my dog'],
    ]);
    // Two spellings once each: the first in code order is shown (capitals sort first).
    expect(texts('de')).toEqual([['Wann ist das Interview?', 'interview wann', 'wann ist mein Interview']]);
    expect(texts('ar')).toHaveLength(1);
    for (const g of groups) expect(new Set(g.rows.map((r) => r.lang))).toEqual(new Set([g.lang]));
    // "when is my interview" was asked twice in one spelling and once with capitals and "?": one phrasing of 3.
    const interview = groups.find((g) => g.lang === 'en')!;
    expect(interview.phrasings[0]).toEqual({ text: 'when is my interview', n: 3 });
    expect(interview.people).toBe(6);
  });

  it('gives the same groups, ids and order for the rows in any order', () => {
    const a = groupQuestions(rows);
    const shuffled = [...rows].reverse();
    shuffled.push(shuffled.shift()!);
    const b = groupQuestions(shuffled);
    const view = (gs: ReturnType<typeof groupQuestions>) => gs.map((g) => ({ id: g.id, phrasings: g.phrasings, people: g.people }));
    expect(view(b)).toEqual(view(a));
  });
});

describe('the report and its k-anonymity rule', () => {
  const feedback: FeedbackRow[] = [
    ...Array.from({ length: 6 }, (_, i) => ({ topic: 'hearing.date', lang: 'en', helpful: true, who: `f${i}`, at: T0 })),
    ...Array.from({ length: 2 }, (_, i) => ({ topic: 'hearing.date', lang: 'en', helpful: false, who: `g${i}`, at: T0 })),
    ...Array.from({ length: 5 }, (_, i) => ({ topic: 'hearing.date', lang: 'de', helpful: true, who: `h${i}`, at: T0 })),
    ...Array.from({ length: 5 }, (_, i) => ({ topic: 'hearing.date', lang: 'de', helpful: false, who: `i${i}`, at: T0 })),
  ];
  const handoff = (topic: string, outcome: 'answered' | 'referred', i: number): Handoff =>
    ({ id: `h${topic}${i}`, topic, outcome, status: 'closed', lang: 'en', createdAt: T0 + i }) as unknown as Handoff;
  const handoffs = [
    ...Array.from({ length: 7 }, (_, i) => handoff('hearing.date', 'answered', i)),
    handoff('hearing.date', 'referred', 9),
    handoff('other.x', 'answered', 10),
  ];
  const report = computeReport({
    from: '2026-11-09',
    to: '2026-11-22',
    timeZone: 'Europe/Vienna',
    questions: rows,
    feedback,
    handoffs,
    suggest: (text) => (/interview|المقابلة|مقابلتي/i.test(text) ? { topic: 'hearing.date', score: 0.4 } : null),
  });

  it('shows 1 to 4 as "<5", and 0 and 5 and more as numbers', () => {
    expect([0, 1, 4, 5, 12].map((x) => shown(x))).toEqual([0, '<5', '<5', 5, 12]);
    expect(report.weeks).toEqual(['2026-W46', '2026-W47']);
    // Week 46: 6 English interview questions (5 in it: days 0..5 fall in W46 but day 6.. not), 3 bus, 1 dog, 5 Arabic.
    expect(report.perWeek).toEqual([
      { week: '2026-W46', unanswered: 15, notHelpful: 0 },
      { week: '2026-W47', unanswered: '<5', notHelpful: '<5' },
    ]);
    expect(report.perLanguage.find((l) => l.lang === 'de')).toEqual({ lang: 'de', unanswered: '<5', notHelpful: '<5' });
  });

  it('lists only groups of at least 5 people, with their texts, and counts the rest without texts', () => {
    expect(report.groups.map((g) => [g.lang, g.questions])).toEqual([
      ['ar', 5],
      ['de', 5],
      ['en', 6],
    ]);
    const de = report.groups.find((g) => g.lang === 'de')!;
    expect(de.notHelpful).toBe('<5');
    expect(de.answeredAs).toBe('hearing.date');
    expect(de.suggestion).toEqual({ topic: 'hearing.date', score: 0.4 });
    // The bus group (3 people) and the dog (1) are not shown, only counted.
    expect(report.otherQuestions).toEqual([{ lang: 'en', groups: 2, questions: '<5' }]);
    const json = JSON.stringify(report);
    expect(json).not.toContain('bus ticket');
    expect(json).not.toContain('dog');
  });

  it('shows a share only when neither part is a small count', () => {
    const en = report.helpfulness.find((h) => h.lang === 'en')!;
    expect(en).toEqual({ topic: 'hearing.date', lang: 'en', yes: 6, no: '<5', total: 8, helpfulPercent: null });
    expect(report.helpfulness.find((h) => h.lang === 'de')!.helpfulPercent).toBe(50);
    expect(report.helpfulnessByTopic).toEqual([{ topic: 'hearing.date', yes: 11, no: 7, total: 18, helpfulPercent: 61 }]);
    expect(report.outcomes).toEqual([
      { topic: 'hearing.date', total: 8, byOutcome: { answered: 7, referred: '<5' } },
      { topic: 'other.x', total: '<5', byOutcome: { answered: '<5', referred: 0 } },
    ]);
  });

  it('exports the same suppressed figures as CSV, and charts draw no bar for a suppressed count', () => {
    const csv = reportCsv(report);
    const lines = csv.trim().split('\r\n');
    expect(lines[0]).toBe('section,lang,key,week,measure,value');
    expect(lines).toContain('per_week,,,2026-W47,not_helpful,<5');
    expect(lines).toContain('helpfulness,de,hearing.date,,helpful_percent,50');
    expect(lines).toContain('handoff_outcomes,,hearing.date,,referred,<5');
    expect(csv).not.toContain('bus ticket');
    const svg = renderChart('weekly', report);
    expect(svg.startsWith('<svg')).toBe(true);
    // Week 47's two suppressed counts have a label and no bar; week 46 has one bar (its "not helpful" is 0). The legend's keys are 12 wide.
    const bars = (svg.match(/<rect x="[\d.]+" y="[\d.]+" width="[\d.]+" height="[\d.]+" fill="#(0072B2|D55E00)"\/>/g) ?? []).filter(
      (r) => !r.includes('width="12"'),
    );
    expect(bars).toHaveLength(1);
    expect(svg.match(/>&lt;5</g)).toHaveLength(2);
    expect(renderChart('outcomes', report)).toContain('hearing.date');
  });

  it('weeks are ISO weeks (the Thursday decides the year)', () => {
    expect(isoWeek('2026-12-31')).toBe('2026-W53');
    expect(isoWeek('2027-01-03')).toBe('2026-W53');
    expect(isoWeek('2027-01-04')).toBe('2027-W01');
    expect(weeksOf('2026-11-08', '2026-11-10')).toEqual(['2026-W45', '2026-W46']);
  });
});
