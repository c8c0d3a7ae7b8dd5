/**
 * The admin page in Debian's Chromium against a real server and SQLite
 * file, under the page's real CSP: an admin signs in at the console, follows
 * the Admin link and uses every screen (adds a caseworker, resets a
 * password, reads the statistics of the fixture handoffs and downloads the
 * CSV, filters the audit log, finds and opens a closed conversation); axe-core
 * finds no serious or critical violation on any screen, at 1366x768 and at
 * 390x844; a caseworker sees no Admin link and gets no data.
 * LOTSE_SCREENSHOTS=1 writes docs/screenshots/admin-*.png.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { handoffPlugin, type HandoffRuntime } from '../../src/handoff/plugin.js';
import { startServer, type Running } from '../../src/server/main.js';
import { ManualClock } from '../../src/util/clock.js';
import { FIXTURE_NOW, PASSWORDS, SECRET_TEXT, seedAdminFixtures } from '../helpers/admin-fixtures.js';
import { launchChromium } from '../helpers/browser.js';
import { WAIT } from '../helpers/console.js';
import { miniRoot, repoRoot } from '../helpers/content.js';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lotse-admin-ui-'));
const axeSource = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const shots = process.env.LOTSE_SCREENSHOTS === '1';
const shotDir = path.join(repoRoot, 'docs', 'screenshots');
let running: Running;
let rt: HandoffRuntime;
let ids: Awaited<ReturnType<typeof seedAdminFixtures>>;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  const plugin = handoffPlugin();
  running = await startServer({
    config: loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      CONTENT_ROOT: miniRoot,
      CONTENT_WATCH: 'false',
      LOG_LEVEL: 'silent',
      OFFICE_HOURS: 'mo-su 00:00-24:00',
      TIMEZONE: 'Europe/Vienna',
    }),
    clock: new ManualClock(FIXTURE_NOW),
    plugins: () => [plugin],
  });
  rt = plugin.runtime!;
  ids = await seedAdminFixtures(rt);
  browser = await launchChromium();
  if (shots) fs.mkdirSync(shotDir, { recursive: true });
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await running?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

async function signIn(email: string, password: string, viewport = { width: 1366, height: 768 }): Promise<Page> {
  const p = await (await browser.newContext({ viewport, acceptDownloads: true })).newPage();
  await p.goto(`${running.url}/console`);
  await p.locator('#login input[name=email]').fill(email);
  await p.locator('#login input[name=password]').fill(password);
  await p.locator('#login button[type=submit]').click();
  await p.locator('#app').waitFor(WAIT);
  return p;
}

/** axe-core's serious and critical violations on the page as it is now (evaluated through the debugger, so the page's CSP stays as it is). */
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

/** The document scrolls sideways (something does not fit the width); tables scroll inside their own box instead. */
const overflowsSideways = (p: Page) => p.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1);

async function section(p: Page, name: 'staff' | 'stats' | 'audit' | 'closed') {
  await p.locator(`nav a[data-section=${name}]`).click();
  await p.locator(`#${name}`).waitFor(WAIT);
  await expect.poll(() => p.locator(`nav a[data-section=${name}]`).getAttribute('aria-current')).toBe('page');
}

