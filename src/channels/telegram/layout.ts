/**
 * Inline keyboard rows by measured label width, not by character count.
 *
 * Telegram gives every button of a row the same width and cuts a label that does not fit with
 * "…", so a row may hold n buttons only if its widest label fits 1/n of the keyboard. The widths
 * here are estimates in "em" (about the width of a Latin lowercase letter in Telegram's 15dp
 * button font, ~8dp): narrow Latin letters and spaces count half, capitals and m/w more, Cyrillic
 * letters are a little wider than Latin ones, Arabic-script letters about one each while their
 * vowel marks and the zero-width non-joiner of Persian take no room, CJK and emoji two. The
 * keyboard is budgeted for a 360dp phone (the common small Android phone), with a margin, so an
 * estimate that is slightly off still leaves the label whole.
 */

/** The width of the keyboard, in em, less the bubble's margins (310dp / 8dp, rounded down). */
const KEYBOARD_EM = 38;
/** Space between two buttons of a row, and a button's own padding, in em. */
const GAP_EM = 0.6;
const PAD_EM = 1.5;
/** More than three to a row is hard to hit with a thumb, whatever the labels. */
export const MAX_PER_ROW = 3;

/** Room for the label of each of `n` buttons in one row, in em. */
export function roomPerButton(n: number): number {
  return (KEYBOARD_EM - GAP_EM * (n - 1)) / n - PAD_EM;
}

