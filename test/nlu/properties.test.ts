/**
 * Property tests (fast-check) of the normaliser and the matcher on input
 * nobody would type on purpose but somebody will send: huge, empty, binary,
 * control characters, mixed directions, lone surrogates, prototype keys.
 * The promises: nothing throws, answers stay in their vocabulary, scores are
 * numbers, and the same message always gets the same answer.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalize, tokenize } from '../../src/nlu/normalize.js';
import { content, repoRoot } from '../helpers/content.js';

/** Strings from every corner: any code unit (lone surrogates too), bidi controls, prototype keys, Arabic and Cyrillic letters. */
const nasty = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.string({
    unit: fc.constantFrom('\u202e', '\u200f', '\u2066', '\u0000', '\u0007', '\ufeff', '\ud800', '\udfff', 'ا', 'ب', 'ї', ' ', '\n', '7', '؟'),
    maxLength: 200,
  }),
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '__proto__ constructor.name', '{"__proto__":{"x":1}}'),
  fc.string({ unit: 'grapheme', maxLength: 100 }),
);

/** A high surrogate without its low half, or a low one without its high half. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

describe('normaliser', () => {
  it('never throws, gives well-formed text, and tokens without spaces, for any input', () => {
    fc.assert(
      fc.property(nasty, (s) => {
        const n = normalize(s);
        expect(typeof n).toBe('string');
        expect(LONE_SURROGATE.test(n), JSON.stringify(n)).toBe(false);
        for (const t of tokenize(s)) {
          expect(t.length).toBeGreaterThan(0);
          expect(/\s/.test(t)).toBe(false);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('copes with a megabyte of text', () => {
    const huge = 'وثائق papers '.repeat(80_000);
    expect(normalize(huge).length).toBeGreaterThan(0);
    expect(tokenize(huge).length).toBeGreaterThan(0);
  });
});

describe('matcher on the starter pack', () => {
  const c = content(repoRoot);
  const served = new Set(c.pack.languages.map((l) => l.code));
  const topics = new Set([...Object.keys(c.pack.topicTexts[c.defaultLang] ?? {}), 'none']);

  it('answers any input within its vocabulary, with finite scores, and the same answer twice', () => {
    fc.assert(
      fc.property(nasty, fc.constantFrom(undefined, 'ar', 'de', 'xx', '__proto__'), (s, hint) => {
        const m = c.nlu.match(s, hint);
        expect(['answer', 'clarify', 'unknown']).toContain(m.decision);
        expect(Number.isFinite(m.score)).toBe(true);
        if (m.topic !== null && m.topic !== undefined) expect(topics.has(m.topic), m.topic).toBe(true);
        if (m.lang) expect(served.has(m.lang), m.lang).toBe(true);
        expect([undefined, 'clear', 'unsure']).toContain(m.distressLevel);
        expect(m.distress).toBe(m.distressLevel !== undefined);
        const again = c.nlu.match(s, hint);
        expect({ topic: again.topic, decision: again.decision, distress: again.distressLevel }).toEqual({
          topic: m.topic,
          decision: m.decision,
          distress: m.distressLevel,
        });
      }),
      { numRuns: 300 },
    );
    // Nothing leaked onto the shared prototype.
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it('reads a message far longer than any channel accepts without falling over', () => {
    const m = c.nlu.match('wo ist der deutschkurs '.repeat(5_000));
    expect(['answer', 'clarify', 'unknown']).toContain(m.decision);
  });
});
