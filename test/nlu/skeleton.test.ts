/**
 * The phonetic skeleton meets a word across scripts: Arabizi, Finglish,
 * Latin Pashto and Ukrainian translit against the script the examples are
 * written in (skeleton.ts), after the same normalisation the matcher uses.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalize } from '../../src/nlu/normalize.js';
import { skeleton, skeletonVariants } from '../../src/nlu/skeleton.js';

const variants = (text: string) => normalize(text).split(' ').map(skeletonVariants);
/** Every word of `latin` that has a skeleton of two letters or more meets a word of `script`. */
function meets(latin: string, script: string): string[] {
  const known = new Set(variants(script).flat());
  return variants(latin)
    .filter((v) => v.some((k) => k.length >= 2))
    .filter((v) => !v.some((k) => known.has(k)))
    .map((v) => v.join('|'));
}

describe('skeleton', () => {
  const pairs: [string, string, string][] = [
    ['ar', 'شو لازم جيب عالمقابلة', 'shu lazem jib 3al mo2abale'],
    ['ar', 'وين الطبيب', 'wen el tabib'],
    ['ar', 'بدي محامي', 'badi m7ami'],
    ['ar', 'خايف', '5ayef'],
    ['fa', 'مدارک', 'madarek'],
    ['fa', 'مصاحبه', 'mosahebe'],
    ['fa', 'چطور', 'chetor'],
    ['ps', 'مرکه', 'marka'],
    ['ps', 'ډاکټر', 'daktar'],
    ['uk', 'документи', 'dokumenty'],
    ['uk', 'картка', 'kartka'],
    ['uk', 'шкода', 'shkoda'],
    ['en', 'interview', 'intervew'],
  ];
  for (const [lang, script, latin] of pairs)
    it(`${lang}: "${script}" and "${latin}" share a skeleton`, () => {
      expect(meets(latin, script)).toEqual([]);
    });
  it('folds sounds that people write differently: ch/sh, v/f/w, doubled letters', () => {
    expect(skeleton('chou')).toBe(skeleton('shu'));
    expect(skeleton('vorm')).toBe(skeleton('form'));
    expect(skeleton('mmm')).toBe('m');
  });
  it('is total: any text gives a string of its consonant classes only', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (s) => {
        for (const t of normalize(s).split(' ')) expect(skeleton(t)).toMatch(/^[a-z]*$/);
      }),
    );
  });
});
