/**
 * Text normalisation per script, applied the same way to content and to
 * what people type, so that spelling variants meet:
 *   Arabic script: hamza/alef forms, ta marbuta, alef maqsura, tashkeel,
 *     tatweel; Persian and Pashto letters versus their Arabic look-alikes
 *     (people type Pashto on Persian or Arabic keyboards); zero-width
 *     joiners; Arabic-Indic and Persian digits.
 *   Cyrillic: case, ё/ї/є/ґ, и/і/ы and й confusions (Ukrainian typed on a
 *     Russian layout), apostrophes and soft signs.
 *   Latin: case, diacritics, German umlauts (ä/ae -> a) and sharp s.
 *   Scripts with vowel signs (Bengali, Devanagari): the signs stay in the word.
 */

import { latinDigits } from '../util/digits.js';

const ARABIC_MARKS = /[\u0610-\u061A\u064B-\u065F\u0670\u06D6-\u06ED\u08D3-\u08FF]/g;
const INVISIBLE = /[\u00AD\u0640\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2069\uFEFF]/g;

/** Arabic-script letter folding: variants -> one canonical letter. */
const ARABIC_FOLD: Record<string, string> = {
  أ: 'ا',
  إ: 'ا',
  آ: 'ا',
  ٱ: 'ا',
  ٲ: 'ا',
  ٳ: 'ا',
  ة: 'ه',
  ۀ: 'ه',
  ە: 'ه',
  ھ: 'ه',
  ۂ: 'ه',
  ى: 'ی',
  ي: 'ی',
  ې: 'ی',
  ۍ: 'ی',
  ئ: 'ی',
  ێ: 'ی',
  ے: 'ی',
  ك: 'ک',
  ڪ: 'ک',
  ګ: 'گ',
  ؤ: 'و',
  ء: '',
  // Pashto letters typed with Persian/Arabic keyboards.
  ټ: 'ت',
  ډ: 'د',
  ړ: 'ر',
  ڼ: 'ن',
  ښ: 'ش',
  ږ: 'ژ',
  ځ: 'ج',
  څ: 'چ',
};

const CYRILLIC_FOLD: Record<string, string> = {
  ё: 'е',
  є: 'е',
  э: 'е',
  ї: 'и',
  і: 'и',
  ы: 'и',
  й: 'и',
  ґ: 'г',
  ь: '',
  ъ: '',
};

/**
 * Normalise a whole text to a canonical string of tokens separated by single
 * spaces (no emoji, no punctuation). Language-independent on purpose:
 * language detection runs on the raw text, matching on this, and a typed
 * text is compared with a button label through it.
 */
