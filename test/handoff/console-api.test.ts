import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { handoffPlugin, type HandoffRuntime } from '../../src/handoff/plugin.js';
import { startServer, type Running } from '../../src/server/main.js';
import { miniRoot } from '../helpers/content.js';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lotse-console-'));
let running: Running;
let rt: HandoffRuntime;

beforeAll(async () => {
  const plugin = handoffPlugin();
  running = await startServer({
    config: loadConfig({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, CONTENT_ROOT: miniRoot, CONTENT_WATCH: 'false', LOG_LEVEL: 'silent', OFFICE_HOURS: 'mo-su 00:00-24:00' }),
    plugins: () => [plugin],
  });
  rt = plugin.runtime!;
  await rt.auth.createStaff({ email: 'admin@ngo.example', name: 'Ada Admin', role: 'admin', password: 'a long admin password', languages: ['en'] });
});
afterAll(async () => {
  await running.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

async function signIn(email: string, password: string) {
  const r = await fetch(`${running.url}/console/api/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ email, password }) });
  const cookie = (r.headers.get('set-cookie') ?? '').split(';')[0]!;
  const body = (await r.json()) as { csrf?: string; error?: { message: string } };
  return { status: r.status, cookie, csrf: body.csrf, body, setCookie: r.headers.get('set-cookie') ?? '' };
}

describe('console API', () => {
  it('serves the page, and refuses data without a session', async () => {
    const page = await fetch(`${running.url}/console`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Lotse – sign in');
    expect((await fetch(`${running.url}/console/api/queue`)).status).toBe(401);
  });

  it('signs in with an HttpOnly, SameSite=Strict cookie; wrong passwords are refused', async () => {
    expect((await signIn('admin@ngo.example', 'wrong password here')).status).toBe(401);
    const s = await signIn('admin@ngo.example', 'a long admin password');
    expect(s.status).toBe(200);
    expect(s.setCookie).toMatch(/HttpOnly/i);
    expect(s.setCookie).toMatch(/SameSite=Strict/i);
    expect(s.setCookie).toMatch(/Path=\/console/);
    const q = await fetch(`${running.url}/console/api/queue`, { headers: { cookie: s.cookie } });
    expect(q.status).toBe(200);
  });

  it('refuses a change without the CSRF token', async () => {
    const s = await signIn('admin@ngo.example', 'a long admin password');
    const body = JSON.stringify({ email: 'x@ngo.example', name: 'X', password: 'another long password', languages: 'ar' });
    const no = await fetch(`${running.url}/console/api/staff`, { method: 'POST', headers: { cookie: s.cookie, 'Content-Type': 'application/json' }, body });
    expect(no.status).toBe(403);
    const yes = await fetch(`${running.url}/console/api/staff`, { method: 'POST', headers: { cookie: s.cookie, 'Content-Type': 'application/json', 'X-CSRF-Token': s.csrf! }, body });
    expect(yes.status).toBe(200);
    expect(await yes.json()).toMatchObject({ email: 'x@ngo.example', role: 'caseworker', languages: ['ar'] });
  });

  it('only admins manage staff', async () => {
    await rt.auth.createStaff({ email: 'cw@ngo.example', name: 'Case Worker', role: 'caseworker', password: 'caseworker password', languages: ['ar'] });
    const s = await signIn('cw@ngo.example', 'caseworker password');
    const r = await fetch(`${running.url}/console/api/staff`, { headers: { cookie: s.cookie } });
    expect(r.status).toBe(403);
  });

  it('rate limits sign-in attempts per account', async () => {
    await rt.auth.createStaff({ email: 'target@ngo.example', name: 'T', role: 'caseworker', password: 'target password 1', languages: [] });
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await signIn('target@ngo.example', `guess number ${i}`)).status);
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses.slice(5)).toEqual([429, 429]);
    // Even the right password waits now.
    expect((await signIn('target@ngo.example', 'target password 1')).status).toBe(429);
  });

  it('the event stream replays what was stored since Last-Event-ID', async () => {
    const ref = { channel: 'cli' as const, conversationId: 'sse' };
    await running.ctx.bot.handle(ref, { kind: 'start' });
    await running.ctx.bot.handle(ref, { kind: 'button', payload: 'l:en' });
    await running.ctx.bot.handle(ref, { kind: 'button', payload: 'n:human' });
    await running.ctx.bot.handle(ref, { kind: 'text', text: 'are you there?' });
    const s = await signIn('admin@ngo.example', 'a long admin password');
    const ctrl = new AbortController();
    const r = await fetch(`${running.url}/console/api/events`, { headers: { cookie: s.cookie, 'Last-Event-ID': '0' }, signal: ctrl.signal });
    const reader = r.body!.getReader();
    let text = '';
    while (!text.includes('"type":"queue"')) text += new TextDecoder().decode((await reader.read()).value);
    ctrl.abort();
    expect(text).toContain('are you there?');
    expect(text).toMatch(/^id: \d+$/m);
  });
});
