/**
 * End to end: a person on Telegram and a caseworker in the console.
 *
 * The person's side is grammY in long-polling mode against the Bot API
 * stand-in on loopback (test/telegram/standin.ts), which checks Telegram's
 * HTML, lengths and callback data as strictly as Telegram does; the
 * caseworker's side is the real console page in Debian's Chromium. One real
 * server, the real starter content, a real SQLite file.
 *
 * The person asks for a person in Arabic; the caseworker takes it, sends a
 * content answer in Arabic and a free-text message; the person replies; the
 * caseworker closes; the person is back with the bot, and the raw Telegram
 * chat id is no longer kept anywhere.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../helpers/browser.js';
import { Caseworker } from '../helpers/console.js';
import { startLotse, type Lotse } from '../telegram/lotse.js';
import { parseTelegramHtml, TelegramStandIn } from '../telegram/standin.js';

const CHAT = 424242;
let api: TelegramStandIn;
let lotse: Lotse;
let browser: Browser;

beforeAll(async () => {
  api = await new TelegramStandIn('6060:E2E-standin').start();
  lotse = await startLotse({ TELEGRAM_BOT_TOKEN: api.token, TELEGRAM_API_ROOT: api.url, TELEGRAM_MODE: 'polling', OFFICE_HOURS: 'mo-su 00:00-24:00' });
  await lotse.tg.booted;
  await lotse.handoff.auth.createStaff({ email: 'amal@ngo.example', name: 'Amal Haddad', role: 'caseworker', password: 'a long caseworker password', languages: ['ar', 'en'] });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await lotse?.stop();
  await api?.stop();
});

/** What the person reads in their Telegram chat (Telegram's rendering of the HTML). */
const visible = () => api.messages(CHAT).map((m) => (m.parse_mode === 'HTML' ? parseTelegramHtml(m.text) : m.text));
/** Waits until a message the person can read contains this text (checked after every Bot API call); fails saying what they did read. */
async function reads(text: string, since = 0, ms = 30_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`the person never read "${text}"; they read:\n${visible().slice(since).join('\n---\n')}`)), ms)));
  try {
    await Promise.race([api.until(() => visible().slice(since).some((t) => t.includes(text))), late]);
  } finally {
    clearTimeout(timer);
  }
}
const plain = (s: string) => s.replace(/\*\*/g, '');

describe('handoff end to end (Telegram + console)', () => {
  it('a person asks for a person in Arabic, a caseworker answers, closes, and the person is back with the bot', async () => {
    const c = lotse.running.ctx.content.current();
    const t = (key: string, vars?: Record<string, unknown>) => c.t('ar', key, vars);

    await api.text(CHAT, '/start', 'ar');
    await reads(t('welcome.chooseLanguage'));
    await api.press(CHAT, '=l:ar');
    await reads(t('menu.text'));
    await api.text(CHAT, 'بدي احكي مع شخص من فضلك', 'ar');
    await reads(t('handoff.seen'));
    // The cancel button is there, and every button fits Telegram's 64 bytes.
    expect(api.messages(CHAT).at(-1)!.buttons.flat().map((b) => b.text)).toContain(t('buttons.cancel'));

    const cw = await Caseworker.signIn(browser, lotse.running.url, 'amal@ngo.example', 'a long caseworker password');
    const item = cw.queued('telegram');
    await item.waitFor({ timeout: 45_000 });
    expect(await item.textContent()).toContain('Arabic');
    expect(await cw.badge()).toBe('1');
    await item.click();
    // The bot conversation so far is there for the caseworker.
    await cw.sees('بدي احكي مع شخص من فضلك');
    await cw.take();
    await reads('Amal');

    // A content answer in Arabic with one click, then a free-text message: both reach the chat.
    await cw.sendContentAnswer('hearing.documents');
    const answer = c.pack.topicTexts.ar!['hearing.documents']!.answer.map(plain);
    await reads(answer[0]!);
    await cw.send('مرحبا، أنا أمل. هل عندك سؤال آخر؟');
    await reads('مرحبا، أنا أمل. هل عندك سؤال آخر؟');
    // The content answer arrived whole and in order, before the free text.
    const texts = visible();
    const at = texts.indexOf(answer[0]!);
    expect(texts.slice(at, at + answer.length)).toEqual(answer);
    expect(texts.indexOf('مرحبا، أنا أمل. هل عندك سؤال آخر؟')).toBeGreaterThan(at + answer.length - 1);

    // The person replies on Telegram; the caseworker sees it live, and the bot stays silent.
    const before = api.messages(CHAT).length;
    await api.text(CHAT, 'شكرا كتير، ما عندي سؤال تاني', 'ar');
    await cw.sees('ما عندي سؤال تاني');
    expect(api.messages(CHAT).length).toBe(before);

    // Close with an outcome: the person is told and is back with the bot.
    await cw.close('answered');
    await reads(t('handoff.closed'));
    const afterClose = api.messages(CHAT).length;
    await api.text(CHAT, 'القائمة', 'ar');
    await reads(t('menu.text'), afterClose);
    expect(api.messages(CHAT).at(-1)!.buttons.flat().map((b) => b.text)).toEqual(expect.arrayContaining([expect.stringContaining('التحضير للمقابلة')]));

    const ref = lotse.tg.ref(CHAT);
    const closed = lotse.handoff.hs.closedSince(0).find((h) => h.ref.conversationId === ref.conversationId)!;
    expect(closed).toMatchObject({ status: 'closed', outcome: 'answered', lang: 'ar', ref: { channel: 'telegram' } });
    // Nothing is owed any more: the raw chat id is gone from the handoff record.
    expect(closed.address ?? null).toBeNull();
    expect(lotse.handoff.hs.auditLog(closed.id).map((a) => a.action)).toEqual(expect.arrayContaining(['open', 'take', 'close:answered']));
    // Every message the bot and the caseworker sent was valid Telegram HTML (the stand-in refuses anything else).
    expect(api.calls.filter((x) => x.method === 'sendMessage' && x.status !== 200)).toEqual([]);
  });
});
