/**
 * The crisis path at night, as a person meets it: the real Web Chat bundle
 * in Debian's Chromium on a phone-sized screen, the real server with the
 * starter pack, the office closed (the server's clock runs on a Sunday
 * night). A distress message in Arabic gets the complete crisis answer and
 * what helps now, day and night: never only "the office is closed".
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { startServer, type Running } from '../../src/server/main.js';
import { CHROMIUM, launchChromium } from '../helpers/browser.js';
import { content, repoRoot } from '../helpers/content.js';

const WAIT = { timeout: 45_000 };
const SUGGESTED = '.webchat__suggested-actions__button';
const TRANSCRIPT = '.webchat__basic-transcript';
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lotse-night-'));
let running: Running;
let browser: Browser;

/** A clock that runs, shifted to the coming Sunday 01:00 UTC (02:00 in Vienna): the office (mo-fr) is closed. */
function sundayNight(): { now(): number } {
  const d = new Date();
  const target = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + ((7 - d.getUTCDay()) % 7 || 7), 1, 0, 0);
  const shift = target - Date.now();
  return { now: () => Date.now() + shift };
}

beforeAll(async () => {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium (.ci/run does)`);
  running = await startServer({
    config: loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      CONTENT_ROOT: repoRoot,
      CONTENT_WATCH: 'false',
      LOG_LEVEL: 'silent',
      OFFICE_HOURS: 'mo-fr 09:00-17:00',
      TIMEZONE: 'Europe/Vienna',
    }),
    clock: sundayNight(),
  });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await running?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('crisis at night, in the web chat', () => {
  it('Arabic distress message: the complete crisis answer and the 24/7 options, then a message can be left', async () => {
    const ar = content(repoRoot).pack;
    const crisis = ar.topicTexts.ar!['meta.distress']!.answer;
    const night = String((ar.ui.ar as { distress: { night: string } }).distress.night).replace(/\*\*/g, '');
    const context = await browser.newContext({ locale: 'ar', viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const page = await context.newPage();
    try {
      await page.goto(`${running.url}/?lang=ar`);
      await page.locator(SUGGESTED, { hasText: 'العربية' }).first().click(WAIT);
      await page.locator('[data-id="webchat-sendbox-input"]').fill('ما عاد فيني كمل، بدي موت الليلة');
      await page.locator('[data-id="webchat-sendbox-input"]').press('Enter');
      const transcript = page.locator(TRANSCRIPT);
      // The crisis answer for a person who wants to die (markup aside): the caring words, not
      // "if someone is hurting you" (the answer by what the crisis is about, issue 10.3), and the night options.
      await transcript.getByText(crisis[0]!.replace(/\*\*/g, '').slice(0, 40), { exact: false }).first().waitFor(WAIT);
      await transcript.getByText(night.slice(0, 40), { exact: false }).first().waitFor(WAIT);
      // biome-ignore lint/performance/useDomNodeTextContent: what the person sees (rendered text), not the DOM's text
      const text = (await transcript.innerText()).replace(/\s+/g, ' ');
      for (const n of ['144', '142', '112', '133']) expect(text).toContain(n);
      expect(text).not.toContain(crisis[1]!.replace(/\*\*/g, '').slice(0, 30));
      // The numbers are callable.
      expect(await page.locator(`${TRANSCRIPT} a[href="tel:144"]`).count()).toBeGreaterThan(0);
      expect(await page.locator(`${TRANSCRIPT} a[href="tel:142"]`).count()).toBeGreaterThan(0);
      // Leaving a message: the handoff says what helps now again, never only "closed".
      await page.locator(SUGGESTED).first().click(WAIT);
      await page.waitForFunction((sel) => (document.querySelector(sel)?.textContent ?? '').split('142').length > 3, TRANSCRIPT, WAIT);
      if (process.env.LOTSE_SCREENSHOTS === '1') await page.screenshot({ path: path.join(repoRoot, 'docs/webchat-night-crisis-ar.png'), fullPage: false });
    } finally {
      await context.close();
    }
  });
});
