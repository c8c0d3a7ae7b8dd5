/**
 * Browser tests: Debian's Chromium drives the REAL Web Chat bundle (served by
 * Lotse) against the real server (startServer, starter content), in
 * WebSocket mode and in polling mode, and the embed snippet on a page from
 * another origin. Set LOTSE_SCREENSHOTS=1 to refresh docs/webchat-*.png.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import type { DirectLineServer } from '../../src/channels/webchat/directline.js';
import { startServer, type Running } from '../../src/server/main.js';
import { defaultPlugins } from '../../src/server/plugins.js';
import { CHROMIUM, launchChromium } from '../helpers/browser.js';
import { repoRoot } from '../helpers/content.js';

const BUNDLE = path.join(repoRoot, 'src/channels/webchat/vendor/webchat.js');
const shots = process.env.LOTSE_SCREENSHOTS === '1';

let running: Running;
let dl: DirectLineServer;
let browser: Browser;
let ngo: http.Server;
let ngoUrl: string;
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lotse-browser-'));

function ngoPage(lotse: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Beratung für Geflüchtete – Example NGO</title>
<style>body{font-family:system-ui,sans-serif;margin:0;background:#faf7f2;color:#222}header{background:#2f6b3b;color:#fff;padding:1.2rem 2rem}main{max-width:40rem;padding:1rem 2rem;line-height:1.6}</style>
</head><body>
<header><h1>Example NGO – Counselling for refugees</h1></header>
<main><h2>Opening hours</h2><p>Monday to Friday, 9:00–17:00. Questions outside our opening hours? Our chat answers in Arabic, Farsi/Dari, Pashto, Ukrainian, English and German.</p></main>
<script src="${lotse}/embed.js" async data-lang="ar" data-topic="hearing.documents" data-color="#2f6b3b" data-text-color="#ffffff"></script>
</body></html>`;
}

beforeAll(async () => {
  // A missing browser or bundle is a failure, never a silent skip: CI must prove the browser path.
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium (.ci/run does)`);
  if (!fs.existsSync(BUNDLE)) throw new Error(`${BUNDLE} is missing: run npm run vendor:webchat`);
  ngo = http.createServer((req, res) => {
    if (req.url === '/' || req.url?.startsWith('/?'))
      return void res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(ngoPage(running.url.replace('localhost', '127.0.0.1')));
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => ngo.listen(0, '127.0.0.1', r));
  ngoUrl = `http://127.0.0.1:${(ngo.address() as { port: number }).port}`;
  let plugin: { directLine?: DirectLineServer } | undefined;
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
    plugins: (ctx) => {
      const list = defaultPlugins(ctx);
      plugin = list.find((p) => p.name === 'webchat') as typeof plugin;
      return list;
    },
  });
  dl = plugin!.directLine!;
  browser = await launchChromium(['--autoplay-policy=no-user-gesture-required']);
});

afterAll(async () => {
  await browser?.close();
  await running?.stop();
  await new Promise((r) => (ngo ? ngo.close(r) : r(undefined)));
  fs.rmSync(dataDir, { recursive: true, force: true });
});

// Web Chat's own DOM hooks.
const SEND_BOX = '[data-id="webchat-sendbox-input"]';
const SUGGESTED = '.webchat__suggested-actions__button';
const TRANSCRIPT = '.webchat__basic-transcript';
const WAIT = { timeout: 45_000 };

async function say(page: Page, text: string): Promise<void> {
  const box = page.locator(SEND_BOX);
  await box.fill(text);
  await box.press('Enter');
}

async function press(page: Page, label: string): Promise<void> {
  await page.locator(SUGGESTED, { hasText: label }).first().click(WAIT);
}

const seen = (page: Page, text: string) => page.locator(TRANSCRIPT).getByText(text, { exact: false }).first().waitFor(WAIT);

async function conversationId(page: Page): Promise<string> {
  return page.evaluate(() => (window as unknown as { lotseChat: { directLine: { conversationId: string } } }).lotseChat.directLine.conversationId);
}

async function noFailedSends(page: Page): Promise<number> {
  return page.locator('.webchat__activity-status--send-failed, .webchat__activity-status__send-failed-retry').count();
}

/** Content-Security-Policy violations the page reports (console and securitypolicyviolation events). */
function cspViolations(page: Page): string[] {
  const out: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy|Content-Security-Policy/i.test(m.text())) out.push(m.text());
  });
  void page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => console.error(`Content Security Policy violation: ${e.violatedDirective} ${e.blockedURI}`));
  });
  return out;
}

