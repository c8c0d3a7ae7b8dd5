import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/config.js';
import { startServer, type Running } from '../../src/server/main.js';
import { miniRoot, repoRoot } from '../helpers/content.js';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lotse-server-'));
let running: Running;

beforeAll(async () => {
  running = await startServer({
    config: loadConfig({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, CONTENT_ROOT: miniRoot, CONTENT_WATCH: 'false', LOG_LEVEL: 'silent' }),
  });
});
afterAll(async () => {
  await running?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('configuration', () => {
  it('has defaults: port 3000 and ./data', () => {
    const c = loadConfig({});
    expect(c.PORT).toBe(3000);
    expect(c.dataDir).toBe(path.resolve('./data'));
  });
  it('a malformed value stops start-up with a message naming the variable', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(ConfigError);
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT/);
    // A Telegram webhook needs an address Telegram can reach over HTTPS.
    expect(() => loadConfig({ TELEGRAM_BOT_TOKEN: '1:x', TELEGRAM_MODE: 'webhook' })).toThrow(/PUBLIC_URL: required/);
    expect(() => loadConfig({ TELEGRAM_BOT_TOKEN: '1:x', TELEGRAM_MODE: 'webhook', PUBLIC_URL: 'http://lotse.example.org' })).toThrow(
      /only sends webhooks to https/,
    );
    expect(
      loadConfig({ TELEGRAM_BOT_TOKEN: '1:x', TELEGRAM_MODE: 'webhook', PUBLIC_URL: 'http://lotse.internal', TELEGRAM_API_ROOT: 'http://127.0.0.1:8081' })
        .publicUrl,
    ).toBe('http://lotse.internal');
    expect(() => loadConfig({ TELEGRAM_BOT_TOKEN: 'not-a-token' })).toThrow(/TELEGRAM_BOT_TOKEN/);
    expect(() => loadConfig({ LOTSE_SECRET: 'short' })).toThrow(/LOTSE_SECRET: must be at least 32 characters/);
  });
});

describe('server skeleton', () => {
  it('serves /healthz and /readyz with the content version', async () => {
    const h = await fetch(`${running.url}/healthz`);
    expect(h.status).toBe(200);
    expect(await h.json()).toMatchObject({ ok: true, content: running.ctx.content.current().pack.version });
    const r = await fetch(`${running.url}/readyz`);
    expect(r.status).toBe(200);
    const body = (await r.json()) as { checks: Record<string, boolean> };
    expect(body).toMatchObject({ ok: true, checks: { store: true } });
    // No TELEGRAM_BOT_TOKEN here: Telegram is not reported as ready, it is not reported at all.
    expect(Object.keys(body.checks)).not.toContain('telegram');
  });
  it('creates the SQLite file and a secret under DATA_DIR on first start', () => {
    expect(fs.existsSync(path.join(dataDir, 'lotse.sqlite'))).toBe(true);
    expect(fs.statSync(path.join(dataDir, 'secret')).mode & 0o777).toBe(0o600);
  });
  it('answers unknown routes with a JSON 404', async () => {
    const r = await fetch(`${running.url}/nope`);
    expect(r.status).toBe(404);
    expect(await r.json()).toEqual({ error: { code: 'NotFound', message: 'not found' } });
  });
  it('serves declared audio with type, length and byte ranges, and nothing else', async () => {
    const full = await fetch(`${running.url}/media/audio/hearing.en.mp3`);
    const size = fs.statSync(path.join(miniRoot, 'content/audio/hearing.en.mp3')).size;
    expect(full.headers.get('content-type')).toBe('audio/mpeg');
    expect(Number(full.headers.get('content-length'))).toBe(size);
    const part = await fetch(`${running.url}/media/audio/hearing.en.mp3`, { headers: { Range: 'bytes=0-3' } });
    expect(part.status).toBe(206);
    expect(await part.text()).toBe('ID3f');
    expect((await fetch(`${running.url}/media/audio/..%2F..%2Fpackage.json`)).status).toBe(404);
    expect((await fetch(`${running.url}/media/audio/other.mp3`)).status).toBe(404);
  });
});

describe('process', () => {
  it('`npm start`-style start-up stops gracefully on SIGTERM', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lotse-proc-'));
    const child = spawn(process.execPath, [path.join(repoRoot, 'src/cli/lotse.mjs'), 'serve'], {
      env: { ...process.env, PORT: '0', HOST: '127.0.0.1', DATA_DIR: dir, CONTENT_ROOT: miniRoot, CONTENT_WATCH: 'false', LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /"url":"([^"]+)"/.exec(out);
        if (m) resolve(m[1]!);
      });
      child.on('exit', (c) => reject(new Error(`exited ${c}: ${out}`)));
    });
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const code = await new Promise<number | null>((resolve) => {
      child.on('exit', (c) => resolve(c));
      child.kill('SIGTERM');
    });
    expect(code).toBe(0);
    const lines = out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { msg: string; level: string });
    expect(lines.map((l) => l.msg)).toEqual(expect.arrayContaining(['lotse started', 'shutting down', 'stopped']));
    fs.rmSync(dir, { recursive: true, force: true });
  });
  it('a malformed variable stops start-up with a message naming it', async () => {
    const child = spawn(process.execPath, [path.join(repoRoot, 'src/cli/lotse.mjs'), 'serve'], {
      env: { ...process.env, PORT: 'abc' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((r) => child.on('exit', r));
    expect(code).toBe(1);
    expect(err).toContain('PORT');
  });
});
