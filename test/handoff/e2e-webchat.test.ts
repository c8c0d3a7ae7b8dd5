/**
 * End to end: a person in the real Web Chat page and a caseworker in the
 * console, two browser contexts of Debian's Chromium, one real server.
 * The person asks for a person in Arabic; the caseworker takes it, sends a
 * content answer in Arabic and a free-text message; the person replies; the
 * caseworker closes; the person is back with the bot.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import type { HandoffRuntime } from '../../src/handoff/plugin.js';
import { startServer, type Running } from '../../src/server/main.js';
import { defaultPlugins } from '../../src/server/plugins.js';
import { repoRoot } from '../helpers/content.js';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lotse-e2e-'));
let running: Running;
let rt: HandoffRuntime;
let handoff: { runtime?: HandoffRuntime } | undefined;
let browser: Browser;
const WAIT = { timeout: 45_000 };

beforeAll(async () => {
  running = await startServer({
    config: loadConfig({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, CONTENT_ROOT: repoRoot, CONTENT_WATCH: 'false', LOG_LEVEL: 'silent', OFFICE_HOURS: 'mo-su 00:00-24:00' }),
    plugins: (ctx) => {
      const list = defaultPlugins(ctx);
      handoff = list.find((p) => p.name === 'handoff') as { runtime?: HandoffRuntime };
      return list;
    },
  });
  rt = handoff!.runtime!;
  await rt.auth.createStaff({ email: 'amal@ngo.example', name: 'Amal Haddad', role: 'caseworker', password: 'a long caseworker password', languages: ['ar', 'en'] });
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});
afterAll(async () => {
  await browser?.close();
  await running?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const SEND_BOX = '[data-id="webchat-sendbox-input"]';
const SUGGESTED = '.webchat__suggested-actions__button';
const TRANSCRIPT = '.webchat__basic-transcript';
const seen = (page: Page, text: string) => page.locator(TRANSCRIPT).getByText(text, { exact: false }).first().waitFor(WAIT);
async function say(page: Page, text: string) {
  await page.locator(SEND_BOX).fill(text);
  await page.locator(SEND_BOX).press('Enter');
}

describe('handoff end to end (web chat + console)', () => {
  it('a person asks for a person in Arabic, a caseworker answers, closes, and the person is back with the bot', async () => {
    const person = await (await browser.newContext({ locale: 'ar-SY' })).newPage();
    await person.goto(`${running.url}/`);
    await person.locator(SUGGESTED, { hasText: 'العربية' }).first().click(WAIT);
    await seen(person, 'ماذا تريد أن تعرف');
    await say(person, 'بدي احكي مع شخص من فضلك');
    await seen(person, 'سيرى موظف من فريقنا هذه المحادثة');

    const cw = await (await browser.newContext()).newPage();
    await cw.goto(`${running.url}/console`);
    await cw.locator('#login input[name=email]').fill('amal@ngo.example');
    await cw.locator('#login input[name=password]').fill('a long caseworker password');
    await cw.locator('#login button[type=submit]').click();
    const item = cw.locator('#queue-list button', { hasText: 'Arabic' }).first();
    await item.waitFor(WAIT);
    expect(await cw.locator('#badge').textContent()).toBe('1');
    await item.click();
    // The bot conversation so far is there for the caseworker.
    await cw.locator('#messages li', { hasText: 'بدي احكي مع شخص من فضلك' }).first().waitFor(WAIT);
    await cw.locator('#take').click();
    await seen(person, 'Amal');

    // A content answer in Arabic with one click, then a free-text message.
    await cw.locator('#answer').waitFor(WAIT);
    await cw.locator('#answer').selectOption('hearing.documents');
    await cw.locator('#answer-form button[type=submit]').click();
    const answer = running.ctx.content.current().pack.topicTexts.ar!['hearing.documents']!.answer[0]!;
    await seen(person, answer.slice(0, 25));
    await cw.locator('#text').fill('مرحبا، أنا أمل. هل عندك سؤال آخر؟');
    await cw.locator('#send-form button[type=submit]').click();
    await seen(person, 'أنا أمل');

    // The person replies; the caseworker sees it live.
    await say(person, 'شكرا كتير، ما عندي سؤال تاني');
    await cw.locator('#messages li', { hasText: 'ما عندي سؤال تاني' }).first().waitFor(WAIT);

    // Close with an outcome: the person is told and is back with the bot.
    await cw.locator('#outcome').selectOption('answered');
    await cw.locator('#close-form button[type=submit]').click();
    await seen(person, 'انتهت المحادثة مع فريقنا');
    await say(person, 'القائمة');
    await person.locator(SUGGESTED, { hasText: 'التحضير للمقابلة' }).first().waitFor(WAIT);
    expect(await person.locator('.webchat__activity-status--send-failed').count()).toBe(0);

    const closed = rt.hs.closedSince(0)[0]!;
    expect(closed).toMatchObject({ status: 'closed', outcome: 'answered', lang: 'ar', ref: { channel: 'webchat' } });
    expect(rt.hs.auditLog(closed.id).map((a) => a.action)).toEqual(expect.arrayContaining(['open', 'take', 'close:answered']));
  });
});
