/**
 * An NGO that forgot WEBCHAT_ALLOWED_ORIGINS (issue 15): the server says so
 * in its log at start, and the embed on the NGO's page (another origin) shows
 * a clear message in the person's language and a hint for the site's owner,
 * instead of a blank panel with an empty language list. Debian's Chromium,
 * the real server and the real Web Chat bundle.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { startServer, type Running } from '../../src/server/main.js';
import { createLogger } from '../../src/util/logger.js';
import { CHROMIUM, launchChromium } from '../helpers/browser.js';
import { repoRoot } from '../helpers/content.js';

let browser: Browser;
let ngo: http.Server;
let ngoUrl: string;
let lotseUrl = '';
const dirs: string[] = [];
const servers: Running[] = [];
const WAIT = { timeout: 45_000 };

async function lotse(allowed: string | undefined): Promise<{ running: Running; lines: string[] }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lotse-embed-origin-'));
  dirs.push(dataDir);
  const lines: string[] = [];
  const running = await startServer({
    config: loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      CONTENT_ROOT: repoRoot,
      CONTENT_WATCH: 'false',
      ...(allowed ? { WEBCHAT_ALLOWED_ORIGINS: allowed } : {}),
    }),
    log: createLogger('warn', {}, (l) => lines.push(l)),
  });
  servers.push(running);
  return { running, lines };
}

beforeAll(async () => {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium (.ci/run does)`);
  ngo = http.createServer((req, res) => {
    if (req.url === '/' || req.url?.startsWith('/?'))
      return void res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(`<!doctype html>
<html lang="de"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Example NGO</title></head>
<body><h1>Example NGO</h1><script src="${lotseUrl}/embed.js" async data-lang="ar"></script></body></html>`);
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => ngo.listen(0, '127.0.0.1', r));
  ngoUrl = `http://127.0.0.1:${(ngo.address() as { port: number }).port}`;
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  for (const s of servers) await s.stop();
  await new Promise((r) => (ngo ? ngo.close(r) : r(undefined)));
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

describe('an NGO page whose origin is not in WEBCHAT_ALLOWED_ORIGINS', () => {
  it('the log warns at start; the panel says the chat cannot be used here (Arabic, then English) and tells the owner what to set', async () => {
    const { running, lines } = await lotse(undefined);
    expect(lines.filter((l) => /WEBCHAT_ALLOWED_ORIGINS is not set/.test(l) && JSON.parse(l).level === 'warn')).toHaveLength(1);
    lotseUrl = running.url;

    const context = await browser.newContext({ locale: 'ar-SY', viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });
    const page = await context.newPage();
    const consoleErrors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    try {
      await page.goto(ngoUrl);
      const button = page.locator('.lotse-embed-button');
      await button.waitFor(WAIT);
      await button.tap();
      const message = page.locator('.lotse-embed-unavailable');
      await message.waitFor(WAIT);
      expect(await message.getAttribute('role')).toBe('alert');
      expect(await message.locator('p').first().textContent()).toBe('لا يمكن فتح المحادثة على هذا الموقع حاليًا. من فضلك تواصل مع المنظمة بطريقة أخرى.');
      const hint = (await page.locator('.lotse-embed-hint').textContent()) ?? '';
      expect(hint).toContain(ngoUrl);
      expect(hint).toContain('WEBCHAT_ALLOWED_ORIGINS');
      if (process.env.LOTSE_SCREENSHOTS === '1') await page.screenshot({ path: path.join(repoRoot, 'docs/screenshots/embed-origin-refused-ar-390.png') });
      expect(consoleErrors.some((e) => e.includes('Lotse embed:') && e.includes(ngoUrl))).toBe(true);
      // Not a blank panel: the language list is filled, the panel is right-to-left, the close button works.
      expect(await page.locator('.lotse-embed-panel select option').count()).toBe(6);
      expect(await page.locator('.lotse-embed-panel').getAttribute('dir')).toBe('rtl');
      // The person picks English: the message follows.
      await page.locator('.lotse-embed-panel select').selectOption('en');
      await page.locator('.lotse-embed-unavailable p', { hasText: 'The chat cannot be opened on this website at the moment.' }).first().waitFor(WAIT);
      expect(await page.locator('.lotse-embed-panel').getAttribute('dir')).toBe('ltr');
      await page.locator('.lotse-embed-close').tap();
      expect(await page.locator('.lotse-embed-panel').isVisible()).toBe(false);
    } finally {
      await context.close();
    }
  });

  it('with the origin set: no warning at start, and the server answers that this origin may use the chat', async () => {
    const { running, lines } = await lotse(ngoUrl);
    expect(lines.filter((l) => /WEBCHAT_ALLOWED_ORIGINS/.test(l))).toEqual([]);
    const yes = (await (await fetch(`${running.url}/webchat/origin`, { headers: { Origin: ngoUrl } })).json()) as { allowed: boolean };
    expect(yes.allowed).toBe(true);
    const no = (await (await fetch(`${running.url}/webchat/origin`, { headers: { Origin: 'https://elsewhere.example' } })).json()) as {
      allowed: boolean;
    };
    expect(no.allowed).toBe(false);
  });
});