/** Everything a person does in one mode; the transport is the only difference. */
async function conversation(page: Page, mode: 'websocket' | 'polling'): Promise<void> {
  const violations = cspViolations(page);
  const sockets: string[] = [];
  page.on('websocket', (ws) => sockets.push(ws.url()));
  await page.goto(`${running.url}/${mode === 'polling' ? '?transport=polling' : ''}`);

  // First contact: the language choice, every language named in its own script.
  await page.locator(SUGGESTED, { hasText: 'العربية' }).first().waitFor(WAIT);
  expect(await page.locator(SUGGESTED, { hasText: 'پښتو' }).count()).toBe(1);
  await press(page, 'العربية');
  await seen(page, 'ماذا تريد أن تعرف');
  expect(await page.evaluate(() => document.documentElement.dir)).toBe('rtl');
  expect(await page.locator('#chat').getAttribute('dir')).toBe('rtl');
  expect(await page.evaluate(() => document.documentElement.lang)).toBe('ar');

  // A free-text question in Arabic, answered in Arabic, the page right-to-left.
  await say(page, 'متى موعد المقابلة؟');
  await seen(page, 'يصلك موعد المقابلة ومكانها');
  if (shots && mode === 'websocket') await page.screenshot({ path: path.join(repoRoot, 'docs/webchat-arabic.png') });

  // A button press: the label shows as the person's message and the bot answers.
  await press(page, 'ماذا آخذ معي للمقابلة؟');
  await page.locator('.webchat__bubble--from-user', { hasText: 'ماذا آخذ معي للمقابلة؟' }).first().waitFor(WAIT);

  // An audio episode, playable from Lotse's own server, with its transcript link.
  await say(page, 'بودكاست عن المقابلة');
  const audio = page.locator(`${TRANSCRIPT} audio`).last();
  await audio.waitFor({ ...WAIT, state: 'attached' });
  const src = await audio.evaluate((a: HTMLAudioElement) => a.currentSrc || a.src || a.querySelector('source')?.src || '');
  expect(src).toMatch(/\/media\/audio\/hearing\.ar\.mp3$/);
  const played = await audio.evaluate(async (a: HTMLAudioElement) => {
    a.muted = true;
    await a.play();
    await new Promise((r) => (a.readyState >= 2 ? r(undefined) : a.addEventListener('loadeddata', r, { once: true })));
    const ok = !a.paused && a.readyState >= 2 && a.duration > 10;
    a.pause();
    return ok;
  });
  expect(played).toBe(true);
  expect(await page.locator(`${TRANSCRIPT} a[href$="/podcasts/ar/hearing/transcript"]`).count()).toBeGreaterThan(0);

  // A reload keeps the conversation: same conversation, history replayed, still right-to-left.
  const before = await conversationId(page);
  await page.reload();
  await seen(page, 'متى موعد المقابلة؟');
  await seen(page, 'يصلك موعد المقابلة ومكانها');
  expect(await conversationId(page)).toBe(before);
  expect(await page.evaluate(() => document.documentElement.dir)).toBe('rtl');
  expect(await page.locator(SUGGESTED, { hasText: 'Deutsch' }).count()).toBe(0);

  // The server drops the connection (a restart, a flaky mobile network); while it is down the person
  // writes and a caseworker's message is pushed. Both arrive, each once.
  const id = await conversationId(page);
  if (mode === 'websocket') {
    await page.locator(SEND_BOX).waitFor(WAIT);
    expect(dl.dropSockets(id)).toBeGreaterThan(0);
  }
  await running.ctx.bot
    .deliverer('webchat')!
    .deliver({ channel: 'webchat', conversationId: id }, { lang: 'ar', dir: 'rtl', messages: [{ kind: 'text', text: 'رسالة من الفريق: نحن هنا' }] });
  await say(page, 'السكن');
  await seen(page, 'رسالة من الفريق: نحن هنا');
  await page.locator('.webchat__bubble--from-user', { hasText: 'السكن' }).first().waitFor(WAIT);
  await dl.idle();
  await page.waitForFunction(
    (sel) => Array.from(document.querySelectorAll(sel)).filter((e) => e.textContent?.includes('رسالة من الفريق: نحن هنا')).length === 1,
    '.webchat__bubble__content',
    WAIT,
  );
  expect(await noFailedSends(page)).toBe(0);

  if (mode === 'websocket') expect(sockets.filter((u) => u.includes('/v3/directline/conversations/')).length).toBeGreaterThanOrEqual(2);
  else expect(sockets).toEqual([]);
  // The page runs under its strict Content-Security-Policy without a single violation.
  expect(violations).toEqual([]);
}