const NARROW_LATIN = /[ijlIft.,:;!|'’·]/;
const WIDE_LATIN = /[mwMW@%]/;
const WIDE_CYRILLIC = /[жшщюмыфЖШЩЮМЫФ]/;
const NARROW_CYRILLIC = /[іїІЇ]/;

/** Estimated rendered width of one character (a code point), in em. */
function charEm(ch: string): number {
  // Marks (Arabic vowels, accents), ZWNJ/ZWJ, bidi marks, variation selectors take no room.
  if (/\p{M}/u.test(ch) || /^[\u200B-\u200F\u2060]$/.test(ch) || (ch >= '\uFE00' && ch <= '\uFE0F')) return 0;
  if (ch === ' ') return 0.5;
  if (/[\p{Extended_Pictographic}\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\uFF00-\uFFEF]/u.test(ch)) return 2;
  if (/\p{Script=Arabic}/u.test(ch)) return /[،؛.]/.test(ch) ? 0.5 : 1;
  if (/\p{Script=Cyrillic}/u.test(ch)) {
    if (WIDE_CYRILLIC.test(ch)) return 1.45;
    if (NARROW_CYRILLIC.test(ch)) return 0.5;
    return ch === ch.toLowerCase() ? 1.05 : 1.25;
  }
  if (NARROW_LATIN.test(ch)) return 0.5;
  if (WIDE_LATIN.test(ch)) return 1.4;
  if (/\p{Lu}/u.test(ch)) return 1.2;
  if (/[\p{L}\p{N}]/u.test(ch)) return 1;
  return 0.7; // other punctuation and symbols
}

/** Widths measured so far: the labels are the content's, a few hundred, laid out again on every reply. */
const widths = new Map<string, number>();

/** Estimated rendered width of a button label, in em. labelEm('Back') ≈ 4 */
export function labelEm(label: string): number {
  const known = widths.get(label);
  if (known !== undefined) return known;
  let w = 0;
  for (const ch of label) w += charEm(ch);
  // Bounded: labels with a name or a number in them (a queue place) would otherwise grow it forever.
  if (widths.size >= 4096) widths.clear();
  widths.set(label, w);
  return w;
}

/** Whether these labels fit side by side in one row without being cut. */
export function fitsInRow(labels: string[]): boolean {
  if (labels.length <= 1) return true;
  if (labels.length > MAX_PER_ROW) return false;
  const room = roomPerButton(labels.length);
  return labels.every((l) => labelEm(l) <= room);
}

/**
 * Rows for the buttons, two or three to a row wherever the labels fit. Buttons of different
 * `group`s never share a row (a question's answers stay apart from "Back" and "Menu"), and a group
 * of two or three answers (yes/no) is always one row. Within a group the order is kept, except
 * that a short label may fill the gap in the row just above a long one (never further up), so
 * short and long labels mixed still make few rows.
 *
 * Example: keyboardRows([{ text: 'Yes', group: 'a' }, { text: 'No', group: 'a' }, { text: 'Back' }, { text: 'Menu' }])
 *   -> [[Yes, No], [Back, Menu]]
 */
export function keyboardRows<T extends { text: string; group?: string; together?: boolean }>(buttons: T[]): T[][] {
  const out: T[][] = [];
  let i = 0;
  while (i < buttons.length) {
    const group = buttons[i]!.group;
    let j = i;
    while (j < buttons.length && buttons[j]!.group === group) j++;
    const members = buttons.slice(i, j);
    if (members.length <= MAX_PER_ROW && members.every((b) => b.together)) out.push(members);
    else out.push(...pack(members));
    i = j;
  }
  return out;
}

function pack<T extends { text: string }>(buttons: T[]): T[][] {
  const rows: T[][] = [];
  const fits = (row: T[], b: T) => fitsInRow([...row, b].map((x) => x.text));
  for (const b of buttons) {
    const last = rows.at(-1);
    const above = rows.at(-2);
    if (last && fits(last, b)) last.push(b);
    // The last row is one label too long to share: the row above it may still have room.
    else if (last && above && last.length === 1 && !fitsInRow([last[0]!.text, 'x']) && fits(above, b)) above.push(b);
    else rows.push([b]);
  }
  return rows;
}

/** Joined texts stay below splitText's piece size, so joining never makes a text split anew. */
const JOIN_MAX = 3500;

/**
 * One Telegram message for consecutive texts of one reply that carry no buttons of their own
 * (paragraphs of one answer), instead of one notification each. A text with buttons, an audio,
 * a list of links and a caseworker's message stay messages of their own, and nothing is joined
 * past `max` characters. Pure and deterministic: the same reply always gives the same messages,
 * which the sender's progress count (crash recovery) relies on.
 *
 * Example: [text "A", text "B", text "Helpful?" +buttons] -> [text "A\n\nB", text "Helpful?" +buttons]
 */
export function joinTexts<M extends { kind: string; text?: string; buttons?: unknown[]; from?: unknown }>(messages: M[], max = JOIN_MAX): M[] {
  const plain = (m: M) => m.kind === 'text' && !m.from && !m.buttons?.length && typeof m.text === 'string' && m.text.trim() !== '';
  const out: M[] = [];
  for (const m of messages) {
    const prev = out.at(-1);
    if (prev && plain(prev) && plain(m) && prev.text!.trim().length + 2 + m.text!.trim().length <= max) {
      out[out.length - 1] = { ...prev, text: `${prev.text!.trim()}\n\n${m.text!.trim()}` };
    } else out.push(m);
  }
  return out;
}

/**
 * At most this many rows in one keyboard: more push the question itself off a phone's screen, and
 * a person scrolls past choices they never saw. A longer keyboard is shown in pages.
 */
export const MAX_ROWS = 6;

/**
 * A keyboard of more than `maxRows` rows, cut into pages: the rows of the `paged` group (a menu's
 * options) are shared out evenly over as few pages as fit, while the rows before them (the answers
 * to a question) and after them ("Back", "Menu") stay on every page, and each page keeps one row
 * free for its page buttons. Undefined when the keyboard fits as it is. Pure: the same rows always
 * give the same pages.
 *
 * Example: 8 option rows and [Back, Menu] -> { before: [], pages: [4 rows, 4 rows], after: [[Back, Menu]] }
 *   (each page shown as its 4 rows, a row "More ›" or "‹ Previous", then [Back, Menu]: 6 rows)
 */
export function pageRows<T extends { group?: string }>(
  rows: T[][],
  paged: string,
  maxRows = MAX_ROWS,
): { before: T[][]; pages: T[][][]; after: T[][] } | undefined {
  if (rows.length <= maxRows) return undefined;
  const first = rows.findIndex((r) => r[0]?.group === paged);
  let last = -1;
  rows.forEach((r, i) => {
    if (r[0]?.group === paged) last = i;
  });
  if (first < 0) return undefined;
  const before = rows.slice(0, first);
  const middle = rows.slice(first, last + 1);
  const after = rows.slice(last + 1);
  // At least two option rows a page, even when the fixed rows leave less room (paging one by one helps nobody).
  const room = Math.max(2, maxRows - before.length - after.length - 1);
  const count = Math.ceil(middle.length / room);
  if (count < 2) return undefined;
  // Evenly: 9 rows in pages of 3, 3 and 3 rather than 4, 4 and 1.
  const per = Math.ceil(middle.length / count);
  const pages: T[][][] = [];
  for (let i = 0; i < middle.length; i += per) pages.push(middle.slice(i, i + per));
  return { before, pages, after };
}