describe('admin page', () => {
  it('the console shows the Admin link to an admin; it opens the staff screen', async () => {
    page = await signIn('ada@ngo.example', PASSWORDS.admin);
    await page.locator('#admin-link').click();
    await page.waitForURL(`${running.url}/console/admin`);
    await page.locator('#staff-table tbody tr[data-staff="amal@ngo.example"]').waitFor(WAIT);
    expect(await page.locator('#staff-table tbody tr').count()).toBe(3);
    expect(await axeProblems(page)).toEqual([]);
  });

  it('staff: adds a caseworker with languages and topics, deactivates them, resets a password shown once', async () => {
    const f = page.locator('#add-form');
    await f.locator('input[name=name]').fill('Nadia Rahimi');
    await f.locator('input[name=email]').fill('nadia@ngo.example');
    await f.locator('input[name=password]').fill('first password for nadia');
    await f.getByLabel('Arabic (ar)').check();
    await f.getByLabel('English (en)').check();
    await f.locator('input[name=topics]').fill('asylum, housing');
    await f.locator('button[type=submit]').click();
    const row = page.locator('#staff-table tbody tr[data-staff="nadia@ngo.example"]');
    await row.waitFor(WAIT);
    expect(await row.locator('td').allTextContents()).toEqual([
      'nadia@ngo.example',
      'caseworker',
      'Arabic, English',
      'asylum, housing',
      'active',
      expect.any(String),
    ]);
    const nadia = await rt.staff.staffByEmail('nadia@ngo.example');
    expect(nadia).toMatchObject({ role: 'caseworker', languages: ['ar', 'en'], topics: ['asylum', 'housing'], active: true });

    // Edit: English only, admin.
    await row.getByRole('button', { name: 'Edit Nadia Rahimi' }).click();
    const e = page.locator('#edit-form');
    await e.getByLabel('Arabic (ar)').uncheck();
    await e.locator('select[name=role]').selectOption('admin');
    await e.locator('button[type=submit]').click();
    await expect.poll(async () => (await rt.staff.staffById(nadia!.id))?.role).toBe('admin');
    expect((await rt.staff.staffById(nadia!.id))?.languages).toEqual(['en']);

    await page.locator('#staff-table tbody tr[data-staff="nadia@ngo.example"]').getByRole('button', { name: 'Deactivate Nadia Rahimi' }).click();
    await page.locator('#staff-table tbody tr[data-staff="nadia@ngo.example"] td', { hasText: 'inactive' }).waitFor(WAIT);
    expect((await rt.staff.staffById(nadia!.id))?.active).toBe(false);

    page.once('dialog', (d) => void d.accept());
    await page.getByRole('button', { name: 'Reset password of Boris Kovalenko' }).click();
    const temp = (await page.locator('#temp-password').textContent({ timeout: WAIT.timeout }))!;
    expect(temp).toMatch(/^[A-Za-z0-9_-]{16}$/);
    const login = (password: string) =>
      fetch(`${running.url}/console/api/login`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ email: 'boris@ngo.example', password }),
      });
    expect((await login(PASSWORDS.boris)).status).toBe(401);
    expect((await login(temp)).status).toBe(200);
    expect(await axeProblems(page)).toEqual([]);
    if (shots) await page.screenshot({ path: path.join(shotDir, 'admin-staff.png') });
  });

  it('statistics: the fixture handoffs per day, language, topic, outcome, caseworker; median and p90; CSV download', async () => {
    await section(page, 'stats');
    // At first the server's default range: the 30 days up to "today" in Vienna (the server's clock).
    await expect.poll(() => page.locator('#stats-form input[name=to]').inputValue()).toBe('2026-11-24');
    expect(await page.locator('#stats-form input[name=from]').inputValue()).toBe('2026-10-26');
    const f = page.locator('#stats-form');
    await f.locator('input[name=from]').fill('2026-11-20');
    await f.locator('input[name=to]').fill('2026-11-23');
    await f.locator('button[type=submit]').click();
    await page.locator('#stats-note', { hasText: '2026-11-20 to 2026-11-23' }).waitFor(WAIT);
    const cards = await page.locator('#stats-cards li').allTextContents();
    expect(cards).toEqual([
      '6handoffs',
      '3 min 30 swait to first reply, median (4)',
      '10 minwait to first reply, p90',
      '22 min 30 stime to close, median (4)',
      '1 htime to close, p90',
      '3.67 / 5mean rating (3 ratings)',
    ]);
    const rows = async (id: string) =>
      page.locator(`#${id} tbody tr`).evaluateAll((trs) =>
        trs.map((tr) =>
          Array.from(tr.children)
            .map((c) => c.textContent?.trim())
            .join(' | '),
        ),
      );
    expect(await rows('t-day')).toEqual(['2026-11-20 | 2', '2026-11-21 | 0', '2026-11-22 | 2', '2026-11-23 | 2']);
    expect(await rows('t-lang')).toEqual(['Arabic (ar) | 3', 'English (en) | 1', 'fa (fa) | 1', 'uk (uk) | 1']);
    expect(await rows('t-outcome')).toEqual(['answered | 2', 'cancelled | 1', 'no-response | 1', 'queued | 1', 'referred | 1']);
    expect(await rows('t-worker')).toEqual([
      'Amal Haddad | 2 | 2 | 3 min 30 s | 20 min | 2 | 4.5',
      'Boris Kovalenko | 2 | 2 | 5 min 30 s | 37 min 30 s | 1 | 2',
    ]);
    expect(await rows('t-rating')).toEqual(['1 | 0', '2 | 1', '3 | 0', '4 | 1', '5 | 1']);
    expect(await axeProblems(page)).toEqual([]);
    if (shots) await page.screenshot({ path: path.join(shotDir, 'admin-stats.png'), fullPage: true });

    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#csv').click()]);
    expect(download.suggestedFilename()).toBe('lotse-handoff-stats-2026-11-20-2026-11-23.csv');
    const csv = fs.readFileSync((await download.path())!, 'utf8');
    expect(csv).toContain('total,,handoffs,6\r\n');
    expect(csv).toContain('per_caseworker,Boris Kovalenko,median_close_seconds,2250\r\n');
    expect(csv).not.toContain(SECRET_TEXT);
    expect(csv).not.toContain('pseud-');
  });

  it('audit log: filtered by action, it shows the password reset by Ada', async () => {
    await section(page, 'audit');
    await page.locator('#audit-form input[name=action]').fill('password-reset');
    await page.locator('#audit-form button[type=submit]').click();
    await page.locator('#audit-pager span', { hasText: '1 in all' }).waitFor(WAIT);
    const cells = await page.locator('#audit-table tbody tr').first().locator('td').allTextContents();
    expect(cells.slice(1)).toEqual(['Ada Admin', `password-reset:${ids.boris} via=console (Boris Kovalenko)`, '–']);
    await page.locator('#audit-form select[name=actor]').selectOption({ label: 'Ada Admin' });
    await page.locator('#audit-form input[name=action]').fill('');
    await page.locator('#audit-form button[type=submit]').click();
    // Ada's only: her sign-in, adding Nadia, editing her, deactivating her (which ends Nadia's sessions), the reset (which ends Boris's).
    await expect.poll(() => page.locator('#audit-table tbody tr').count()).toBeGreaterThan(4);
    const rows = await page
      .locator('#audit-table tbody tr')
      .evaluateAll((trs) => trs.map((tr) => Array.from(tr.querySelectorAll('td')).map((td) => td.textContent ?? '')));
    expect(new Set(rows.map((r) => r[1]))).toEqual(new Set(['Ada Admin']));
    const actions = rows.map((r) => (r[2] ?? '').split(/[: ]/)[0]);
    expect(actions).toEqual(expect.arrayContaining(['sign-in', 'staff-create', 'staff-update', 'staff-deactivate', 'password-reset', 'sessions-revoked']));
    expect(await axeProblems(page)).toEqual([]);
    if (shots) await page.screenshot({ path: path.join(shotDir, 'admin-audit.png') });
  });

  it('closed conversations: search by caseworker and language, open a transcript read-only; the view is audited', async () => {
    await section(page, 'closed');
    await page.locator('#closed-table tbody tr[data-handoff]').first().waitFor(WAIT);
    expect(await page.locator('#closed-table tbody tr[data-handoff]').count()).toBe(6);
    const f = page.locator('#closed-form');
    await f.locator('select[name=caseworker]').selectOption({ label: 'Boris Kovalenko' });
    await f.locator('select[name=lang]').selectOption('');
    await f.locator('input[name=q]').fill('pseud-uk');
    await f.locator('button[type=submit]').click();
    await expect.poll(() => page.locator('#closed-table tbody tr[data-handoff]').count()).toBe(1);
    await page.getByRole('button', { name: 'Open the transcript of pseud-uk1-x7' }).click();
    await page.locator('#transcript-list li', { hasText: 'here is what to do' }).waitFor(WAIT);
    expect(await page.locator('#transcript-list li').count()).toBe(4);
    expect(await page.locator('#transcript textarea, #transcript input, #transcript form').count()).toBe(0);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('transcript-title');
    expect((await rt.hs.auditLog('ho_uk1')).map((a) => a.action)).toContain('admin-view-transcript');
    expect(await axeProblems(page)).toEqual([]);
    if (shots) await page.screenshot({ path: path.join(shotDir, 'admin-closed.png'), fullPage: true });
  });

  it('works at 390x844: no sideways scrolling, no serious axe violation on any screen', async () => {
    const phone = await signIn('ada@ngo.example', PASSWORDS.admin, { width: 390, height: 844 });
    await phone.goto(`${running.url}/console/admin#stats`);
    await phone.locator('#stats-cards li').first().waitFor(WAIT);
    for (const name of ['stats', 'staff', 'audit', 'closed'] as const) {
      await section(phone, name);
      await phone.locator(`#${name} tbody tr`).first().waitFor(WAIT);
      expect(await overflowsSideways(phone), name).toBe(false);
      expect(await axeProblems(phone), name).toEqual([]);
    }
    if (shots) {
      await section(phone, 'stats');
      await phone.screenshot({ path: path.join(shotDir, 'admin-stats-390.png') });
    }
    await phone.context().close();
  });

  it('keyboard: Tab reaches the section links and Enter opens one', async () => {
    const k = await signIn('ada@ngo.example', PASSWORDS.admin);
    // No #fragment: it would move the keyboard's starting point to that section.
    await k.goto(`${running.url}/console/admin`);
    await k.locator('#staff-table tbody tr').first().waitFor(WAIT);
    let focused = '';
    for (let i = 0; i < 10 && focused !== 'audit'; i++) {
      await k.keyboard.press('Tab');
      focused = await k.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.section ?? '');
    }
    expect(focused).toBe('audit');
    await k.keyboard.press('Enter');
    await expect.poll(() => k.evaluate(() => document.activeElement?.id)).toBe('audit-title');
    expect(await k.locator('#audit').isVisible()).toBe(true);
    await k.context().close();
  });

  it('a caseworker sees no Admin link, and the admin page shows them no data', async () => {
    const cw = await signIn('amal@ngo.example', PASSWORDS.amal);
    expect(await cw.locator('#admin-link').isHidden()).toBe(true);
    await cw.goto(`${running.url}/console/admin`);
    await cw.locator('#gate-text', { hasText: 'This page is for admins' }).waitFor(WAIT);
    expect(await cw.locator('#app').isHidden()).toBe(true);
    const status = await cw.evaluate(async () => (await fetch('/console/api/admin/stats')).status);
    expect(status).toBe(403);
    await cw.context().close();
  });
});
