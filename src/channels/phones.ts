/**
 * Phone numbers in what the bot says, made callable: a person in crisis
 * should tap "142", not copy it. Used by the channel renderers, so content
 * stays plain text ("call **142**") in every language.
 *
 *   "call **142**"     -> web chat: "call **[142](tel:142)**"
 *   "اتصل بـ **۱۴۴**"  -> web chat: "اتصل بـ **۱۴۴ ([144](tel:144))**" (Latin digits beside Persian)
 *
 * Which numbers: the Austrian emergency and helpline short numbers, 1450,
 * and numbers of seven digits or more that start with 0 or +43 (spaces
 * allowed). Other short numbers (amounts, years, room numbers) are left
 * alone on purpose.
 */

import { latinDigits } from '../util/digits.js';

const D = '[0-9\u0660-\u0669\u06F0-\u06F9]';
/** Short numbers that are phone numbers in Austria: 112, 122, 128, 133, 140-147, 1450. */
const ONE = '[1\u0661\u06F1]';
const ZERO = '[0\u0660\u06F0]';
const SHORT = `${ONE}${D}{2,3}`;
const LONG = `(?:\\+|00)43[ ${D.slice(1, -1)}]{6,16}${D}|${ZERO}[ ${D.slice(1, -1)}]{5,16}${D}`;
const PHONE = new RegExp(`(?<![\\p{L}\\p{N}/.:=?&#(\\[-])(${LONG}|${SHORT})(?![\\p{L}\\p{N}\\])/-])`, 'gu');
const KNOWN_SHORT = new Set(['112', '122', '128', '133', '140', '141', '142', '144', '147', '1450']);

interface Found {
  /** As written. */
  text: string;
  /** Latin digits, spaces kept. */
  latin: string;
  /** What a phone dials: digits and a leading +. */
  dial: string;
}

function each(text: string, f: (n: Found) => string): string {
  return text.replace(PHONE, (m: string) => {
    const latin = latinDigits(m);
    const dial = latin.replace(/\s+/g, '').replace(/^00/, '+');
    if (!dial.startsWith('+') && !dial.startsWith('0') && !KNOWN_SHORT.has(dial)) return m;
    return f({ text: m, latin, dial });
  });
}

/** Markdown for the web chat: every phone number a tel: link, Latin digits beside Persian ones. */
export function phoneLinksMarkdown(text: string): string {
  // Text inside existing links (labels and URLs) is left as it is.
  return text
    .split(/(\[[^\]\n]*\]\([^)\s]*\))/)
    .map((part, i) => (i % 2 ? part : each(part, (n) => (n.text === n.latin ? `[${n.latin}](tel:${n.dial})` : `${n.text} ([${n.latin}](tel:${n.dial}))`))))
    .join('');
}

/**
 * For Telegram, which accepts no tel: links in messages: Latin digits
 * beside Persian and Arabic-Indic ones, so the number can be dialled or
 * recognised by the phone.
 */
export function phonesPlainLatin(text: string): string {
  return each(text, (n) => (n.text === n.latin ? n.text : `${n.text} (${n.latin})`));
}
