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
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HandoffRuntime } from '../../src/handoff/plugin.js';
import type { Running } from '../../src/server/main.js';
import { launchChromium } from '../helpers/browser.js';
import { Caseworker, WAIT } from '../helpers/console.js';
import { startStarterServer } from '../helpers/server.js';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lotse-e2e-'));
let running: Running;
let rt: HandoffRuntime;
let browser: Browser;

beforeAll(async () => {
  ({ running, rt } = await startStarterServer(dataDir));
  await rt.auth.createStaff({
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
    await seen(person, 'من فريقنا هذه المحادثة');

    const cw = await Caseworker.signIn(browser, running.url, 'amal@ngo.example', 'a long caseworker password');
    const item = cw.queued('Arabic');
    await item.waitFor(WAIT);
    expect(await item.textContent()).toContain('Web chat');
    expect(await cw.badge()).toBe('1');
    await item.click();
    // The bot conversation so far is there for the caseworker.
    await cw.sees('بدي احكي مع شخص من فضلك');
    await cw.take();
    await seen(person, 'Amal');

    // A content answer in Arabic with one click, then a free-text message.
    await cw.sendContentAnswer('hearing.documents');
    const answer = running.ctx.content.current().pack.topicTexts.ar!['hearing.documents']!.answer[0]!;
    await seen(person, answer.slice(0, 25));
    await cw.send('مرحبا، أنا أمل. هل عندك سؤال آخر؟');
    await seen(person, 'أنا أمل');

    // The person replies; the caseworker sees it live.
    await say(person, 'شكرا كتير، ما عندي سؤال تاني');
    await cw.sees('ما عندي سؤال تاني');

    // Close with an outcome: the person is told and is back with the bot.
    await cw.close('answered');
    await seen(person, 'انتهت المحادثة مع فريقنا');
    await say(person, 'القائمة');
    await person.locator(SUGGESTED, { hasText: 'التحضير للمقابلة' }).first().waitFor(WAIT);
    expect(await person.locator('.webchat__activity-status--send-failed').count()).toBe(0);

    const closed = (await rt.hs.closedSince(0))[0]!;
    expect(closed).toMatchObject({ status: 'closed', outcome: 'answered', lang: 'ar', ref: { channel: 'webchat' } });
    expect((await rt.hs.auditLog(closed.id)).map((a) => a.action)).toEqual(expect.arrayContaining(['open', 'take', 'close:answered']));
  });
});
