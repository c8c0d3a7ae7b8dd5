/**
 * The embed on a phone (issue 15): an NGO page on another origin includes
 * /embed.js; Debian's Chromium at 390x844 (touch) drives the real Web Chat.
 * With the panel open the launcher must not sit on the send box (in Arabic
 * the text starts right under it) nor on the suggested actions ("talk to a
 * person"), the panel fills the screen with its own close button, and focus
 * goes into the panel and back to the launcher. Set LOTSE_SCREENSHOTS=1 to
 * refresh docs/screenshots/embed-ar-390.png.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { startServer, type Running } from '../../src/server/main.js';
import { CHROMIUM, launchChromium } from '../helpers/browser.js';
import { repoRoot } from '../helpers/content.js';

const BUNDLE = path.join(repoRoot, 'src/channels/webchat/vendor/webchat.js');
const shots = process.env.LOTSE_SCREENSHOTS === '1';
const PHONE = { width: 390, height: 844 };

let running: Running;
let browser: Browser;
let ngo: http.Server;
let ngoUrl: string;
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lotse-embed-phone-'));

/** An NGO's page with some text under where the launcher sits, as real pages have. */
function ngoPage(lotse: string): string {
  return `<!doctype html>
<html lang="de"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Beratung für Geflüchtete – Example NGO</title>
<style>body{font-family:system-ui,sans-serif;margin:0;background:#faf7f2;color:#222}header{background:#2f6b3b;color:#fff;padding:1rem}main{padding:1rem;line-height:1.6}</style>
</head><body>
<header><h1>Example NGO</h1></header>
<main><h2>Öffnungszeiten</h2><p>${'Montag bis Freitag, 9:00–17:00. '.repeat(30)}</p><p><a id="after" href="#">Kontakt</a></p></main>
<script src="${lotse}/embed.js" async data-lang="ar" data-topic="hearing.documents" data-color="#2f6b3b" data-text-color="#ffffff"></script>
</body></html>`;
}

beforeAll(async () => {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium (.ci/run does)`);
  if (!fs.existsSync(BUNDLE)) throw new Error(`${BUNDLE} is missing: run npm run vendor:webchat`);
  ngo = http.createServer((req, res) => {
    if (req.url === '/' || req.url?.startsWith('/?'))
      return void res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(ngoPage(running.url.replace('localhost', '127.0.0.1')));
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => ngo.listen(0, '127.0.0.1', r));
  ngoUrl = `http://127.0.0.1:${(ngo.address() as { port: number }).port}`;
  running = await startServer({
    config: loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      CONTENT_ROOT: repoRoot,
      CONTENT_WATCH: 'false',
      LOG_LEVEL: 'silent',
      WEBCHAT_ALLOWED_ORIGINS: ngoUrl,
    }),
  });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await running?.stop();
  await new Promise((r) => (ngo ? ngo.close(r) : r(undefined)));
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const SEND_BOX = '[data-id="webchat-sendbox-input"]';
const SUGGESTED = '.webchat__suggested-actions__button';
const TRANSCRIPT = '.webchat__basic-transcript';
const WAIT = { timeout: 45_000 };

/** What the page shows at the centre of `el`: `el` itself or something inside it, or what covers it. */
async function uncovered(el: Locator): Promise<{ ok: boolean; top: string; centre: [number, number] }> {
  return el.evaluate((node) => {
    const r = node.getBoundingClientRect();
    const x = r.left + r.width / 2;
    const y = r.top + r.height / 2;
    const top = document.elementFromPoint(x, y);
    const name = top ? `${top.tagName.toLowerCase()}.${String(top.className)}` : 'nothing';
    return { ok: !!top && (top === node || node.contains(top)), top: name, centre: [x, y] as [number, number] };
  });
}

const activeIn = (page: Page, selector: string) =>
  page.evaluate((sel) => {
    const a = document.activeElement;
    const host = document.querySelector(sel);
    return !!a && !!host && (a === host || host.contains(a));
  }, selector);

