/**
 * Staff security (issue 13.5), over HTTP against a real server and a real
 * SQLite file: revocation ends sessions and closes open event streams before
 * a person's next message can reach them; idle timeout and absolute
 * lifetime; the sign-in backoff per (account, address), per account and
 * per address, without locking out the caseworker at another address;
 * password change, admin reset, the last admin; the audit log.
 *
 * Client addresses are told with X-Forwarded-For under TRUST_PROXY=loopback,
 * as behind a reverse proxy on the same host. The clock is a ManualClock, so
 * idle timeouts and backoff steps are reached by moving it, not by waiting.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { handoffPlugin, type HandoffRuntime } from '../../src/handoff/plugin.js';
import { type Running, startServer } from '../../src/server/main.js';
import type { ConversationRef } from '../../src/shared/conversation.js';
import { ManualClock } from '../../src/util/clock.js';
import { miniRoot } from '../helpers/content.js';

const MIN = 60_000;
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lotse-staffsec-'));
const clock = new ManualClock(Date.now());
let running: Running;
let rt: HandoffRuntime;
let adminId: string;

beforeAll(async () => {
  // The background sweep only at start: the sweep test below runs it itself.
  const plugin = handoffPlugin({ sweepMs: 3_600_000 });
  running = await startServer({
    config: loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      CONTENT_ROOT: miniRoot,
      CONTENT_WATCH: 'false',
      LOG_LEVEL: 'silent',
      OFFICE_HOURS: 'mo-su 00:00-24:00',
      TRUST_PROXY: 'loopback',
      STAFF_IDLE_MINUTES: '30',
      STAFF_SESSION_HOURS: '2',
    }),
    clock,
    plugins: () => [plugin],
  });
  rt = plugin.runtime!;
  adminId = (await rt.auth.createStaff({ email: 'admin@ngo.example', name: 'Ada', role: 'admin', password: 'a long admin password', languages: ['en'] })).id;
});
afterAll(async () => {
  await running.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

let nextAddress = 1;
/** A fresh client address (TEST-NET-3), so that tests do not share the per-address limit. */
const newAddress = () => `203.0.113.${nextAddress++}`;

