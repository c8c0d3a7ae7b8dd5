/**
 * A Telegram chat as an HTML page, from what the Bot API stand-in recorded (issue 15): the bot's
 * messages (sendMessage text in HTML parse mode, sendAudio with its caption) with their inline
 * keyboards as rows of buttons, and the person's typed messages, laid out like Telegram's app on a
 * phone. For screenshots in docs/ and for tests that check what a person would see.
 *
 * Every bot text is checked with the stand-in's strict parser of Telegram's HTML first
 * (parseTelegramHtml), so only Telegram's own tags reach the page; the person's words and every
 * label are escaped.
 */
import { parseTelegramHtml, type SentMessage } from './standin.js';

/** One line of the chat: what the person typed, or a message the bot sent (as it stands now). */
export type ChatLine = { from: 'person'; text: string } | { from: 'bot'; message: SentMessage };

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Telegram HTML as the page shows it: the stand-in's parser must accept it; links are not followed. */
function botHtml(m: SentMessage): string {
  if (m.parse_mode !== 'HTML') return esc(m.text);
  parseTelegramHtml(m.text); // throws on anything Telegram would refuse
  return m.text.replace(/<a href="[^"]*">/g, '<a>');
}

function keyboard(m: SentMessage, dir: string): string {
  if (!m.buttons.length) return '';
  const rows = m.buttons
    .map(
      (row) => `<div class="row">${row.map((b) => `<div class="key" dir="auto" data-callback="${esc(b.callback_data)}">${esc(b.text)}</div>`).join('')}</div>`,
    )
    .join('');
  // Rows in reading order: an app in a right-to-left language puts the first button on the right.
  return `<div class="keyboard" dir="${dir}">${rows}</div>`;
}

function line(l: ChatLine, i: number, dir: string): string {
  const time = `10:${String(i).padStart(2, '0')}`;
  if (l.from === 'person') return `<div class="msg out"><div class="bubble" dir="auto">${esc(l.text)}<span class="time">${time} ✓✓</span></div></div>`;
  const m = l.message;
  const audio =
    m.method === 'sendAudio'
      ? `<div class="audio"><span class="play">▶</span><span><b>${esc(m.audio?.title ?? '')}</b><br>${esc(m.audio?.performer ?? '')}</span></div>`
      : '';
  // A message with a keyboard is as wide as the chat allows, and its keyboard with it (as in Telegram).
  const wide = m.buttons.length ? ' wide' : '';
  return `<div class="msg in${wide}" data-message="${m.message_id}"><div class="bubble">${audio}<div class="text" dir="auto">${botHtml(m)}</div><span class="time">${time}</span></div>${keyboard(m, dir)}</div>`;
}

/**
 * The page. `title`: the bot's name in the header; `lang`: the page's language (fonts, and the
 * header's direction for right-to-left languages, as Telegram's app mirrors its bars).
 *
 * Example: chatPage([{ from: 'person', text: '/start' }, { from: 'bot', message }], { title: 'Lotse', lang: 'ar', dir: 'rtl' })
 */
export function chatPage(lines: ChatLine[], o: { title: string; lang: string; dir: 'ltr' | 'rtl' }): string {
  return `<!doctype html>
<html lang="${esc(o.lang)}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<style>
  * { box-sizing: border-box; }
  body { margin: 0; font: 15px/1.35 Roboto, "Noto Sans", "Noto Sans Arabic", "DejaVu Sans", sans-serif; background: #cfdcc0; color: #000; }
  header { position: sticky; top: 0; z-index: 1; display: flex; align-items: center; gap: 12px; height: 56px; padding: 0 14px; background: #517da2; color: #fff; }
  header .avatar { width: 40px; height: 40px; border-radius: 50%; background: #7bc862; display: grid; place-items: center; font-weight: bold; font-size: 18px; }
  header .name { font-weight: 600; font-size: 17px; } header .sub { font-size: 13px; opacity: .8; }
  main { padding: 8px 8px 16px; display: flex; flex-direction: column; gap: 6px; }
  .msg { display: flex; flex-direction: column; max-width: 88%; }
  .msg.in { align-self: flex-start; } .msg.out { align-self: flex-end; } .msg.wide { width: 88%; }
  /* Each line takes its own direction from its first letter, as Telegram's apps lay out text. */
  .text, .out .bubble { unicode-bidi: plaintext; }
  .bubble { position: relative; padding: 6px 10px 18px; border-radius: 12px; background: #fff; box-shadow: 0 1px 1px rgba(0,0,0,.15); white-space: pre-wrap; overflow-wrap: anywhere; min-width: 64px; }
  .out .bubble { background: #effdde; }
  .in .bubble { border-bottom-left-radius: 4px; } .out .bubble { border-bottom-right-radius: 4px; }
  .bubble a { color: #2a7bbf; text-decoration: none; }
  .time { position: absolute; right: 8px; bottom: 3px; font-size: 11px; color: #8a9aa9; }
  .out .time { color: #5fae5a; }
  .audio { display: flex; gap: 10px; align-items: center; margin-bottom: 6px; white-space: normal; }
  .play { width: 40px; height: 40px; border-radius: 50%; background: #4fa3e0; color: #fff; display: grid; place-items: center; flex: none; }
  .keyboard { display: flex; flex-direction: column; gap: 4px; margin-top: 4px; }
  .row { display: flex; gap: 4px; }
  .key { flex: 1 1 0; min-width: 0; min-height: 38px; padding: 9px 8px; border-radius: 8px; background: rgba(72, 96, 60, .42); color: #fff; font-size: 14px; font-weight: 500; text-align: center; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
</style></head>
<body><header dir="${o.dir}"><div class="avatar">L</div><div><div class="name">${esc(o.title)}</div><div class="sub">bot</div></div></header>
<main>${lines.map((l, i) => line(l, i, o.dir)).join('\n')}</main></body></html>`;
}