export function normalize(text: string): string {
  let s = text.normalize('NFKC');
  // Zero-width non-joiner inside Persian words (می‌خواهم) joins; other invisibles vanish.
  s = s
    .replace(/\u200C/g, '')
    .replace(INVISIBLE, '')
    .replace(ARABIC_MARKS, '');
  s = s.toLowerCase();
  s = latinDigits(s);
  let out = '';
  for (const ch of s) {
    const a = ARABIC_FOLD[ch];
    if (a !== undefined) {
      out += a;
      continue;
    }
    const c = CYRILLIC_FOLD[ch];
    if (c !== undefined) {
      out += c;
      continue;
    }
    out += ch;
  }
  // Latin diacritics: ä -> a, é -> e; ß -> ss.
  out = out
    .replace(/ß/g, 'ss')
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .normalize('NFC');
  // Apostrophes inside words (інтерв'ю, don't) are dropped rather than split.
  out = out.replace(/(\p{L})['’ʼ`´](\p{L})/gu, '$1$2');
  // Vowel signs and viramas (Bengali, Devanagari, Tamil ...) are marks inside a word: "বাঁচতে"
  // must stay one token, not five letters. A mark after no letter (an emoji's variation
  // selector, a keycap) is dropped.
  out = out.replace(/(^|[^\p{L}\p{M}])\p{M}+/gu, '$1');
  out = out.replace(/[^\p{L}\p{N}\p{M}]+/gu, ' ').trim();
  // German written without umlauts: fuer -> fur, muessen -> mussen (applied to every Latin token: harmless elsewhere).
  out = out.replace(/\b([a-z]*?)(ae|oe|ue)([a-z]*)\b/g, (_m, a: string, v: string, b: string) => (a.length ? `${a}${v[0]}${b}` : `${v}${b}`));
  return out;
}

export function tokenize(text: string): string[] {
  const n = normalize(text);
  return n ? mergePersianPrefixes(n.split(' ')) : [];
}

/** "می خواهم" (with a space) is the same word as "میخواهم". */
function mergePersianPrefixes(tokens: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if ((t === 'می' || t === 'نمی') && i + 1 < tokens.length && /^[\u0600-\u06FF]/.test(tokens[i + 1]!)) {
      out.push(t + tokens[i + 1]!);
      i++;
    } else out.push(t);
  }
  return out;
}

const AR_PREFIXES = ['وال', 'بال', 'کال', 'فال', 'لل', 'ال'];
// Single letters other than ه/ی are left alone: stripping م or ت turns مترجم into مترج and breaks verbs.
// Pashto plurals (-ونه, -ګانې) and Persian plurals (-ها) meet their singular.
const ARABIC_SCRIPT_SUFFIXES = [
  'هایی',
  'های',
  'گانی',
  'گانو',
  'ونه',
  'ها',
  'ات',
  'ین',
  'ون',
  'ان',
  'هم',
  'کم',
  'نا',
  'تان',
  'شان',
  'مان',
  'ام',
  'اش',
  'یم',
  'ید',
  'ند',
  'ه',
  'ی',
];

/**
 * A light stem: the same key for inflected forms. Arabic script: article
 * and clitics; Persian verb prefixes. Cyrillic: common Ukrainian endings.
 * Latin: nothing here (the matcher compares long prefixes instead, which
 * serves German and English inflection).
 */
// Ukrainian (and Russian-influenced) endings after folding (і/ї/й -> и, ь dropped), longest first.
const CYRILLIC_SUFFIXES = [
  'ування',
  'ювання',
  'ення',
  'ання',
  'тися',
  'тись',
  'ость',
  'ости',
  'ами',
  'ями',
  'ови',
  'еви',
  'ого',
  'ому',
  'ими',
  'ись',
  'ся',
  'ти',
  'их',
  'ив',
  'ах',
  'ях',
  'ою',
  'ею',
  'ом',
  'ем',
  'ия',
  'ии',
  'ть',
  'а',
  'я',
  'у',
  'ю',
  'и',
  'е',
  'о',
];

export function stem(token: string): string {
  if (/^[\u0400-\u04FF]+$/.test(token) && token.length >= 5) {
    for (const suf of CYRILLIC_SUFFIXES) if (token.endsWith(suf) && token.length - suf.length >= 4) return token.slice(0, -suf.length);
    return token;
  }
  if (!/[\u0600-\u06FF]/.test(token)) return token;
  let t = token;
  for (const p of AR_PREFIXES) {
    if (t.startsWith(p) && t.length - p.length >= 2) {
      t = t.slice(p.length);
      break;
    }
  }
  // Persian verb prefix: only when a real stem remains (میزند and میزنه must still meet by one edit).
  if ((t.startsWith('نمی') && t.length >= 7) || (t.startsWith('می') && t.length >= 6)) t = t.slice(t.startsWith('نمی') ? 3 : 2);
  else if (t.length >= 5 && /^[وبلف]/.test(t)) t = t.slice(1);
  for (const s of ARABIC_SCRIPT_SUFFIXES) {
    if (t.endsWith(s) && t.length - s.length >= 3) {
      t = t.slice(0, -s.length);
      break;
    }
  }
  return t;
}

export type Script = 'Arab' | 'Cyrl' | 'Latn' | 'other';

/** Counts letters per script in the raw text. */
export function scriptCounts(text: string): Record<Script, number> {
  const c: Record<Script, number> = { Arab: 0, Cyrl: 0, Latn: 0, other: 0 };
  for (const ch of text) {
    if (/[\u0600-\u06FF\u0750-\u077F\uFB50-\uFDFF\uFE70-\uFEFF]/.test(ch)) {
      if (/\p{L}/u.test(ch)) c.Arab++;
    } else if (/[\u0400-\u04FF]/.test(ch)) c.Cyrl++;
    else if (/[A-Za-z\u00C0-\u024F]/.test(ch)) c.Latn++;
    else if (/\p{L}/u.test(ch)) c.other++;
  }
  return c;
}