async function signIn(email: string, password: string, address = '198.51.100.1') {
  const r = await fetch(`${running.url}/console/api/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Forwarded-For': address },
    body: JSON.stringify({ email, password }),
  });
  const body = (await r.json()) as { csrf?: string; mustChangePassword?: boolean; error?: { code: string; message: string } };
  return {
    status: r.status,
    cookie: (r.headers.get('set-cookie') ?? '').split(';')[0]!,
    csrf: body.csrf ?? '',
    body,
    retryAfter: r.headers.get('retry-after'),
  };
}
type Session = Awaited<ReturnType<typeof signIn>>;

function api(s: Pick<Session, 'cookie' | 'csrf'> | undefined, method: string, p: string, body?: unknown, address = '198.51.100.1') {
  return fetch(`${running.url}/console${p}`, {
    method,
    headers: {
      ...(s ? { cookie: s.cookie, 'X-CSRF-Token': s.csrf } : {}),
      'X-Forwarded-For': address,
      ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
    },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
}

/** An open /console/api/events stream, read as the browser's EventSource would. */
async function openStream(s: Session) {
  const ctrl = new AbortController();
  const r = await fetch(`${running.url}/console/api/events`, { headers: { cookie: s.cookie }, signal: ctrl.signal });
  expect(r.status).toBe(200);
  const reader = r.body!.getReader();
  let text = '';
  let done = false;
  const pump = (async () => {
    try {
      for (;;) {
        const chunk = await reader.read();
        if (chunk.done) break;
        text += new TextDecoder().decode(chunk.value);
      }
    } catch {
      // aborted by the test
    }
    done = true;
  })();
  const until = async (cond: () => boolean) => {
    while (!cond()) await new Promise((r) => setTimeout(r, 20));
  };
  await until(() => text.includes('"type":"queue"') || done);
  return { text: () => text, ended: () => done, closed: pump, until, abort: () => ctrl.abort() };
}

/** A person in the CLI channel who asks for a human; returns their ref. */
async function personWaiting(id: string): Promise<ConversationRef> {
  const ref = { channel: 'cli' as const, conversationId: id };
  await running.ctx.bot.handle(ref, { kind: 'start' });
  await running.ctx.bot.handle(ref, { kind: 'button', payload: 'l:en' });
  await running.ctx.bot.handle(ref, { kind: 'button', payload: 'n:human' });
  return ref;
}

describe('revocation', () => {
  it('deactivation closes the open event stream at once: the person’s next message (a case number) never arrives; reactivation does not revive the old cookie', async () => {
    const cw = await rt.auth.createStaff({ email: 'cw1@ngo.example', name: 'C1', role: 'caseworker', password: 'caseworker one pw', languages: ['en'] });
    const ref = await personWaiting('revoke-1');
    const s = await signIn('cw1@ngo.example', 'caseworker one pw');
    const stream = await openStream(s);
    await running.ctx.bot.handle(ref, { kind: 'text', text: 'before: hello' });
    await stream.until(() => stream.text().includes('before: hello'));

    const admin = await signIn('admin@ngo.example', 'a long admin password');
    expect((await api(admin, 'PATCH', `/api/staff/${cw.id}`, { active: false })).status).toBe(200);
    await stream.closed; // the server ended it: no reconnect-free grace period
    expect(rt.openStreams().filter((x) => x.staffId === cw.id)).toEqual([]);
    await running.ctx.bot.handle(ref, { kind: 'text', text: 'my case number is 4711-0815' });
    expect(stream.text()).not.toContain('4711-0815');
    expect((await api(s, 'GET', '/api/queue')).status).toBe(401);

    expect((await api(admin, 'PATCH', `/api/staff/${cw.id}`, { active: true })).status).toBe(200);
    expect((await api(s, 'GET', '/api/queue')).status).toBe(401);
    expect((await fetch(`${running.url}/console/api/events`, { headers: { cookie: s.cookie } })).status).toBe(401);
    // Signing in afresh works.
    expect((await signIn('cw1@ngo.example', 'caseworker one pw')).status).toBe(200);
  });

  it('sign-out closes that session’s stream, and only that one; a role change ends every session of the account', async () => {
    const cw = await rt.auth.createStaff({ email: 'cw2@ngo.example', name: 'C2', role: 'caseworker', password: 'caseworker two pw', languages: ['en'] });
    const ref = await personWaiting('revoke-2');
    const laptop = await signIn('cw2@ngo.example', 'caseworker two pw');
    const phone = await signIn('cw2@ngo.example', 'caseworker two pw');
    const a = await openStream(laptop);
    const b = await openStream(phone);
    expect((await api(laptop, 'POST', '/api/logout')).status).toBe(200);
    await a.closed;
    await running.ctx.bot.handle(ref, { kind: 'text', text: 'still there?' });
    await b.until(() => b.text().includes('still there?'));
    expect(a.text()).not.toContain('still there?');
    expect((await api(laptop, 'GET', '/api/me')).status).toBe(401);
    expect((await api(phone, 'GET', '/api/me')).status).toBe(200);

    const admin = await signIn('admin@ngo.example', 'a long admin password');
    expect((await api(admin, 'PATCH', `/api/staff/${cw.id}`, { role: 'admin' })).status).toBe(200);
    await b.closed;
    expect((await api(phone, 'GET', '/api/me')).status).toBe(401);
    // Changing only languages ends nothing.
    const again = await signIn('cw2@ngo.example', 'caseworker two pw');
    expect((await api(admin, 'PATCH', `/api/staff/${cw.id}`, { languages: ['en', 'ar'] })).status).toBe(200);
    expect((await api(again, 'GET', '/api/me')).status).toBe(200);
  });

  it('a session deleted behind this process’s back (another instance, the CLI) is caught by the stream before the next event is written', async () => {
    const cw = await rt.auth.createStaff({ email: 'cw3@ngo.example', name: 'C3', role: 'caseworker', password: 'caseworker three', languages: ['en'] });
    const ref = await personWaiting('revoke-3');
    const s = await signIn('cw3@ngo.example', 'caseworker three');
    const stream = await openStream(s);
    // Straight in the store: no revocation event reaches this process's streams.
    expect(await rt.staff.deleteSessionsOf(cw.id)).toBe(1);
    await running.ctx.bot.handle(ref, { kind: 'text', text: 'my address is Hauptstrasse 5' });
    await stream.closed;
    expect(stream.text()).not.toContain('Hauptstrasse');
  });
});

describe('idle timeout and lifetime', () => {
  it('a session unused for STAFF_IDLE_MINUTES ends; requests keep it alive, but never past STAFF_SESSION_HOURS', async () => {
    await rt.auth.createStaff({ email: 'idle@ngo.example', name: 'I', role: 'caseworker', password: 'idle caseworker', languages: [] });
    const idle = await signIn('idle@ngo.example', 'idle caseworker');
    const busy = await signIn('idle@ngo.example', 'idle caseworker');
    for (let i = 0; i < 5; i++) {
      clock.advance(20 * MIN);
      expect((await api(busy, 'GET', '/api/queue')).status, `after ${(i + 1) * 20} min`).toBe(200);
    }
    expect((await api(idle, 'GET', '/api/queue')).status).toBe(401);
    clock.advance(20 * MIN); // 120 minutes: the absolute end, however busy
    expect((await api(busy, 'GET', '/api/queue')).status).toBe(401);
  });

  it('the sweep deletes idle and expired sessions from the store', async () => {
    await rt.auth.createStaff({ email: 'sweep@ngo.example', name: 'S', role: 'caseworker', password: 'sweep caseworker', languages: [] });
    const s = await signIn('sweep@ngo.example', 'sweep caseworker');
    const fresh = await signIn('sweep@ngo.example', 'sweep caseworker');
    const hash = async (cookie: string) => (await import('../../src/handoff/auth.js')).sha256(decodeURIComponent(cookie.split('=')[1]!));
    clock.advance(25 * MIN);
    expect((await api(fresh, 'GET', '/api/me')).status).toBe(200);
    clock.advance(10 * MIN);
    expect(await rt.auth.sweepSessions()).toBeGreaterThanOrEqual(1);
    expect(await rt.staff.session(await hash(s.cookie), clock.now())).toBeUndefined();
    expect(await rt.staff.session(await hash(fresh.cookie), clock.now())).toBeDefined();
  });
});

describe('sign-in backoff', () => {
  it('an attacker hammering one account from one address is slowed down exponentially; the caseworker at another address signs in', async () => {
    await rt.auth.createStaff({ email: 'target@ngo.example', name: 'T', role: 'caseworker', password: 'target password 1', languages: [] });
    const attacker = newAddress();
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await signIn('target@ngo.example', `guess ${i}`, attacker)).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429, 429]);
    const locked = await signIn('target@ngo.example', 'target password 1', attacker);
    expect(locked.status).toBe(429);
    expect(Number(locked.retryAfter)).toBe(60);
    expect(locked.body.error?.message).toMatch(/try again in 1 minute/);

    // The real caseworker, from the office.
    expect((await signIn('target@ngo.example', 'target password 1', newAddress())).status).toBe(200);

    // Next step: one more guess after a minute, then two minutes, then four.
    for (const wait of [1, 2, 4]) {
      clock.advance(wait * MIN + 1000);
      expect((await signIn('target@ngo.example', 'another guess', attacker)).status).toBe(401);
      const r = await signIn('target@ngo.example', 'another guess', attacker);
      expect(r.status).toBe(429);
      expect(Number(r.retryAfter)).toBe(wait * 2 * 60);
    }
  });

  it('a successful sign-in clears the count of its own address', async () => {
    await rt.auth.createStaff({ email: 'typo@ngo.example', name: 'T', role: 'caseworker', password: 'typo caseworker', languages: [] });
    const office = newAddress();
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 4; i++) expect((await signIn('typo@ngo.example', 'typo caseworkr', office)).status).toBe(401);
      expect((await signIn('typo@ngo.example', 'typo caseworker', office)).status).toBe(200);
    }
  });

  it('per account over all addresses: 20 wrong passwords in 15 minutes from several addresses lock the account for the window', async () => {
    await rt.auth.createStaff({ email: 'spread@ngo.example', name: 'S', role: 'caseworker', password: 'spread caseworker', languages: [] });
    for (let a = 0; a < 4; a++) {
      const addr = newAddress();
      for (let i = 0; i < 5; i++) expect((await signIn('spread@ngo.example', `guess ${a}-${i}`, addr)).status).toBe(401);
    }
    const r = await signIn('spread@ngo.example', 'spread caseworker', newAddress());
    expect(r.status).toBe(429);
    expect(Number(r.retryAfter)).toBeGreaterThan(0);
    clock.advance(15 * MIN + 1000);
    expect((await signIn('spread@ngo.example', 'spread caseworker', newAddress())).status).toBe(200);
  });

  it('per address over all accounts (express-rate-limit, counts in the store): 20 failed sign-ins, then 429 with Retry-After; other addresses unaffected', async () => {
    const stuffer = newAddress();
    for (let i = 0; i < 20; i++) expect((await signIn(`nobody${i}@ngo.example`, 'some password', stuffer)).status).toBe(401);
    const r = await signIn('admin@ngo.example', 'a long admin password', stuffer);
    expect(r.status).toBe(429);
    expect(r.body.error?.code).toBe('TooManyRequests');
    expect(Number(r.retryAfter)).toBeGreaterThan(0);
    expect((await signIn('admin@ngo.example', 'a long admin password', newAddress())).status).toBe(200);
  });

  it('successful sign-ins do not count against the address', async () => {
    const office = newAddress();
    for (let i = 0; i < 25; i++) expect((await signIn('admin@ngo.example', 'a long admin password', office)).status).toBe(200);
    expect((await signIn('nobody@ngo.example', 'x', office)).status).toBe(401);
  });
});

describe('passwords', () => {
  it('own change needs the current password, follows the rules, ends the other sessions and keeps this browser signed in', async () => {
    await rt.auth.createStaff({ email: 'pw@ngo.example', name: 'P', role: 'caseworker', password: 'first password', languages: [] });
    const here = await signIn('pw@ngo.example', 'first password');
    const elsewhere = await signIn('pw@ngo.example', 'first password');
    const stream = await openStream(elsewhere);
    const change = (current: string, next: string) => api(here, 'POST', '/api/password', { current, next });
    expect((await change('wrong password', 'second password')).status).toBe(403);
    const short = await change('first password', 'short');
    expect(short.status).toBe(400);
    expect((await short.json()).error.message).toMatch(/at least 12/);
    expect((await change('first password', 'pw@ngo.example')).status).toBe(400);
    expect((await change('first password', 'PW@NGO.EXAMPLE')).status).toBe(400);
    expect((await api(here, 'POST', '/api/password', { current: 'first password' })).status).toBe(400);
    const ok = await change('first password', 'second password');
    expect(ok.status).toBe(200);
    const body = (await ok.json()) as { csrf: string };
    const now = { cookie: (ok.headers.get('set-cookie') ?? '').split(';')[0]!, csrf: body.csrf };
    await stream.closed;
    expect((await api(elsewhere, 'GET', '/api/me')).status).toBe(401);
    expect((await api(here, 'GET', '/api/me')).status).toBe(401);
    expect((await api(now, 'GET', '/api/me')).status).toBe(200);
    expect((await signIn('pw@ngo.example', 'first password')).status).toBe(401);
    expect((await signIn('pw@ngo.example', 'second password')).status).toBe(200);
  });

  it('an admin reset sets a temporary password and ends the sessions; the account must choose its own before anything else', async () => {
    const cw = await rt.auth.createStaff({ email: 'reset@ngo.example', name: 'R', role: 'caseworker', password: 'forgotten password', languages: [] });
    const old = await signIn('reset@ngo.example', 'forgotten password');
    const admin = await signIn('admin@ngo.example', 'a long admin password');
    const r = await api(admin, 'POST', `/api/staff/${cw.id}/password`, {});
    expect(r.status).toBe(200);
    const { temporaryPassword, staff } = (await r.json()) as { temporaryPassword: string; staff: { mustChangePassword: boolean } };
    expect(temporaryPassword.length).toBeGreaterThanOrEqual(12);
    expect(staff.mustChangePassword).toBe(true);
    expect((await api(old, 'GET', '/api/me')).status).toBe(401);
    expect((await signIn('reset@ngo.example', 'forgotten password')).status).toBe(401);

    const s = await signIn('reset@ngo.example', temporaryPassword);
    expect(s.status).toBe(200);
    expect(s.body.mustChangePassword).toBe(true);
    const q = await api(s, 'GET', '/api/queue');
    expect(q.status).toBe(403);
    expect((await q.json()).error.code).toBe('PasswordChangeRequired');
    expect((await api(s, 'GET', '/api/me')).status).toBe(200);
    const ch = await api(s, 'POST', '/api/password', { current: temporaryPassword, next: 'my own new password' });
    expect(ch.status).toBe(200);
    const fresh = { cookie: (ch.headers.get('set-cookie') ?? '').split(';')[0]!, csrf: ((await ch.json()) as { csrf: string }).csrf };
    expect((await api(fresh, 'GET', '/api/queue')).status).toBe(200);

    // An admin may also give the temporary password; it follows the rules; nobody resets their own this way.
    expect((await api(admin, 'POST', `/api/staff/${cw.id}/password`, { password: 'short' })).status).toBe(400);
    const given = await api(admin, 'POST', `/api/staff/${cw.id}/password`, { password: 'given temporary pw' });
    expect(given.status).toBe(200);
    expect(await given.json()).not.toHaveProperty('temporaryPassword');
    expect((await api(admin, 'POST', `/api/staff/${adminId}/password`, {})).status).toBe(400);
    expect((await api(admin, 'POST', '/api/staff/stf_nobody/password', {})).status).toBe(404);
  });

  it('passwords are stored as salted scrypt hashes', async () => {
    const a = await rt.staff.staffByEmail('admin@ngo.example');
    expect(a!.passwordHash).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9+/=]{24}\$[A-Za-z0-9+/=]{44}$/);
    expect(a!.passwordHash).not.toContain('a long admin password');
  });
});

describe('the last admin', () => {
  it('cannot be deactivated or demoted (409); with a second admin it can', async () => {
    const admin = await signIn('admin@ngo.example', 'a long admin password');
    const admins = (await rt.staff.allStaff()).filter((s) => s.role === 'admin' && s.active);
    // Earlier tests made cw2 an admin; demote them back so that Ada is the only one.
    for (const a of admins) if (a.id !== adminId) expect((await api(admin, 'PATCH', `/api/staff/${a.id}`, { role: 'caseworker' })).status).toBe(200);
    const off = await api(admin, 'PATCH', `/api/staff/${adminId}`, { active: false });
    expect(off.status).toBe(409);
    expect((await off.json()).error.message).toMatch(/last active admin/);
    expect((await api(admin, 'PATCH', `/api/staff/${adminId}`, { role: 'caseworker' })).status).toBe(409);
    expect((await rt.staff.staffById(adminId))!).toMatchObject({ role: 'admin', active: true });

    const second = await rt.auth.createStaff({ email: 'admin2@ngo.example', name: 'B', role: 'admin', password: 'second admin pw', languages: [] });
    const b = await signIn('admin2@ngo.example', 'second admin pw');
    expect((await api(b, 'PATCH', `/api/staff/${adminId}`, { role: 'caseworker' })).status).toBe(200);
    expect((await api(b, 'PATCH', `/api/staff/${second.id}`, { active: false })).status).toBe(409);
    // Put things back for the audit test below.
    expect((await api(b, 'PATCH', `/api/staff/${adminId}`, { role: 'admin' })).status).toBe(200);
  });

  it('two admins deactivating each other at the same moment: one wins, an admin remains', async () => {
    const c = await rt.auth.createStaff({ email: 'admin3@ngo.example', name: 'C', role: 'admin', password: 'third admin pw!', languages: [] });
    const ada = await signIn('admin@ngo.example', 'a long admin password');
    const cee = await signIn('admin3@ngo.example', 'third admin pw!');
    const b = (await rt.staff.staffByEmail('admin2@ngo.example'))!;
    if (b.role === 'admin') expect((await api(ada, 'PATCH', `/api/staff/${b.id}`, { role: 'caseworker' })).status).toBe(200);
    const statuses = (
      await Promise.all([api(ada, 'PATCH', `/api/staff/${c.id}`, { active: false }), api(cee, 'PATCH', `/api/staff/${adminId}`, { active: false })])
    ).map((r) => r.status);
    // One wins; the other is refused: 409 when both changes met in the store, 401 when the winner's had already ended the loser's session.
    expect(statuses.filter((x) => x === 200)).toHaveLength(1);
    expect(statuses.filter((x) => x === 409 || x === 401)).toHaveLength(1);
    expect((await rt.staff.allStaff()).filter((s) => s.role === 'admin' && s.active)).toHaveLength(1);
    // Ada back on for the audit test below, whoever won.
    if (!(await rt.staff.staffById(adminId))!.active) await rt.staff.updateStaff(adminId, { active: true });
  });
});

describe('audit', () => {
  it('records sign-ins, failures (no password, no unknown e-mail, no address), lock-outs, password changes and resets, role changes, deactivation', async () => {
    const admin = await signIn('admin@ngo.example', 'a long admin password', newAddress());
    const r = await api(admin, 'GET', '/api/audit');
    expect(r.status).toBe(200);
    const entries = ((await r.json()) as { audit: { staffId?: string; action: string }[] }).audit;
    const actions = entries.map((e) => e.action);
    const has = (re: RegExp) =>
      expect(
        actions.some((a) => re.test(a)),
        String(re),
      ).toBe(true);
    has(/^sign-in addr=\S{10}$/);
    has(/^sign-in-failed addr=\S{10}$/);
    has(/^sign-in-locked scope=pair for=60s/);
    has(/^sign-in-locked scope=account/);
    has(/^sign-in-locked scope=address/);
    has(/^sign-out$/);
    has(/^password-change$/);
    has(/^password-reset:stf_\S+ via=console$/);
    has(/^staff-role:stf_\S+ caseworker->admin$/);
    has(/^staff-deactivate:stf_\S+$/);
    has(/^staff-reactivate:stf_\S+$/);
    has(/^sessions-revoked:stf_\S+ why=deactivated n=1$/);
    has(/^sessions-revoked:stf_\S+ why=role-change n=1$/);
    // Failures for an e-mail without an account carry no staff id, and nothing names it.
    expect(entries.some((e) => e.action.startsWith('sign-in-failed') && e.staffId === undefined)).toBe(true);
    const all = JSON.stringify(entries);
    for (const secret of ['guess 0', 'another guess', 'typo caseworkr', 'nobody3@ngo.example', '203.0.113', '198.51.100', 'forgotten password'])
      expect(all).not.toContain(secret);
  });
});
