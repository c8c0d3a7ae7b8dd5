/**
 * A Telegram conversation as a person sees it on a 390 px phone (issue 15), in Arabic and in
 * English: the real server and starter content talk to the Bot API stand-in; the chat is rendered
 * from what the stand-in recorded (chat-page.ts: the HTML texts, the inline keyboards as they stand
 * after every edit) and opened in real Chromium. The rendered rows must be exactly the keyboards
 * Telegram was given, and no button label may be cut at this width.
 * `UPDATE_SCREENSHOTS=1` writes docs/screenshots/telegram-ar.png and telegram-en.png.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CompiledContent } from '../../src/content/served.js';
import { launchChromium } from '../helpers/browser.js';
import { repoRoot } from '../helpers/content.js';
import { chatPage, type ChatLine } from './chat-page.js';
import { buttonData, type SentMessage, TelegramStandIn } from './standin.js';
import { startLotse, type Lotse } from './lotse.js';

let api: TelegramStandIn;
let lotse: Lotse;
let c: CompiledContent;
let browser: Browser;
const shots = process.env.UPDATE_SCREENSHOTS ? path.join(repoRoot, 'docs', 'screenshots') : undefined;

beforeAll(async () => {
  api = await new TelegramStandIn('6464:SHOTS-standin').start();
  lotse = await startLotse({ TELEGRAM_BOT_TOKEN: api.token, TELEGRAM_API_ROOT: api.url, TELEGRAM_MODE: 'polling' });
  await lotse.tg.booted;
  c = lotse.running.ctx.content.current();
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await lotse?.stop();
  await api?.stop();
});

/** A person in one chat; `lines` is the chat as it unfolds (the bot's messages by reference: edits show). */
class Person {
  readonly lines: ChatLine[] = [];
  /** Each bot message's keyboard as it was sent, before any edit. */
  readonly sentKeyboards = new Map<number, SentMessage['buttons']>();
  constructor(
    readonly chat: number,
    readonly lang: string,
  ) {}
  private async step(send: () => Promise<unknown>): Promise<void> {
    const before = api.messages(this.chat).length;
    const done = new Promise<void>((resolve) => lotse.tg.events.once('handled', () => resolve()));
    await send();
    await done;
    for (const m of api.messages(this.chat).slice(before)) {
      this.sentKeyboards.set(m.message_id, structuredClone(m.buttons));
      this.lines.push({ from: 'bot', message: m });
    }
  }
  type(text: string) {
    this.lines.push({ from: 'person', text });
    return this.step(() => api.text(this.chat, text, this.lang));
  }
  press(label: string) {
    return this.step(() => api.press(this.chat, buttonData(api.messages(this.chat), label)));
  }
  pressData(data: string) {
    return this.step(() => api.press(this.chat, data));
  }
}

/** /start, the language, the accommodation menu turned to its second page, then a typed question. */
async function conversation(lang: string, chat: number, question: string): Promise<{ person: Person; menu: SentMessage }> {
  const p = new Person(chat, lang);
  await p.type('/start');
  await p.press(c.language(lang)!.name);
  const accommodation = (c.pack.flowTexts[lang]!.main!.menu as { options: Record<string, string> }).options.accommodation!;
  await p.press(accommodation);
  const menu = api.messages(chat).at(-1)!;
  const more = menu.buttons.flat().find((b) => b.callback_data.startsWith('>'))!;
  expect(more.text).toMatch(/\(2\/\d\)/);
  await p.pressData(more.callback_data);
  await p.type(question);
  return { person: p, menu };
}

for (const [lang, chat, question] of [
  ['ar', 9501, 'متى ساعات الهدوء في الليل؟'],
  ['en', 9502, 'when are the quiet hours at night?'],
] as const) {
  describe(`a Telegram conversation rendered (${lang})`, () => {
    it(`the rows on a 390 px phone are the keyboards Telegram got, none cut; screenshot telegram-${lang}.png`, async () => {
      const { person, menu } = await conversation(lang, chat, question);
      const dir = c.language(lang)!.dir;
      const html = chatPage(person.lines, { title: 'Lotse', lang, dir });
      const page = await browser.newPage({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2 });
      try {
        await page.setContent(html);
        const rendered = await page.$$eval('.msg.in', (els) =>
          els.map((el) => ({
            id: Number(el.getAttribute('data-message')),
            rows: Array.from(el.querySelectorAll('.row')).map((r) => Array.from(r.querySelectorAll('.key')).map((k) => k.textContent ?? '')),
            cut: Array.from(el.querySelectorAll('.key'))
              .filter((k) => k.scrollWidth > k.clientWidth)
              .map((k) => k.textContent ?? ''),
          })),
        );
        const bot = api.messages(chat);
        expect(rendered.map((r) => r.id)).toEqual(bot.map((m) => m.message_id));
        for (const r of rendered) {
          const m = bot.find((x) => x.message_id === r.id)!;
          // What the chat shows now: the keyboard as Telegram holds it after every edit.
          expect(r.rows, `message ${r.id}`).toEqual(m.buttons.map((row) => row.map((b) => b.text)));
          expect(r.cut, `labels cut in message ${r.id}`).toEqual([]);
        }
        // The last answer's keyboard is untouched: exactly as sent.
        const last = bot.at(-1)!;
        expect(rendered.at(-1)!.rows).toEqual(person.sentKeyboards.get(last.message_id)!.map((row) => row.map((b) => b.text)));
        expect(last.buttons.length).toBeGreaterThan(0);
        // The menu shows its second page, as the person left it: not the keyboard first sent, but the
        // page with "‹ Previous (1/n)", and Back and Menu still last.
        const shown = rendered.find((r) => r.id === menu.message_id)!.rows;
        expect(shown).not.toEqual(person.sentKeyboards.get(menu.message_id)!.map((row) => row.map((b) => b.text)));
        expect(shown.flat().some((t) => t.startsWith(c.t(lang, 'telegram.pagePrev', { n: 1, total: 9 }).split('(')[0]!))).toBe(true);
        expect(shown.at(-1)).toEqual([c.t(lang, 'buttons.back'), c.t(lang, 'buttons.menu')]);
        if (shots) {
          fs.mkdirSync(shots, { recursive: true });
          await page.screenshot({ path: path.join(shots, `telegram-${lang}.png`), fullPage: true });
        }
      } finally {
        await page.close();
      }
    });
  });
}
