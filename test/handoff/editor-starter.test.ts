/**
 * The content editor on the starter pack (six languages, three of them
 * right-to-left) in Chromium, served from the store: a topic side by side in
 * all six languages with its badges; a translator for Farsi edits Farsi and
 * only Farsi; the Arabic reviewer's queue shows the Arabic edit waiting and
 * what changed in English since her last review. axe-core finds no serious
 * or critical violation at 1366x768 and 390x844.
 * LOTSE_SCREENSHOTS=1 writes docs/screenshots/editor-topic-six-languages.png
 * and docs/screenshots/editor-review-queue.png.
 *
 * The server polls the store every 10 minutes here: a version added during
 * the test is in the store (what the review queue reads) but not served, so
 * the starter pack's models, a minute's training, are not trained again.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HandoffRuntime } from '../../src/handoff/plugin.js';
import type { Running } from '../../src/server/main.js';
import { launchChromium } from '../helpers/browser.js';
import { WAIT } from '../helpers/console.js';
import { repoRoot } from '../helpers/content.js';
import { startStarterServer } from '../helpers/server.js';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lotse-editor-starter-'));
const axeSource = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const shots = process.env.LOTSE_SCREENSHOTS === '1';
const shotDir = path.join(repoRoot, 'docs', 'screenshots');
const AR = 'content/ar/topics/hearing.yaml';
const EN = 'content/en/topics/hearing.yaml';
// Reordered wording of the starter pack's own sentences: no new fact.
const EN_BEFORE = 'Bring your identity documents (passport, ID card, birth certificate) and your asylum card.';
const EN_AFTER = 'Bring your asylum card and your identity documents (passport, ID card, birth certificate).';
const AR_AFTER = 'خذ معك بطاقة اللجوء ووثائق هويتك (جواز السفر، الهوية، شهادة الميلاد).';
const PW = { eda: 'editor password long', rana: 'reviewer password long', farid: 'translator password long' };

let running: Running;
let rt: HandoffRuntime;
let browser: Browser;

beforeAll(async () => {
  ({ running, rt } = await startStarterServer(dataDir, { CONTENT_SOURCE: 'store', CONTENT_POLL_MS: '600000' }));
  await rt.auth.createStaff({ email: 'eda@ngo.example', name: 'Eda Editor', role: 'editor', password: PW.eda, languages: [] });
  await rt.auth.createStaff({ email: 'rana@ngo.example', name: 'Rana Reviewer', role: 'translator', password: PW.rana, languages: ['ar'] });
  await rt.auth.createStaff({ email: 'farid@ngo.example', name: 'Farid Translator', role: 'translator', password: PW.farid, languages: ['fa'] });
  browser = await launchChromium();
  if (shots) fs.mkdirSync(shotDir, { recursive: true });
}, 240_000);
afterAll(async () => {
  await browser?.close();
  await running?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

async function signIn(email: string, password: string, viewport = { width: 1366, height: 768 }): Promise<Page> {
  const p = await (await browser.newContext({ viewport })).newPage();
  p.on('console', (m) => console.log('PAGE', m.text()));
  p.on('pageerror', (e) => console.log('PAGEERR', e.message));
  p.on('response', (r) => r.status() >= 400 && console.log('HTTP', r.status(), r.url()));
  await p.goto(`${running.url}/console`);
  await p.locator('#login input[name=email]').fill(email);
  await p.locator('#login input[name=password]').fill(password);
  await p.locator('#login button[type=submit]').click();
  await p.waitForURL(`${running.url}/console/admin/editor`);
  await p.locator('#app').waitFor(WAIT);
  return p;
}
async function axeProblems(p: Page): Promise<string[]> {
  if (!(await p.evaluate(() => 'axe' in window))) await p.evaluate(axeSource);
  const found = await p.evaluate(async () => {
    const r = await (window as any).axe.run(document, { resultTypes: ['violations'] });
    return (r.violations as { id: string; impact: string; nodes: { target: string[] }[] }[]).map((v) => ({
      id: v.id,
      impact: v.impact,
      targets: v.nodes.map((n) => n.target.join(' ')),
    }));
  });
  return found.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.impact} ${v.id}: ${v.targets.join(', ')}`);
}
const overflowsSideways = (p: Page) => p.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1);
/** A JSON call from inside the signed-in page (its cookie and CSRF token). */
const call = (p: Page, method: string, url: string, body?: unknown) =>
  p.evaluate(
    async ({ method, url, body }) => {
      const me = await (await fetch('/console/api/me')).json();
      const r = await fetch(`/console/api${url}`, {
        method,
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': me.csrf },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: r.status, body: await r.json() };
    },
    { method, url, body },
  );

describe('content editor on the starter pack', () => {
  it('shows a topic in all six languages side by side, right-to-left where the language is', async () => {
    const eda = await signIn('eda@ngo.example', PW.eda);
    // A Pashto translation that says less, on purpose and with its reason: the "partial" badge.
    const view = (await call(eda, 'GET', '/editor/topics/hearing.documents')).body;
    const ps = { ...view.texts.ps, answer: view.texts.ps.answer.slice(0, 2), partial: 'the checklist sentence waits for a Pashto speaker' };
    expect((await call(eda, 'PUT', '/editor/topics/hearing.documents', { texts: { ps } })).status).toBe(200);

    await eda.locator('#topic-list button[data-topic="hearing.documents"]').click(WAIT);
    await eda.locator('.lang[data-lang=ps] .badge.b-partial').waitFor(WAIT);
    expect(await eda.locator('.lang').evaluateAll((cols) => cols.map((c) => (c as HTMLElement).dataset.lang))).toEqual(['ar', 'fa', 'ps', 'uk', 'en', 'de']);
    const dirs = await eda.locator('[data-key$="|answer.0"]').evaluateAll((xs) => xs.map((x) => x.getAttribute('dir')));
    expect(dirs).toEqual(['rtl', 'rtl', 'rtl', 'ltr', 'ltr', 'ltr']);
    // Six columns side by side on a laptop: every column starts on the same line.
    const tops = await eda.locator('.lang').evaluateAll((cols) => cols.map((c) => Math.round(c.getBoundingClientRect().top)));
    expect(new Set(tops).size).toBe(1);
    expect(await eda.locator('.lang[data-lang=ps] .badge.b-changed').count()).toBe(1);
    expect(await axeProblems(eda)).toEqual([]);
    if (shots) await eda.screenshot({ path: path.join(shotDir, 'editor-topic-six-languages.png'), fullPage: true });
    await eda.context().close();
  });

  it('a translator for Farsi edits the Farsi column only; Arabic is read-only and refused by the server', async () => {
    const farid = await signIn('farid@ngo.example', PW.farid, { width: 390, height: 844 });
    await farid.locator('#topic-list button[data-topic="hearing.documents"]').click(WAIT);
    await farid.locator('[data-key="fa|answer.0"]').waitFor(WAIT);
    expect(await farid.locator('[data-key="fa|answer.0"]').getAttribute('readonly')).toBeNull();
    for (const code of ['ar', 'ps', 'uk', 'en', 'de']) expect(await farid.locator(`[data-key="${code}|answer.0"]`).getAttribute('readonly')).not.toBeNull();
    expect(await axeProblems(farid)).toEqual([]);
    expect(await overflowsSideways(farid)).toBe(false);
    const view = (await call(farid, 'GET', '/editor/topics/hearing.documents')).body;
    const r = await call(farid, 'PUT', '/editor/topics/hearing.documents', {
      texts: { ar: { ...view.texts.ar, answer: [AR_AFTER, ...view.texts.ar.answer.slice(1)] } },
    });
    expect(r.status).toBe(403);
    expect(r.body.error.message).toBe(`you translate fa; ${AR} is ar`);
    expect(await (await running.ctx.store.contentVersions()).draft(AR)).toBeUndefined();
    await farid.context().close();
  });

  it("the Arabic reviewer's queue: the Arabic edit waiting, and what changed in English since her last review", async () => {
    const rana = await signIn('rana@ngo.example', PW.rana);
    // She reviewed the Arabic file as it was published first.
    expect((await call(rana, 'POST', '/editor/review', { lang: 'ar', path: AR })).status).toBe(200);
    // The English answer changes in a later version (published elsewhere; this server does not serve it during the test).
    const v = await running.ctx.store.contentVersions();
    const head = (await v.head())!;
    const files = await Promise.all((await v.files(head.id)).map(async (f) => ({ path: f.path, text: (await v.blobs([f.hash])).get(f.hash)! })));
    const en = files.find((f) => f.path === EN)!;
    expect(en.text).toContain(EN_BEFORE);
    en.text = en.text.replace(EN_BEFORE, EN_AFTER);
    const v2 = await v.addVersion({
      expectHead: head.id,
      kind: 'publish',
      packVersion: 'test',
      authorName: 'Eda Editor',
      why: 'asylum card first: people forget it most',
      createdAt: running.ctx.clock.now(),
      files,
    });
    expect(v2?.id).toBe(head.id + 1);
    // The editor follows in Arabic, as a draft.
    const eda = await signIn('eda@ngo.example', PW.eda);
    await eda.locator('#topic-list button[data-topic="hearing.documents"]').click(WAIT);
    await eda.locator('[data-key="ar|answer.0"]').fill(AR_AFTER);
    await eda.locator('#topic-save').click();
    await eda.locator('#status', { hasText: 'Saved as a draft' }).waitFor(WAIT);
    await eda.context().close();

    await rana.locator('nav a[data-section=review]').click();
    const item = rana.locator(`.queue-item[data-path="${AR}"]`);
    await item.waitFor(WAIT);
    expect(await rana.locator('.queue-item').first().getAttribute('data-path')).toBe(AR);
    expect(await item.locator('.diff .add').allTextContents()).toEqual([expect.stringContaining(AR_AFTER), expect.stringContaining(EN_AFTER)]);
    expect(await item.locator('.meta').first().textContent()).toContain('Last reviewed by Rana Reviewer');
    expect(await item.locator('.meta').first().textContent()).toContain('the English text changed');
    expect(await axeProblems(rana)).toEqual([]);
    if (shots) await rana.screenshot({ path: path.join(shotDir, 'editor-review-queue.png'), fullPage: true });
    expect(await rana.locator('#review-count').textContent()).toBe('1');
    await rana.setViewportSize({ width: 390, height: 844 });
    expect(await overflowsSideways(rana)).toBe(false);
    expect(await axeProblems(rana)).toEqual([]);
    await rana.context().close();
  });
});
