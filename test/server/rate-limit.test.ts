/**
 * express-rate-limit with its counts behind the storage interface
 * (src/server/rate-limit.ts): two server instances on one SQLite file share
 * one count, a successful request is taken back, the answer is a JSON 429
 * with Retry-After, and the stored key is a keyed hash.
 */
import fs from 'node:fs';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addressLimitKey, limiter } from '../../src/server/rate-limit.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import { ManualClock } from '../../src/util/clock.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lotse-ratelimit-'));
const file = path.join(dir, 'lotse.sqlite');
const secret = Buffer.from('a test secret of at least thirty-two characters');
const clock = new ManualClock(Date.now());
const stores: SqliteStore[] = [];
const servers: http.Server[] = [];
const urls: string[] = [];
const limited: string[] = [];

/** One "instance": its own store connection to the shared file, its own express app and limiter. */
async function instance(name: string): Promise<string> {
  const store = new SqliteStore(file, () => clock.now());
  await store.migrate();
  stores.push(store);
  const app = express();
  app.post(
    '/try',
    limiter({
      counters: store.rateCounters(),
      prefix: 'test-login:',
      now: () => clock.now(),
      secret,
      windowMs: 60_000,
      limit: 3,
      skipSuccessfulRequests: true,
      message: 'slow down',
      onLimited: () => limited.push(name),
    }),
    (req, res) => void res.status(req.query.ok === '1' ? 200 : 401).json({ ok: req.query.ok === '1' }),
  );
  const server = await new Promise<http.Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  urls.push(await instance('a'), await instance('b'));
});
afterAll(async () => {
  for (const s of servers) await new Promise((r) => s.close(r));
  for (const s of stores) await s.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const post = (url: string, ok = false) => fetch(`${url}/try${ok ? '?ok=1' : ''}`, { method: 'POST' });

describe('express-rate-limit on RateCounters', () => {
  it('counts across instances, does not count successes, answers 429 with Retry-After, forgets after the window', async () => {
    const [a, b] = urls as [string, string];
    expect((await post(a)).status).toBe(401);
    for (let i = 0; i < 5; i++) expect((await post(b, true)).status).toBe(200); // successes are taken back
    expect((await post(b)).status).toBe(401);
    expect((await post(a)).status).toBe(401);
    const r = await post(b);
    expect(r.status).toBe(429);
    expect(await r.json()).toEqual({ error: { code: 'TooManyRequests', message: 'slow down' } });
    expect(Number(r.headers.get('retry-after'))).toBe(60);
    expect(r.headers.get('ratelimit-policy')).toMatch(/^3;w=60/);
    expect((await post(a, true)).status).toBe(429); // even a request that would succeed waits now
    expect(limited).toEqual(['b', 'a']);

    clock.advance(30_000);
    expect(Number((await post(a)).headers.get('retry-after'))).toBe(30);
    clock.advance(30_001);
    expect((await post(a)).status).toBe(401);
  });

  it('stores the count under a keyed hash of the address (IPv6 by its /56), never the address', async () => {
    const counters = stores[0]!.rateCounters();
    const key = `test-login:${addressLimitKey(secret, '127.0.0.1')}`;
    expect((await counters.get(key, clock.now()))?.n).toBe(1);
    const keys = (stores[0]!.db.prepare('SELECT key FROM webchat_rate').all() as { key: string }[]).map((k) => k.key);
    expect(keys).toEqual([key]);
    expect(keys[0]).not.toContain('127.0.0.1');
    expect(addressLimitKey(secret, '2001:db8:1:100::1')).toBe(addressLimitKey(secret, '2001:db8:1:1ff:ffff::2'));
    expect(addressLimitKey(secret, '2001:db8:1:100::1')).not.toBe(addressLimitKey(secret, '2001:db8:1:200::1'));
  });
});
