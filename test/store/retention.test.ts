/**
 * Retention is enforced, not promised: each kind of record goes when its time
 * is up (PRIVACY.md), client addresses are stored only as keyed hashes, and
 * the database files are readable by the server's user only.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { handoffPlugin, type HandoffRuntime } from '../../src/handoff/plugin.js';
import { housekeep, type Running, startServer } from '../../src/server/main.js';
import { addressLimitKey } from '../../src/server/rate-limit.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import { ManualClock } from '../../src/util/clock.js';
import { addressKey, keyedHash } from '../../src/util/keyed-hash.js';
import { createLogger } from '../../src/util/logger.js';
import { miniRoot } from '../helpers/content.js';

const DAY = 86_400_000;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lotse-retention-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const silent = createLogger('silent');
const mode = (f: string) => fs.statSync(f).mode & 0o777;

// Retention of each record kind in the store itself is part of the store contract (contract.ts), run on SQLite and PostgreSQL.
describe('retention in the SQLite file', () => {
  it('creates the database file with mode 0600 and tightens an existing one (and its write-ahead log) at start', async () => {
    const file = path.join(dir, 'mode', 'lotse.sqlite');
    let s = new SqliteStore(file);
    await s.migrate();
    await s.putSession({ ref: { channel: 'cli', conversationId: 'x' }, state: {}, updatedAt: 1 });
    expect(mode(file)).toBe(0o600);
    expect(mode(`${file}-wal`)).toBe(0o600);
    fs.chmodSync(file, 0o644);
    fs.chmodSync(`${file}-wal`, 0o644);
    s.db.close();
    s = new SqliteStore(file);
    expect(mode(file)).toBe(0o600);
    if (fs.existsSync(`${file}-wal`)) expect(mode(`${file}-wal`)).toBe(0o600);
    await s.close();
  });
});

describe('retention and keyed hashes on a running server', () => {
  let running: Running | undefined;
  afterEach(async () => {
    await running?.stop();
    running = undefined;
  });

  async function start(clock: ManualClock, plugins: 'handoff' | 'default') {
    const dataDir = fs.mkdtempSync(path.join(dir, 'srv-'));
    const plugin = handoffPlugin({ sweepMs: 3_600_000 });
    running = await startServer({
      config: loadConfig({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, CONTENT_ROOT: miniRoot, CONTENT_WATCH: 'false', LOG_LEVEL: 'silent' }),
      clock,
      ...(plugins === 'handoff' ? { plugins: () => [plugin] } : {}),
    });
    return { running, rt: plugin.runtime as HandoffRuntime | undefined, file: path.join(dataDir, 'lotse.sqlite') };
  }

  it('caps the remembered exchanges of a live session to 7 days', async () => {
    const clock = new ManualClock();
    const { running } = await start(clock, 'handoff');
    const ref = { channel: 'cli', conversationId: 'p1' };
    await running.ctx.bot.handle(ref, { kind: 'start' });
    await running.ctx.bot.handle(ref, { kind: 'text', text: 'my old secret text 0660 1234567' });
    clock.advance(8 * DAY);
    await running.ctx.bot.handle(ref, { kind: 'text', text: 'hello again' });
    const state = (await running.ctx.store.getSession(ref))?.state as { recent?: { text: string; at: number }[] } | undefined;
    const recent = state?.recent ?? [];
    expect(recent.length).toBeGreaterThan(0);
    expect(recent.every((r) => r.at > clock.now() - 7 * DAY)).toBe(true);
    expect(recent.map((r) => r.text).join('\n')).not.toContain('old secret');
  });

  it('the handoff sweep deletes expired staff sign-in sessions', async () => {
    const clock = new ManualClock();
    const { rt, file } = await start(clock, 'handoff');
    const s = await rt!.auth.createStaff({ email: 'a@ngo.example', name: 'A', role: 'admin', password: 'correct horse battery' });
    await rt!.staff.insertSession('expired', s.id, 'c', clock.now() - 1, clock.now() - 13 * 3_600_000);
    await rt!.staff.insertSession('live', s.id, 'c', clock.now() + 3_600_000, clock.now());
    await rt!.service.sweep();
    const db = new SqliteStore(file);
    expect((db.db.prepare('SELECT token_hash FROM staff_sessions').all() as { token_hash: string }[]).map((r) => r.token_hash)).toEqual(['live']);
    db.db.close();
  });

  it('sign-in counters are keyed by an HMAC of the address under the server secret, never the address or its plain hash', async () => {
    const clock = new ManualClock(Date.now());
    const { running, rt, file } = await start(clock, 'handoff');
    // The backoff per (account, address) pair, in the keyed records.
    await expect(rt!.auth.signIn('nobody@ngo.example', 'wrong password!', '203.0.113.7')).rejects.toThrow();
    const keys = (await running.ctx.store.kvList('login-backoff')).map((r) => r.key);
    const plain = createHash('sha256').update('203.0.113.7').digest('hex');
    expect(keys).toContain(`${keyedHash(running.ctx.secret, 'login-acct', 'nobody@ngo.example')}:${keyedHash(running.ctx.secret, 'login-ip', '203.0.113.7')}`);
    // The limit per address over all accounts (express-rate-limit's counts, in the shared counters).
    const r = await fetch(`${running.url}/console/api/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email: 'nobody@ngo.example', password: 'wrong password!' }),
    });
    expect(r.status).toBe(401);
    const db = new SqliteStore(file);
    const counters = (db.db.prepare('SELECT key FROM webchat_rate').all() as { key: string }[]).map((k) => k.key);
    db.db.close();
    expect(counters).toContain(`staff-login-ip:${addressLimitKey(running.ctx.secret, '127.0.0.1')}`);
    for (const k of [...keys, ...counters]) {
      expect(k).not.toContain('203.0.113.7');
      expect(k).not.toContain('127.0.0.1');
      expect(k).not.toContain(plain);
      expect(k).not.toContain('nobody');
    }
  });

  it('staff sessions idle longer than STAFF_IDLE_MINUTES are swept, and a quiet sign-in backoff record expires', async () => {
    const clock = new ManualClock();
    const { running, rt, file } = await start(clock, 'handoff');
    const s = await rt!.auth.createStaff({ email: 'b@ngo.example', name: 'B', role: 'caseworker', password: 'correct horse battery' });
    await rt!.staff.insertSession('idle', s.id, 'c', clock.now() + 11 * 3_600_000, clock.now() - 31 * 60_000);
    await rt!.staff.insertSession('recent', s.id, 'c', clock.now() + 11 * 3_600_000, clock.now() - 29 * 60_000);
    expect(await rt!.auth.sweepSessions()).toBe(1);
    const db = new SqliteStore(file);
    expect((db.db.prepare('SELECT token_hash FROM staff_sessions').all() as { token_hash: string }[]).map((r) => r.token_hash)).toEqual(['recent']);
    db.db.close();
    await expect(rt!.auth.signIn('b@ngo.example', 'wrong password!', '203.0.113.8')).rejects.toThrow();
    expect(await running.ctx.store.kvList('login-backoff')).toHaveLength(1);
    clock.advance(16 * 60_000);
    await housekeep(running.ctx.store, running.ctx.config, clock, silent);
    expect(await running.ctx.store.kvList('login-backoff')).toEqual([]);
  });

  it('web chat rate-limit keys are keyed hashes of the address', async () => {
    const clock = new ManualClock(Date.now());
    const { running, file } = await start(clock, 'default');
    const r = await fetch(`${running.url}/v3/directline/tokens/generate`, { method: 'POST' });
    expect(r.status).toBe(200);
    const db = new SqliteStore(file);
    const keys = (db.db.prepare('SELECT key FROM webchat_rate').all() as { key: string }[]).map((k) => k.key);
    db.db.close();
    expect(keys.length).toBeGreaterThan(0);
    const addrKeys = keys.filter((k) => k.startsWith('addr:'));
    expect(addrKeys.length).toBeGreaterThan(0);
    for (const k of keys) expect(k).not.toMatch(/127\.0\.0\.1|::1|::ffff/);
    expect([addressKey(running.ctx.secret, '127.0.0.1'), addressKey(running.ctx.secret, '::ffff:127.0.0.1')]).toContain(addrKeys[0]);
  });
});