describe('web chat in the browser (real Web Chat bundle, real server)', () => {
  it('WebSocket mode: language choice, Arabic question in RTL, button, audio, reload, dropped socket', async () => {
    const context = await browser.newContext({ locale: 'en-US', viewport: { width: 900, height: 760 } });
    const page = await context.newPage();
    try {
      await conversation(page, 'websocket');
    } finally {
      await context.close();
    }
  });

  it('polling mode: the same conversation without a WebSocket', async () => {
    const context = await browser.newContext({ locale: 'en-US', viewport: { width: 900, height: 760 } });
    const page = await context.newPage();
    try {
      await conversation(page, 'polling');
    } finally {
      await context.close();
    }
  });

  it('serves the Web Chat bundle itself: compressed, cacheable, integrity-checked, no third-party requests', async () => {
    const context = await browser.newContext({ locale: 'fa-IR' });
    const page = await context.newPage();
    const violations = cspViolations(page);
    const hosts = new Set<string>();
    page.on('request', (r) => {
      if (/^(https?|wss?):/.test(r.url())) hosts.add(new URL(r.url()).host);
    });
    try {
      await page.goto(`${running.url}/`);
      // Farsi: Web Chat ships no Farsi strings; Lotse's own come in through overrideLocalizedStrings.
      await page.locator(`${SEND_BOX}[placeholder="پیام خود را بنویسید"]`).waitFor(WAIT);
      expect(await page.evaluate(() => document.documentElement.dir)).toBe('rtl');
      expect([...hosts]).toEqual([new URL(running.url).host]);
      expect(violations).toEqual([]);
    } finally {
      await context.close();
    }
    const cfg = (await (await fetch(`${running.url}/webchat/config.json`)).json()) as { bundle: { url: string; integrity: string } };
    const r = await fetch(`${running.url}${cfg.bundle.url}`, { headers: { 'Accept-Encoding': 'br' } });
    expect(r.headers.get('content-encoding')).toBe('br');
    expect(r.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(cfg.bundle.integrity).toMatch(/^sha384-/);
    // A client that takes no compression gets the plain bundle (read from disk), whole and as signed.
    const plain = await fetch(`${running.url}${cfg.bundle.url}`, { headers: { 'Accept-Encoding': 'identity' } });
    expect(plain.headers.get('content-encoding')).toBeNull();
    const bytes = Buffer.from(await plain.arrayBuffer());
    expect(Number(plain.headers.get('content-length'))).toBe(bytes.length);
    expect(`sha384-${createHash('sha384').update(bytes).digest('base64')}`).toBe(cfg.bundle.integrity);
  });

  it('the embed snippet works on a page from another origin, and survives a reload', async () => {
    const context = await browser.newContext({ locale: 'de-AT', viewport: { width: 1100, height: 800 } });
    const page = await context.newPage();
    const violations = cspViolations(page);
    try {
      await page.goto(ngoUrl);
      const button = page.locator('.lotse-embed-button');
      await button.waitFor(WAIT);
      await button.click();
      // data-lang="ar": the first contact comes in Arabic, right-to-left, inside the panel.
      await page.locator(SUGGESTED, { hasText: 'العربية' }).first().waitFor(WAIT);
      await press(page, 'العربية');
      // data-topic="hearing.documents": the welcome topic follows the language choice.
      await seen(page, 'خذ معك وثائق هويتك');
      expect(await page.locator('.lotse-embed-panel').getAttribute('dir')).toBe('rtl');
      await say(page, 'متى موعد المقابلة؟');
      await seen(page, 'يصلك موعد المقابلة ومكانها');
      if (shots) await page.screenshot({ path: path.join(repoRoot, 'docs/webchat-embed.png') });
      await page.reload();
      await seen(page, 'متى موعد المقابلة؟');
      expect(await noFailedSends(page)).toBe(0);
      expect(violations).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
