/**
 * A phonetic consonant skeleton of a word, the same key in every script:
 *
 *   "انترفيو" -> "ntrf"    "interview" -> "ntrf"    "інтерв'ю" -> "ntrf"
 *   "شو لازم" -> "c lzm"   "shu lazem" -> "c lzm"   "madarek" -> "mdrk" (مدارک)
 *
 * Why: people write Arabic, Farsi, Pashto and Ukrainian in Latin letters
 * (Arabizi with digits for letters, Finglish, translit), and Arabic script
 * writes no short vowels. Dropping vowels and the half-vowels w/y, and
 * folding consonants that sound alike (sh/ch/ش/چ/ш/ч), lets a Latin-letter
 * message meet the Arabic-script examples it means without a dictionary.
 * The key is lossy on purpose; the learned matcher weighs it against the
 * exact letters.
 *
 * Input is a token from normalize() (lower case, Arabic letter variants and
 * Cyrillic і/ї/й already folded).
 */

/** Arabic-script letters (after normalize's folding) to consonant classes; '' drops. */
const ARABIC: Record<string, string> = {
  ب: 'b',
  پ: 'b',
  ت: 't',
  ط: 't',
  ث: 's',
  ج: 'j',
  چ: 'c',
  ح: 'h',
  خ: 'x',
  د: 'd',
  ذ: 'z',
  ر: 'r',
  ز: 'z',
  ژ: 'j',
  س: 's',
  ش: 'c',
  ص: 's',
  ض: 'd',
  ظ: 'z',
  ع: '',
  غ: 'g',
  ف: 'f',
  ق: 'k',
  ک: 'k',
  گ: 'g',
  ل: 'l',
  م: 'm',
  ن: 'n',
  ه: 'h',
  و: '',
  ی: '',
  ا: '',
  ئ: '',
  ء: '',
};

/** Cyrillic (after folding: і/ї/й -> и, ь dropped) to the same classes. */
const CYRILLIC: Record<string, string> = {
  б: 'b',
  в: 'f',
  г: 'h',
  ґ: 'g',
  д: 'd',
  ж: 'j',
  з: 'z',
  к: 'k',
  л: 'l',
  м: 'm',
  н: 'n',
  п: 'b',
  р: 'r',
  с: 's',
  т: 't',
  ф: 'f',
  х: 'x',
  ц: 'ts',
  ч: 'c',
  ш: 'c',
  щ: 'c',
  а: '',
  е: '',
  и: '',
  о: '',
  у: '',
  ю: '',
  я: '',
  ы: '',
  э: '',
  ь: '',
  ъ: '',
};

/** Latin digraphs first (longest match), then single letters and Arabizi digits. */
const LATIN_MULTI: [string, string][] = [
  ['sch', 'c'],
  ['shch', 'c'],
  ['sh', 'c'],
  ['ch', 'c'],
  ['zh', 'j'],
  ['kh', 'x'],
  ['gh', 'g'],
  ['th', 't'],
  ['dh', 'd'],
  ['ph', 'f'],
  ['ck', 'k'],
  ['ts', 'ts'],
  ['tz', 'ts'],
];
const LATIN: Record<string, string> = {
  a: '',
  e: '',
  i: '',
  o: '',
  u: '',
  y: '',
  w: '',
  b: 'b',
  p: 'b',
  c: 'k',
  d: 'd',
  f: 'f',
  v: 'f',
  g: 'g',
  h: 'h',
  j: 'j',
  k: 'k',
  q: 'k',
  l: 'l',
  m: 'm',
  n: 'n',
  r: 'r',
  s: 's',
  t: 't',
  x: 'x',
  z: 'z',
  // Arabizi: 2 hamza/qaf, 3 ayn, 5 kha, 6 ta, 7 ha, 8 qaf/ghayn, 9 sad/qaf.
  '2': '',
  '3': '',
  '5': 'x',
  '6': 't',
  '7': 'h',
  '8': 'k',
  '9': 's',
};

/** The skeleton of one normalised token ('' when it has no consonant). */
export function skeleton(token: string): string {
  let out = '';
  const push = (c: string) => {
    // Doubled letters are one sound ("mm", "ss", "شش" with a shadda dropped).
    if (c && !out.endsWith(c)) out += c;
  };
  for (let i = 0; i < token.length; ) {
    const ch = token[i]!;
    const code = ch.charCodeAt(0);
    if (code >= 0x600 && code <= 0x6ff) {
      push(ARABIC[ch] ?? '');
      i++;
    } else if (code >= 0x400 && code <= 0x4ff) {
      push(CYRILLIC[ch] ?? '');
      i++;
    } else {
      let matched = false;
      for (const [m, c] of LATIN_MULTI) {
        if (token.startsWith(m, i)) {
          push(c);
          i += m.length;
          matched = true;
          break;
        }
      }
      if (matched) continue;
      push(LATIN[ch] ?? '');
      i++;
    }
  }
  return out;
}

/**
 * The skeletons a token may stand for, where spelling habits differ:
 * an Arabic article written joined ("الطبيب") or apart ("el tabib"); qaf
 * said as a glottal stop in Levantine and Egyptian Arabic (Arabizi "2") or
 * as q/g elsewhere; a word-final ه (ta marbuta, Persian silent h) that Latin
 * letters write as a vowel ("mosahebe", "marka"). At most four.
 */
/** The article with the prepositions joined to it ("عالمقابلة" = "على المقابلة"). */
const ARTICLES = ['وال', 'بال', 'فال', 'کال', 'عال', 'لل', 'ال'];

export function skeletonVariants(token: string): string[] {
  const out = new Set<string>();
  const arabic = /[\u0600-\u06ff]/.test(token);
  let t = token;
  if (arabic && t.length > 3 && t.endsWith('ه') && !/[اوی]ه$/.test(t)) t = t.slice(0, -1);
  const bases = [t];
  const article = arabic ? ARTICLES.find((a) => t.startsWith(a) && t.length - a.length >= 3) : undefined;
  if (article) bases.push(t.slice(article.length));
  if (!arabic && /^(el|al|il)[bcdfghjklmnpqrstvwxz]/.test(t) && t.length > 5) bases.push(t.slice(2));
  for (const b of bases) {
    out.add(skeleton(b));
    if (arabic && b.includes('ق')) out.add(skeleton(b.replaceAll('ق', 'ء')));
  }
  return [...out].filter((k) => k.length > 0).slice(0, 4);
}

/** True when a token is letters of a script the skeleton speaks (not digits alone, not emoji). */
export function hasSkeleton(token: string): boolean {
  return /[a-z\u0600-\u06ff\u0400-\u04ff]/.test(token);
}