describe('the embed on a phone (390x844, Arabic)', () => {
  it('hides the launcher while the panel is open, the send box is reachable and not covered, focus goes in and back', async () => {
    const context = await browser.newContext({ locale: 'ar-SY', viewport: PHONE, hasTouch: true, isMobile: true, deviceScaleFactor: 2 });
    const page = await context.newPage();
    try {
      await page.goto(ngoUrl);
      const button = page.locator('.lotse-embed-button');
      const panel = page.locator('.lotse-embed-panel');
      await button.waitFor(WAIT);
      // Before opening, the launcher is there and is what a tap at its centre hits.
      expect((await uncovered(button)).ok).toBe(true);
      await button.tap();
      expect(await activeIn(page, '.lotse-embed-panel')).toBe(true);

      await page.locator(SUGGESTED, { hasText: 'العربية' }).first().tap(WAIT);
      await page.locator(TRANSCRIPT).getByText('خذ معك وثائق هويتك', { exact: false }).first().waitFor(WAIT);
      expect(await panel.getAttribute('dir')).toBe('rtl');

      // The panel fills the phone's screen; the launcher is gone while it is open.
      const box = await panel.boundingBox();
      expect(box).toEqual({ x: 0, y: 0, width: PHONE.width, height: PHONE.height });
      expect(await button.isVisible()).toBe(false);
      const close = page.locator('.lotse-embed-close');
      expect(await close.isVisible()).toBe(true);
      const closeBox = (await close.boundingBox())!;
      expect(closeBox.width).toBeGreaterThanOrEqual(44);
      expect(closeBox.height).toBeGreaterThanOrEqual(44);

      // The send box: inside the screen, and what a tap at its centre (where Arabic text starts: the right) hits.
      const send = page.locator(SEND_BOX);
      await send.waitFor(WAIT);
      const sb = (await send.boundingBox())!;
      expect(sb.y + sb.height).toBeLessThanOrEqual(PHONE.height);
      expect(sb.x).toBeGreaterThanOrEqual(0);
      expect(sb.x + sb.width).toBeLessThanOrEqual(PHONE.width);
      const at = await uncovered(send);
      expect(at, `the send box's centre shows ${at.top}`).toMatchObject({ ok: true });
      // The right end of the send box (an RTL text's start) is not covered either.
      const rightEnd = await send.evaluate((node) => {
        const r = node.getBoundingClientRect();
        const top = document.elementFromPoint(r.right - 12, r.top + r.height / 2);
        return !!top && (top === node || node.contains(top));
      });
      expect(rightEnd).toBe(true);
      // Focus went to the send box once Web Chat drew it.
      await page.waitForFunction((sel) => document.activeElement === document.querySelector(sel), SEND_BOX, WAIT);

      // Every suggested action (among them "talk to a person") is reachable too.
      const actions = page.locator(SUGGESTED);
      const n = await actions.count();
      for (let i = 0; i < n; i++) {
        const a = actions.nth(i);
        if (!(await a.isVisible())) continue;
        const r = await uncovered(a);
        if (r.centre[1] > 0 && r.centre[1] < PHONE.height) expect(r, `suggested action ${i}`).toMatchObject({ ok: true });
      }

      // A tap on the right end of the send box types there; the chat stays open.
      await page.touchscreen.tap(sb.x + sb.width - 12, sb.y + sb.height / 2);
      expect(await panel.getAttribute('data-open')).toBe('true');
      await send.fill('متى موعد المقابلة؟');
      await send.press('Enter');
      await page.locator(TRANSCRIPT).getByText('يصلك موعد المقابلة ومكانها', { exact: false }).first().waitFor(WAIT);
      if (shots) {
        fs.mkdirSync(path.join(repoRoot, 'docs/screenshots'), { recursive: true });
        await page.screenshot({ path: path.join(repoRoot, 'docs/screenshots/embed-ar-390.png') });
      }

      // The panel's own close button: the panel goes, the launcher comes back with the focus on it.
      await close.tap();
      expect(await panel.isVisible()).toBe(false);
      expect(await button.isVisible()).toBe(true);
      expect(await activeIn(page, '.lotse-embed-button')).toBe(true);
      expect(await button.getAttribute('aria-expanded')).toBe('false');

      // Escape closes it as well (a keyboard on a tablet or phone).
      await button.tap();
      expect(await panel.isVisible()).toBe(true);
      await page.keyboard.press('Escape');
      expect(await panel.isVisible()).toBe(false);
      expect(await activeIn(page, '.lotse-embed-button')).toBe(true);
    } finally {
      await context.close();
    }
  });
});
