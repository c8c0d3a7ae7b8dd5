/**
 * The console page in Debian's Chromium after an admin's password reset: the
 * caseworker signs in with the temporary password, gets only the "choose a
 * new password" form, chooses one and lands in the console; the temporary
 * password no longer works. And a signed-in console whose account is
 * deactivated falls back to the sign-in form (its event stream closed).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { handoffPlugin, type HandoffRuntime } from '../../src/handoff/plugin.js';
import { type Running, startServer } from '../../src/server/main.js';
import { launchChromium } from '../helpers/browser.js';
import { Caseworker, WAIT } from '../helpers/console.js';
import { miniRoot } from '../helpers/content.js';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lotse-console-pw-'));
let running: Running;
let rt: HandoffRuntime;
let browser: Browser;
let adminId: string;

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
    }),
    plugins: () => [plugin],
  });
  rt = plugin.runtime!;
  adminId = (await rt.auth.createStaff({ email: 'admin@ngo.example', name: 'Ada', role: 'admin', password: 'a long admin password' })).id;
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await running?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('console page: password reset and revocation', () => {
  it('after a reset the caseworker must choose a new password before seeing the queue', async () => {
    const cw = await rt.auth.createStaff({ email: 'nour@ngo.example', name: 'Nour', role: 'caseworker', password: 'forgotten long pw', languages: ['en'] });
    const temp = await rt.auth.resetPassword(cw.id, { staffId: adminId, via: 'console' });
    const c = await Caseworker.signIn(browser, running.url, 'nour@ngo.example', temp);
    const form = c.page.locator('#password');
    await form.waitFor(WAIT);
    expect(await c.page.locator('#app').isHidden()).toBe(true);
    expect(await c.page.locator('#password-why').textContent()).toMatch(/was reset/);
    await form.locator('input[name=current]').fill(temp);
    await form.locator('input[name=next]').fill('nour@ngo.example');
    await form.locator('button[type=submit]').click();
    await c.page.locator('#password-error', { hasText: 'e-mail' }).waitFor(WAIT);
    await form.locator('input[name=current]').fill(temp);
    await form.locator('input[name=next]').fill('my very own password');
    await form.locator('button[type=submit]').click();
    await c.page.locator('#queue-list').waitFor(WAIT);
    expect(await form.isHidden()).toBe(true);
    expect(await c.page.locator('#me').textContent()).toContain('Nour');
    expect((await rt.staff.staffById(cw.id))!.mustChangePassword).toBe(false);
    await expect(rt.auth.signIn('nour@ngo.example', temp, '192.0.2.9')).rejects.toMatchObject({ status: 401 });
    await c.page.context().close();
  });

  it('a console left open falls back to the sign-in form when the account is deactivated', async () => {
    const cw = await rt.auth.createStaff({ email: 'omid@ngo.example', name: 'Omid', role: 'caseworker', password: 'omid long password', languages: ['fa'] });
    const c = await Caseworker.signIn(browser, running.url, 'omid@ngo.example', 'omid long password');
    await c.page.locator('#queue-list').waitFor(WAIT);
    await expect.poll(() => rt.openStreams().filter((s) => s.staffId === cw.id).length, WAIT).toBe(1);
    await rt.auth.updateStaff((await rt.staff.staffById(adminId))!, cw.id, { active: false });
    expect(rt.openStreams().filter((s) => s.staffId === cw.id)).toEqual([]);
    await c.page.locator('#login').waitFor(WAIT);
    expect(await c.page.locator('#app').isHidden()).toBe(true);
    await c.page.context().close();
  });
});
