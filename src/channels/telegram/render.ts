/**
 * The neutral message model as Telegram messages (parse mode HTML).
 *
 * Why HTML and not MarkdownV2: HTML needs only `& < > "` escaped, which no
 * script Lotse serves uses as punctuation, while MarkdownV2 reserves 18
 * characters (`. - ( ) ! ...`) that occur in every Arabic, Farsi, Pashto,
 * Ukrainian, English and German sentence. The engine's light markup maps to:
 *   **bold** -> <b>, *italic* -> <i>, [label](https://url) -> <a href>, "- " list lines -> "• ".
 * Anything that does not pair up stays literal text (escaped), so a stray `*`
 * or `<` in content can never break a message.
 *
 * Limits (Bot API): message text 4096 characters, audio caption 1024: longer
 * texts are split at paragraph, line or word boundaries before rendering, so
 * that no tag is ever cut in half.
 */
import type { Button } from '../../engine/messages.js';
import { phonesPlainLatin } from '../phones.js';

export const MAX_TEXT = 4096;
export const MAX_CAPTION = 1024;
/** Room for markup that renders to nothing (the limits count visible characters; we stay well below). */
const CHUNK = 3500;

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Links Telegram accepts in an <a href>; anything else is shown as text. */
export function isLinkable(url: string): boolean {
  return /^(https?:\/\/[^\s<>"]+|tg:\/\/[^\s<>"]+)$/i.test(url);
}

const LINK = /\[([^\]\n]+)\]\(([^)\s]+)\)/g;
// Placeholders for rendered links while emphasis is applied (private-use characters never occur in content).
const OPEN = '\uE000';
const CLOSE = '\uE001';

function emphasis(escaped: string): string {
  return (
    escaped
      // **bold**: at least one non-space at each end, within one line.
      .replace(/\*\*(?=[^\s*])([^\n]*?[^\s*])\*\*/g, '<b>$1</b>')
      // *italic*: not part of a word, no tags or placeholders inside (tags can never interleave).
      .replace(/(^|[^*\p{L}\p{N}])\*(?=[^\s*])([^*\n<>\uE000\uE001]*?[^\s*<>\uE000\uE001])\*(?![*\p{L}\p{N}])/gu, '$1<i>$2</i>')
  );
}

/** One line or paragraph of light markup -> Telegram HTML. */
function inline(text: string, abs: (url: string) => string): string {
  const links: string[] = [];
  const withPlaceholders = text.replace(/[\uE000\uE001]/g, '').replace(LINK, (_m, label: string, url: string) => {
    const target = abs(url);
    const rendered = isLinkable(target)
      ? `<a href="${escapeHtml(target)}">${emphasis(escapeHtml(label))}</a>`
      : `${emphasis(escapeHtml(label))} (${escapeHtml(url)})`;
    links.push(rendered);
    return `${OPEN}${links.length - 1}${CLOSE}`;
  });
  // Escaping leaves the placeholders alone; emphasis may wrap them (a link inside bold is valid nesting).
  const out = emphasis(escapeHtml(withPlaceholders));
  return out.replace(/\uE000(\d+)\uE001/g, (_m, i: string) => links[Number(i)] ?? '');
}

/** Light markup -> Telegram HTML (one message; see `splitText` for long texts). */
export function toHtml(text: string, abs: (url: string) => string = (u) => u): string {
  // Telegram takes no tel: links; Latin digits beside Persian ones let the phone recognise the number.
  return phonesPlainLatin(text)
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((line) => {
      const m = /^(\s*)[-*] (.*)$/.exec(line);
      return m ? `${m[1]}• ${inline(m[2]!, abs)}` : inline(line, abs);
    })
    .join('\n');
}

/** The text as the person reads it (for the plain-text fallback when Telegram refuses the HTML). */
export function toPlain(text: string): string {
  return phonesPlainLatin(text)
    .replace(/\r\n?/g, '\n')
    .replace(LINK, (_m, label: string, url: string) => `${label} (${url})`)
    .replace(/\*\*(?=\S)([^\n]*?\S)\*\*/g, '$1')
    .replace(/(^|[^*\p{L}\p{N}])\*(?=\S)([^*\n]*?\S)\*(?![*\p{L}\p{N}])/gu, '$1$2')
    .replace(/^(\s*)- /gm, '$1• ');
}

/**
 * Splits a text of light markup into pieces that each fit one message: at
 * blank lines first, then at line ends, then at spaces, and only as a last
 * resort inside a word. Markup never spans a line, so no piece cuts a tag.
 */
export function splitText(text: string, max = CHUNK): string[] {
  const t = text.replace(/\r\n?/g, '\n').trim();
  if (t.length <= max) return [t];
  const out: string[] = [];
  let rest = t;
  while (rest.length > max) {
    const window = rest.slice(0, max + 1);
    let cut = window.lastIndexOf('\n\n');
    if (cut < max / 3) cut = window.lastIndexOf('\n');
    if (cut < max / 3) cut = window.lastIndexOf(' ');
    if (cut < max / 3) cut = max;
    out.push(rest.slice(0, cut).trim());
    rest = rest.slice(cut).trim();
  }
  if (rest) out.push(rest);
  return out.filter(Boolean);
}

/** Cuts a caption's source text so that the rendered caption stays under Telegram's 1024 characters. */
export function fitCaption(text: string, max = MAX_CAPTION - 100): string {
  const t = text.trim();
  if (t.length <= max) return t;
  const cut = t.lastIndexOf(' ', max - 1);
  return `${t.slice(0, cut > max / 2 ? cut : max - 1).trim()}…`;
}

export interface InlineButton {
  text: string;
  callback_data: string;
}

/** Inline keyboard rows by measured label width (layout.ts). */
export { keyboardRows } from './layout.js';

/** Telegram's button text limit is generous but labels should stay readable on a phone. */
export function buttonLabel(b: Button): string {
  const l = b.label.replace(/\s+/g, ' ').trim() || '…';
  return [...l].length > 64 ? `${[...l].slice(0, 63).join('')}…` : l;
}

/** What marks the button a person pressed in the keyboard left under its message. */
export const PRESSED_MARK = '✓ ';

/**
 * The keyboard to leave under a message once one of its buttons was pressed: only that button,
 * marked "✓ ", so the chat shows what was chosen and the other choices are gone (a guarded choice
 * can no longer be pressed twice; pressed again, the marked one is answered like any old button).
 * A keyboard without the pressed button (changed meanwhile) is taken away. Undefined when there
 * is nothing to edit: no keyboard, or only the marked button already.
 *
 * Example: pressedKeyboard([[{ text: 'Yes', callback_data: '=del:yes:3' }, { text: 'No', ... }]], '=del:yes:3')
 *   -> { inline_keyboard: [[{ text: '✓ Yes', callback_data: '=del:yes:3' }]] }
 */
export function pressedKeyboard(
  keyboard: { text: string; callback_data?: string }[][] | undefined,
  data: string,
): { inline_keyboard: InlineButton[][] } | undefined {
  const keys = keyboard?.flat() ?? [];
  const pressed = keys.find((k) => k.callback_data === data);
  if (!pressed) return keys.length ? { inline_keyboard: [] } : undefined;
  if (keys.length === 1 && pressed.text.startsWith(PRESSED_MARK)) return undefined;
  const label = [...pressed.text].length > 62 ? `${[...pressed.text].slice(0, 61).join('')}…` : pressed.text;
  return { inline_keyboard: [[{ text: PRESSED_MARK + label, callback_data: data }]] };
}
