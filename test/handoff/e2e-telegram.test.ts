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
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../helpers/browser.js';
import { Caseworker, WAIT } from '../helpers/console.js';
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
  await lotse.handoff.auth.createStaff({
    email: 'amal@ngo.example',
    name: 'Amal Haddad',
    role: 'caseworker',
    password: 'a long caseworker password',
    languages: ['ar', 'en'],
  });
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
  const late = new Promise<never>(
    (_, reject) => (timer = setTimeout(() => reject(new Error(`the person never read "${text}"; they read:\n${visible().slice(since).join('\n---\n')}`)), ms)),
  );
  try {
    await Promise.race([
      api.until(() =>
        visible()
          .slice(since)
          .some((t) => t.includes(text)),
      ),
      late,
    ]);
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
    expect(
      api
        .messages(CHAT)
        .at(-1)!
        .buttons.flat()
        .map((b) => b.text),
    ).toContain(t('buttons.cancel'));

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
    // A person's message, under their name (issue 14.2): exactly as typed below it.
    const fromAmal = `${t('handoff.from', { name: 'Amal' })}\nمرحبا، أنا أمل. هل عندك سؤال آخر؟`;
    // The content answer arrived whole and in order, before the free text.
    const texts = visible();
    // On Telegram its paragraphs are one message (issue 15).
    const at = texts.indexOf(answer.join('\n\n'));
    expect(at).toBeGreaterThanOrEqual(0);
    expect(texts.indexOf(fromAmal)).toBeGreaterThan(at);

    // The console shows the content's bold as bold, not as ** marks.
    const sentAnswer = cw.page.locator('#messages li', { hasText: answer[0]!.slice(0, 20) }).first();
    const bold = c.pack.topicTexts.ar!['hearing.documents']!.answer.join('\n').match(/\*\*([^*\n]+)\*\*/)?.[1];
    expect(bold).toBeDefined();
    expect(await cw.page.locator('#messages li strong', { hasText: bold! }).count()).toBeGreaterThan(0);
    expect(await cw.page.locator('#messages').textContent()).not.toContain('**');
    expect(await sentAnswer.count()).toBe(1);

    // The person replies on Telegram; the caseworker sees it live, and the bot stays silent.
    // Whatever a person writes is shown as text in the console, never as HTML.
    const before = api.messages(CHAT).length;
    await api.text(CHAT, 'شكرا كتير، ما عندي سؤال تاني <img src=x onerror="document.title=1"> **', 'ar');
    await cw.sees('ما عندي سؤال تاني');
    expect(await cw.page.locator('#messages img').count()).toBe(0);
    await cw.sees('<img src=x');
    // The bot says nothing of its own; the one new message is the read notice, since the console
    // shows the conversation (issue 14.3: the person is told their message was read).
    await expect.poll(() => api.messages(CHAT).length, WAIT).toBe(before + 1);
    expect(visible().at(-1)).toBe(t('handoff.read', { name: 'Amal' }));

    // Close with an outcome: the person is told and is back with the bot.
    await cw.close('answered');
    await reads(t('handoff.closed'));
    const afterClose = api.messages(CHAT).length;
    await api.text(CHAT, 'القائمة', 'ar');
    await reads(t('menu.text'), afterClose);
    expect(
      api
        .messages(CHAT)
        .at(-1)!
        .buttons.flat()
        .map((b) => b.text),
    ).toEqual(expect.arrayContaining([expect.stringContaining('التحضير للمقابلة')]));

    const ref = lotse.tg.ref(CHAT);
    const closed = (await lotse.handoff.hs.closedSince(0)).find((h) => h.ref.conversationId === ref.conversationId)!;
    expect(closed).toMatchObject({ status: 'closed', outcome: 'answered', lang: 'ar', ref: { channel: 'telegram' } });
    // Nothing is owed any more: the raw chat id is gone from the handoff record.
    expect(closed.address ?? null).toBeNull();
    expect((await lotse.handoff.hs.auditLog(closed.id)).map((a) => a.action)).toEqual(expect.arrayContaining(['open', 'take', 'close:answered']));
    // Every message the bot and the caseworker sent was valid Telegram HTML (the stand-in refuses anything else).
    expect(api.calls.filter((x) => x.method === 'sendMessage' && x.status !== 200)).toEqual([]);
  });

  it('out of hours: the person leaves a message on Telegram; after a night and a restart the answer reaches their chat, then the chat id is forgotten', async () => {
    // Office hours on a day three days from today (Vienna), so that it is closed now whatever the date.
    const days = ['su', 'mo', 'tu', 'we', 'th', 'fr', 'sa'];
    const today = new Date(new Date().toLocaleString('en-US', { timeZone: 'Europe/Vienna' })).getDay();
    const closedNow = `${days[(today + 3) % 7]} 09:00-10:00`;
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lotse-e2e-night-'));
    const chat = 515151;
    const env = { TELEGRAM_BOT_TOKEN: api.token, TELEGRAM_API_ROOT: api.url, TELEGRAM_MODE: 'polling' };
    // The same bot token cannot be polled twice: the first test's server lends its place.
    await lotse.stop();

    const evening = await startLotse({ ...env, OFFICE_HOURS: closedNow }, { dataDir });
    await evening.tg.booted;
    const c = evening.running.ctx.content.current();
    const seenBy = (n: number) =>
      api
        .messages(chat)
        .slice(n)
        .map((m) => (m.parse_mode === 'HTML' ? parseTelegramHtml(m.text) : m.text));
    await api.text(chat, '/start', 'fa');
    await api.until(() => seenBy(0).some((t) => t.includes(c.t('fa', 'welcome.chooseLanguage'))));
    await api.press(chat, '=l:fa');
    await api.until(() => seenBy(0).some((t) => t.includes(c.t('fa', 'menu.text'))));
    await api.text(chat, '/human', 'fa');
    await api.until(() => seenBy(0).some((t) => t.includes(c.t('fa', 'handoff.offHours'))));
    await api.text(chat, 'نامه‌ای از اداره گرفتم و نمی‌فهمم', 'fa');
    const ref = evening.tg.ref(chat);
    await expect
      .poll(
        async () => {
          const open = await evening.handoff.hs.openFor(ref);
          return open !== undefined && (await evening.handoff.hs.messages(open.id)).some((m) => m.author === 'person' && m.text.includes('نامه‌ای از اداره'));
        },
        { timeout: 10_000 },
      )
      .toBe(true);
    const h = (await evening.handoff.hs.openFor(ref))!;
    expect(h).toMatchObject({ offHours: true, status: 'queued', lang: 'fa' });
    // A reply is owed: the chat id is kept, in the handoff record and nowhere else.
    expect(h.address).toBe(String(chat));
    const db = (evening.running.ctx.store as unknown as { db: { prepare(q: string): { all(): unknown[] } } }).db;
    const elsewhere = ['sessions', 'kv', 'unanswered', 'handoff_messages'].map((t) => JSON.stringify(db.prepare(`SELECT * FROM ${t}`).all())).join('');
    expect(elsewhere).not.toContain(String(chat));
    await evening.running.stop();

    // Next morning, a new process on the same data: the caseworker answers, the person's Telegram gets it.
    const morning = await startLotse({ ...env, OFFICE_HOURS: 'mo-su 00:00-24:00' }, { dataDir });
    await morning.tg.booted;
    const zahra = await morning.handoff.auth.createStaff({
      email: 'zahra@ngo.example',
      name: 'Zahra M',
      role: 'caseworker',
      password: 'a long caseworker password',
      languages: ['fa'],
    });
    const [queued] = await morning.handoff.service.queue(zahra);
    expect(queued).toMatchObject({ id: h.id, offHours: true });
    const before = api.messages(chat).length;
    await morning.handoff.service.take(zahra, h.id);
    await morning.handoff.service.send(zahra, h.id, { text: 'صبح بخیر. لطفاً عکس نامه را نفرستید؛ فقط بنویسید از کدام اداره است.' });
    expect(seenBy(before)).toEqual([
      expect.stringContaining('Zahra'),
      `${c.t('fa', 'handoff.from', { name: 'Zahra' })}\nصبح بخیر. لطفاً عکس نامه را نفرستید؛ فقط بنویسید از کدام اداره است.`,
    ]);
    await morning.handoff.service.close(zahra, h.id, 'answered', 'explained the letter');
    expect((await morning.handoff.hs.getHandoff(h.id))!.address).toBeUndefined();
    await morning.running.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
});
