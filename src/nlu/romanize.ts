/**
 * Latin-letter copies of Arabic-script and Cyrillic examples, the way people
 * type them when their phone has no keyboard for their script:
 *
 *   "بدي اعرف وين المحامي"  -> "bdy a3rf wyn almhamy" (Arabizi, digits)
 *                           -> "bdi aarf win almhami" (letters only)
 *   "де отримати картку"    -> "de otrymaty kartku"   (Ukrainian translit)
 *                           -> "de otrimati kartku"   (Russian-style)
 *
 * Why: the learned matcher trains on these copies beside the originals, so
 * a Latin-letter message meets examples in the letters it was typed in,
 * and the language model learns that "shu", "3" and "kh" are Arabic or
 * Farsi, not English. Arabic script writes no short vowels, so the copies
 * lack some; the phonetic skeleton (skeleton.ts) covers what they miss.
 */

import { latinDigits } from '../util/digits.js';

/** Two spelling habits per Arabic-script letter: [with Arabizi digits, letters only]. */
const ARABIC: Record<string, [string, string]> = {
  ا: ['a', 'a'],
  آ: ['a', 'a'],
  أ: ['a', 'a'],
  إ: ['e', 'e'],
  ب: ['b', 'b'],
  پ: ['p', 'p'],
  ت: ['t', 't'],
  ث: ['th', 's'],
  ج: ['j', 'j'],
  چ: ['ch', 'ch'],
  ح: ['7', 'h'],
  خ: ['5', 'kh'],
  د: ['d', 'd'],
  ذ: ['th', 'z'],
  ر: ['r', 'r'],
  ز: ['z', 'z'],
  ژ: ['zh', 'zh'],
  س: ['s', 's'],
  ش: ['sh', 'sh'],
  ص: ['9', 's'],
  ض: ['d', 'z'],
  ط: ['6', 't'],
  ظ: ['z', 'z'],
  ع: ['3', 'a'],
  غ: ['gh', 'gh'],
  ف: ['f', 'f'],
  ق: ['2', 'q'],
  ک: ['k', 'k'],
  ك: ['k', 'k'],
  گ: ['g', 'g'],
  ل: ['l', 'l'],
  م: ['m', 'm'],
  ن: ['n', 'n'],
  ه: ['h', 'h'],
  ة: ['a', 'e'],
  و: ['w', 'o'],
  ي: ['y', 'i'],
  ی: ['y', 'i'],
  ى: ['a', 'a'],
  ئ: ['2', 'i'],
  ؤ: ['2', 'o'],
  ء: ['2', ''],
  // Pashto letters.
  ټ: ['t', 't'],
  ډ: ['d', 'd'],
  ړ: ['r', 'r'],
  ښ: ['kh', 'sh'],
  ږ: ['zh', 'g'],
  ځ: ['dz', 'z'],
  څ: ['ts', 's'],
  ڼ: ['n', 'n'],
  ې: ['e', 'e'],
  ۍ: ['ai', 'i'],
  ګ: ['g', 'g'],
};

/** Two translit habits per Cyrillic letter: [Ukrainian national, Russian-style]. */
const CYRILLIC: Record<string, [string, string]> = {
  а: ['a', 'a'],
  б: ['b', 'b'],
  в: ['v', 'v'],
  г: ['h', 'g'],
  ґ: ['g', 'g'],
  д: ['d', 'd'],
  е: ['e', 'e'],
  є: ['ie', 'ye'],
  ж: ['zh', 'zh'],
  з: ['z', 'z'],
  и: ['y', 'i'],
  і: ['i', 'i'],
  ї: ['i', 'yi'],
  й: ['i', 'y'],
  к: ['k', 'k'],
  л: ['l', 'l'],
  м: ['m', 'm'],
  н: ['n', 'n'],
  о: ['o', 'o'],
  п: ['p', 'p'],
  р: ['r', 'r'],
  с: ['s', 's'],
  т: ['t', 't'],
  у: ['u', 'u'],
  ф: ['f', 'f'],
  х: ['kh', 'h'],
  ц: ['ts', 'c'],
  ч: ['ch', 'ch'],
  ш: ['sh', 'sh'],
  щ: ['shch', 'sch'],
  ь: ['', ''],
  ъ: ['', ''],
  ю: ['iu', 'yu'],
  я: ['ia', 'ya'],
  ы: ['y', 'y'],
  э: ['e', 'e'],
  ё: ['io', 'yo'],
};

const MARKS = /[\u064B-\u065F\u0670\u0640\u200C\u200D]/g;

/**
 * A Latin-letter copy of a text in habit 0 or 1, or undefined when the
 * text has nothing to romanise (it is in Latin letters already).
 */
export function romanize(text: string, habit: 0 | 1): string | undefined {
  const s = text.normalize('NFC').replace(MARKS, '').toLowerCase();
  let out = '';
  let changed = false;
  for (const ch of s) {
    const a = ARABIC[ch] ?? CYRILLIC[ch];
    if (a) {
      out += a[habit];
      changed = true;
    } else if (/[\u0660-\u0669\u06F0-\u06F9]/.test(ch)) out += latinDigits(ch);
    else out += /[\u0600-\u06FF]/.test(ch) ? '' : ch === '؟' ? '?' : ch === '،' ? ',' : ch;
  }
  return changed ? out : undefined;
}
