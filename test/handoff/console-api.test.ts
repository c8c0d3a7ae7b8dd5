import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
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
  await rt.auth.createStaff({ email: 'admin@ngo.example', name: 'Ada Admin', role: 'admin', password: 'a long admin password', languages: ['en'] });
});
afterAll(async () => {
  await running.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

async function signIn(email: string, password: string) {
  const r = await fetch(`${running.url}/console/api/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
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
    const yes = await fetch(`${running.url}/console/api/staff`, {
      method: 'POST',
      headers: { cookie: s.cookie, 'Content-Type': 'application/json', 'X-CSRF-Token': s.csrf! },
      body,
    });
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

describe('console API on malformed input (4xx, never 500)', () => {
  const api = (p: string, init: RequestInit = {}) => fetch(`${running.url}/console${p}`, init);

  it('a bad percent-escape in the lotse_staff cookie is just no session: 401 on the API, the page still served', async () => {
    for (const cookie of ['lotse_staff=%E0%A4%A', 'lotse_staff=%', 'lotse_staff=%ZZ; other=%', 'lotse_staff', '=;;=', `lotse_staff=${'x'.repeat(10_000)}`]) {
      expect((await api('/api/queue', { headers: { cookie } })).status, cookie.slice(0, 40)).toBe(401);
      expect((await api('/api/me', { headers: { cookie } })).status).toBe(401);
      expect((await api('/', { headers: { cookie } })).status).toBe(200);
      expect((await api('/api/login', { method: 'POST', headers: { cookie, 'Content-Type': 'application/json' }, body: '{}' })).status).toBe(400);
    }
  });

  it('PATCH /api/staff/:id without a body, with {"email":{"toString":1}} and friends: 400', async () => {
    const s = await signIn('admin@ngo.example', 'a long admin password');
    const h = { cookie: s.cookie, 'X-CSRF-Token': s.csrf! };
    const j = { ...h, 'Content-Type': 'application/json' };
    const id = (await rt.staff.staffByEmail('admin@ngo.example'))!.id;
    const noBody = await api(`/api/staff/${id}`, { method: 'PATCH', headers: h });
    expect(noBody.status).toBe(400);
    expect((await noBody.json()).error.message).toMatch(/at least one of/);
    expect((await api(`/api/staff/${id}`, { method: 'PATCH', headers: j, body: '{"languages":[{"toString":1}]}' })).status).toBe(400);
    expect((await api(`/api/staff/${id}`, { method: 'PATCH', headers: j, body: '[1,2]' })).status).toBe(400);
    expect((await api(`/api/staff/${id}`, { method: 'PATCH', headers: j, body: '{"languages":' })).status).toBe(400);
    expect((await api(`/api/staff`, { method: 'POST', headers: j, body: '{"email":{"toString":1}}' })).status).toBe(400);
    expect((await api(`/api/staff`, { method: 'POST', headers: j, body: '{"email":"a@b.c","password":{"toString":1}}' })).status).toBe(400);
    expect(
      (
        await api(`/api/staff`, {
          method: 'POST',
          headers: j,
          body: '{"email":"a@b.c","name":"A","password":"long enough password","languages":[{"toString":1}]}',
        })
      ).status,
    ).toBe(400);
    expect(
      (await api(`/api/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"email":{"toString":1},"password":"x"}' })).status,
    ).toBe(400);
    for (const p of ['/api/handoffs/x/messages', '/api/handoffs/x/notes', '/api/handoffs/x/transfer', '/api/handoffs/x/close']) {
      expect((await api(p, { method: 'POST', headers: h })).status, p).toBeLessThan(500);
      expect(
        (await api(p, { method: 'POST', headers: j, body: '{"text":{"toString":1},"to":{"toString":1},"outcome":"answered","note":{"toString":1}}' })).status,
        p,
      ).toBeGreaterThanOrEqual(400);
    }
    // A valid change still works.
    const ok = await api(`/api/staff/${id}`, { method: 'PATCH', headers: j, body: '{"languages":["en","de"]}' });
    expect(ok.status).toBe(200);
    expect((await ok.json()).languages).toEqual(['en', 'de']);
  });

  it('snippets: saved for the caseworker, refused when empty, too long or oddly typed, deleted once', async () => {
    const s = await signIn('admin@ngo.example', 'a long admin password');
    const j = { cookie: s.cookie, 'X-CSRF-Token': s.csrf!, 'Content-Type': 'application/json' };
    const post = (body: string) => api('/api/snippets', { method: 'POST', headers: j, body });
    expect((await post('{"text":"   "}')).status).toBe(400);
    expect((await post('{"text":"hi","shared":"yes"}')).status).toBe(400);
    expect((await post(JSON.stringify({ text: 'x'.repeat(5000) }))).status).toBe(413);
    const made = await post('{"title":"Hours","text":"We are open 9 to 17.","shared":true}');
    expect(made.status).toBe(200);
    const { id } = (await made.json()) as { id: string };
    const list = (await (await api('/api/snippets', { headers: j })).json()) as { snippets: { id: string; shared: boolean; mine: boolean }[] };
    expect(list.snippets.find((x) => x.id === id)).toMatchObject({ shared: true, mine: true });
    expect((await api(`/api/snippets/${id}`, { method: 'DELETE', headers: j })).status).toBe(200);
    expect((await api(`/api/snippets/${id}`, { method: 'DELETE', headers: j })).status).toBe(404);
  });

  it('property: any JSON body, any cookie header, on any console route: never a 5xx', async () => {
    const s = await signIn('admin@ngo.example', 'a long admin password');
    const id = (await rt.staff.staffByEmail('admin@ngo.example'))!.id;
    const routes: [string, string][] = [
      ['POST', '/api/login'],
      ['POST', '/api/staff'],
      ['PATCH', `/api/staff/${id}`],
      ['POST', '/api/handoffs/x/messages'],
      ['POST', '/api/handoffs/x/close'],
      ['GET', '/api/answers?lang=__proto__&ui=constructor'],
      ['POST', '/api/snippets'],
      ['DELETE', '/api/snippets/x'],
      ['GET', '/api/queue?ui=__proto__'],
      ['GET', '/api/handoffs/x?ui=constructor'],
    ];
    const protoKeys = fc.constantFrom('__proto__', 'constructor', 'toString', 'prototype', 'hasOwnProperty', 'email', 'password', 'languages', 'text', 'role');
    const body = fc.oneof(
      fc.json(),
      fc.dictionary(protoKeys, fc.jsonValue()).map((o) => JSON.stringify(o)),
      fc.string({ unit: 'binary', maxLength: 300 }),
    );
    const cookie = fc.oneof(fc.constant(s.cookie), fc.stringMatching(/^[\x20-\x7e\t]{0,200}$/), fc.constant('lotse_staff=%E0%A4%A'));
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...routes), body, cookie, async ([method, p], b, c) => {
        const r = await api(p, {
          method,
          headers: { cookie: c, 'X-CSRF-Token': s.csrf!, 'Content-Type': 'application/json' },
          body: method === 'GET' ? undefined : b,
        });
        expect(r.status).toBeLessThan(500);
      }),
      { numRuns: 120 },
    );
  });
});
