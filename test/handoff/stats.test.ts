import { describe, expect, it } from 'vitest';
import { computeStats, csvCell, dayIn, median, percentile, startOfDayIn, statsCsv } from '../../src/handoff/stats.js';
import type { Handoff } from '../../src/store/handoffs.js';

const base: Handoff = {
  id: 'h',
  ref: { channel: 'webchat', conversationId: 'conv-secret-id' },
  lang: 'ar',
  reason: 'asked',
  priority: 1,
  status: 'closed',
  createdAt: Date.UTC(2026, 10, 20, 9),
  offHours: false,
  transcriptPurged: false,
};
const h = (over: Partial<Handoff>): Handoff => ({ ...base, ...over });

describe('median and p90', () => {
  it('median is the middle value, or the mean of the two middle ones', () => {
    expect(median([])).toBeNull();
    expect(median([7])).toBe(7);
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });
  it('p90 is nearest rank: the value at rank ceil(0.9 n) of the sorted values', () => {
    expect(percentile([], 0.9)).toBeNull();
    expect(percentile([5], 0.9)).toBe(5);
    // n = 10: rank 9; n = 11: rank ceil(9.9) = 10; n = 20: rank 18.
    expect(percentile([10, 9, 8, 7, 6, 5, 4, 3, 2, 1], 0.9)).toBe(9);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], 0.9)).toBe(10);
    expect(
      percentile(
        Array.from({ length: 20 }, (_, i) => i + 1),
        0.9,
      ),
    ).toBe(18);
    expect(percentile([1, 100], 0.9)).toBe(100);
  });
});

describe('days in the office time zone', () => {
  it('23:30 UTC is already the next day in Vienna, and a day starts at 23:00 UTC in winter, 22:00 in summer', () => {
    expect(dayIn(Date.UTC(2026, 10, 21, 23, 30), 'Europe/Vienna')).toBe('2026-11-22');
    expect(dayIn(Date.UTC(2026, 10, 21, 22, 59), 'Europe/Vienna')).toBe('2026-11-21');
    expect(startOfDayIn('2026-11-22', 'Europe/Vienna')).toBe(Date.UTC(2026, 10, 21, 23));
    expect(startOfDayIn('2026-07-01', 'Europe/Vienna')).toBe(Date.UTC(2026, 5, 30, 22));
    expect(startOfDayIn('2026-03-29', 'Europe/Vienna')).toBe(Date.UTC(2026, 2, 28, 23)); // the night clocks go forward
    expect(startOfDayIn('2026-11-22', 'UTC')).toBe(Date.UTC(2026, 10, 22));
  });
});

describe('computeStats', () => {
  const names = new Map([
    ['s1', 'Amal'],
    ['s2', 'Boris'],
  ]);
  const min = 60_000;
  const c = Date.UTC(2026, 10, 20, 9);
  const data = [
    h({ id: 'a', caseworkerId: 's1', firstReplyAt: c + 2 * min, closedAt: c + 10 * min, outcome: 'answered', topic: 'asylum.interview', rating: 5 }),
    h({ id: 'b', caseworkerId: 's1', firstReplyAt: c + 4 * min, closedAt: c + 30 * min, outcome: 'referred', topic: 'asylum.interview', rating: 3 }),
    h({ id: 'c', caseworkerId: 's2', lang: 'uk', createdAt: c + 86_400_000, firstReplyAt: c + 86_400_000 + min, status: 'active' }),
    h({ id: 'd', lang: 'fa', status: 'cancelled', closedAt: c + 5 * min, rating: 9 }),
    h({ id: 'e', createdAt: Date.UTC(2026, 10, 25) }), // after the range
  ];
  const s = computeStats(data, { from: '2026-11-20', to: '2026-11-22', timeZone: 'UTC', names });

  it('counts per day (zeros included), language, topic and outcome', () => {
    expect(s.total).toBe(4);
    expect(s.perDay).toEqual([
      { day: '2026-11-20', n: 3 },
      { day: '2026-11-21', n: 1 },
      { day: '2026-11-22', n: 0 },
    ]);
    expect(s.perLanguage).toEqual([
      { key: 'ar', n: 2 },
      { key: 'fa', n: 1 },
      { key: 'uk', n: 1 },
    ]);
    expect(s.perTopic).toEqual([
      { key: '(none)', n: 2 },
      { key: 'asylum.interview', n: 2 },
    ]);
    expect(s.perOutcome).toEqual([
      { key: 'active', n: 1 },
      { key: 'answered', n: 1 },
      { key: 'cancelled', n: 1 },
      { key: 'referred', n: 1 },
    ]);
  });

  it('waits to the first reply and times to close (cancelled ones do not count as closed), in seconds', () => {
    expect(s.waitToFirstReply).toEqual({ n: 3, median: 120, p90: 240 });
    expect(s.timeToClose).toEqual({ n: 2, median: 1200, p90: 1800 });
  });

  it('per caseworker and ratings; a rating outside 1..5 is ignored', () => {
    expect(s.perCaseworker).toEqual([
      { id: 's1', name: 'Amal', handoffs: 2, closed: 2, medianWait: 180, medianClose: 1200, ratings: 2, ratingMean: 4 },
      { id: 's2', name: 'Boris', handoffs: 1, closed: 0, medianWait: 60, medianClose: null, ratings: 0, ratingMean: null },
    ]);
    expect(s.ratings).toEqual({
      n: 2,
      mean: 4,
      distribution: [
        { score: 1, n: 0 },
        { score: 2, n: 0 },
        { score: 3, n: 1 },
        { score: 4, n: 0 },
        { score: 5, n: 1 },
      ],
    });
  });
});

describe('CSV', () => {
  it('cells starting with = + - @ are prefixed; quotes, commas and line breaks are quoted; numbers stay numbers', () => {
    expect(csvCell('=HYPERLINK("http://evil")')).toBe(`"'=HYPERLINK(""http://evil"")"`);
    expect(csvCell('+1')).toBe("'+1");
    expect(csvCell('-x')).toBe("'-x");
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell(-3)).toBe('-3');
    expect(csvCell(null)).toBe('');
    expect(csvCell('Amal')).toBe('Amal');
  });

  it('holds the figures, a hostile name made harmless, and no conversation id', () => {
    const evil = new Map([['s1', '=cmd|"/C calc"!A0']]);
    const s = computeStats([h({ caseworkerId: 's1', topic: '@topic', firstReplyAt: base.createdAt + 90_000 })], {
      from: '2026-11-20',
      to: '2026-11-20',
      timeZone: 'UTC',
      names: evil,
    });
    const csv = statsCsv(s);
    const lines = csv.trimEnd().split('\r\n');
    expect(lines[0]).toBe('section,key,measure,value');
    expect(lines).toContain('per_day,2026-11-20,handoffs,1');
    expect(lines).toContain("per_topic,'@topic,handoffs,1");
    expect(lines).toContain('wait_to_first_reply,,median_seconds,90');
    expect(lines).toContain(`per_caseworker,"'=cmd|""/C calc""!A0",handoffs,1`);
    expect(csv).not.toContain('conv-secret-id');
    for (const line of lines.slice(1)) expect(line.split(',')[0]).toMatch(/^[a-z_]+$/);
  });
});
