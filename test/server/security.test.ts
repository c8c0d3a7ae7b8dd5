/**
 * The trust issue, measured as an attacker would, against the real server
 * (default plugins, mini content): headers on every route, upgrades nobody
 * takes, stream caps, TRUST_PROXY, prototype keys and lone surrogates in
 * what people type.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/config.js';
import type { DirectLineServer } from '../../src/channels/webchat/directline.js';
import type { HandoffRuntime } from '../../src/handoff/plugin.js';
import { startServer, type Running } from '../../src/server/main.js';
import type { Plugin } from '../../src/server/plugin-api.js';
import { defaultPlugins } from '../../src/server/plugins.js';
import type { SqliteStore } from '../../src/store/sqlite.js';
import { miniRoot } from '../helpers/content.js';
import { DirectLineClient, openStream } from '../webchat/dl-client.js';

const NGO = 'https://ngo.example.org';
const dirs: string[] = [];
const servers: Running[] = [];

interface Started {
  running: Running;
  dl: DirectLineServer;
  handoff: HandoffRuntime;
  app: express.Express;
}

async function start(env: Record<string, string> = {}): Promise<Started> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lotse-sec-'));
  dirs.push(dataDir);
  let list: Plugin[] = [];
  let app: express.Express | undefined;
  const running = await startServer({
    config: loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      CONTENT_ROOT: miniRoot,
      CONTENT_WATCH: 'false',
      LOG_LEVEL: 'silent',
      WEBCHAT_ALLOWED_ORIGINS: NGO,
      OFFICE_HOURS: 'mo-su 00:00-24:00',
      ...env,
    }),
    plugins: (ctx) => {
      list = defaultPlugins(ctx);
      // Keeps the express app, to list every route the plugins registered.
      return [{ name: 'capture', mount: (a) => void (app = a) }, ...list];
    },
  });
  servers.push(running);
  const dl = (list.find((p) => p.name === 'webchat') as { directLine?: DirectLineServer }).directLine!;
  const handoff = (list.find((p) => p.name === 'handoff') as { runtime?: HandoffRuntime }).runtime!;
  return { running, dl, handoff, app: app! };
}

let A: Started;
beforeAll(async () => {
  A = await start();
});
afterAll(async () => {
  for (const s of servers) await s.stop();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

/** One raw HTTP exchange on a socket, resolved with what came back when the server closed it. */
function raw(port: number, request: string, waitMs = 5000): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1', () => sock.write(request));
    let text = '';
    const t = setTimeout(() => {
      sock.destroy();
      resolve({ text, closed: false });
    }, waitMs);
    sock.on('data', (d) => (text += d.toString('latin1')));
    sock.on('close', () => {
      clearTimeout(t);
      resolve({ text, closed: true });
    });
    sock.on('error', reject);
  });
}
const upgrade = (p: string, extra = '') =>
  `GET ${p} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n${extra}\r\n`;
const portOf = (r: Running) => Number(new URL(r.url).port);

// -------------------------------------------------------------- headers ---

/** Every route the default plugins serve, as a visitor reaches it. `page`: an HTML page with its own CSP. */
function routes(bundleVersion: string): { method: string; path: string; page?: 'embeddable' | 'closed'; body?: string }[] {
  return [
    { method: 'GET', path: '/healthz' },
    { method: 'GET', path: '/readyz' },
    { method: 'GET', path: '/no-such-route' },
    { method: 'GET', path: '/', page: 'embeddable' },
    { method: 'GET', path: '/?lang=ar', page: 'embeddable' },
    { method: 'GET', path: '/favicon.ico' },
    { method: 'GET', path: '/embed.js' },
    { method: 'GET', path: '/webchat/lotse-chat.js' },
    { method: 'GET', path: '/webchat/config.json' },
    { method: 'GET', path: '/webchat/origin' },
    { method: 'GET', path: '/webchat/LICENSE.txt' },
    { method: 'GET', path: `/webchat/${bundleVersion}/webchat.js` },
    { method: 'GET', path: '/webchat/0.0.0/webchat.js' },
    { method: 'POST', path: '/webchat/session', body: '{}' },
    { method: 'OPTIONS', path: '/webchat/session' },
    { method: 'GET', path: '/media/audio/hearing.en.mp3' },
    { method: 'GET', path: '/media/audio/__proto__' },
    { method: 'GET', path: '/podcasts' },
    { method: 'GET', path: '/podcasts/en/feed.xml' },
    { method: 'GET', path: '/podcasts/en/hearing/transcript', page: 'closed' },
    { method: 'GET', path: '/podcasts/en/__proto__/transcript' },
    { method: 'GET', path: '/console', page: 'closed' },
    { method: 'GET', path: '/console/console.js' },
    { method: 'GET', path: '/console/api/me' },
    { method: 'POST', path: '/console/api/login', body: '{"email":"x@y","password":"z"}' },
    { method: 'GET', path: '/console/api/events' },
    { method: 'POST', path: '/v3/directline/tokens/generate' },
    { method: 'POST', path: '/v3/directline/conversations' },
    { method: 'GET', path: '/v3/directline/conversations/x/activities' },
    { method: 'GET', path: '/v3/directline/conversations/x/stream' },
    { method: 'GET', path: '/v3/directline/no-such-route' },
  ];
}

describe('security headers', () => {
  it('every route the plugins register is in the list below (a new route must be added here)', () => {
    const stack = (A.app as unknown as { router: { stack: { route?: { path: string } }[] } }).router.stack;
    const top = stack.flatMap((l) => (l.route ? [l.route.path] : []));
    const listed = routes('V').map((r) => r.path.split('?')[0]!);
    const pattern = (p: string) => new RegExp(`^${p.replace(/:[a-z]+/g, '[^/]+')}$`);
    for (const p of top)
      expect(
        listed.some((l) => pattern(p).test(l)),
        `route ${p} has no header check`,
      ).toBe(true);
    expect(top.length).toBeGreaterThanOrEqual(14);
  });

  it('X-Content-Type-Options, Referrer-Policy and a Content-Security-Policy on every route; pages have a strict one with a nonce', async () => {
    const version = ((await (await fetch(`${A.running.url}/webchat/config.json`)).json()) as { bundle: { url: string } }).bundle.url.split('/')[2]!;
    const list = routes(version);
    expect(list.length).toBeGreaterThanOrEqual(22);
    for (const r of list) {
      const res = await fetch(`${A.running.url}${r.path}`, {
        method: r.method,
        headers: r.body ? { 'Content-Type': 'application/json' } : {},
        body: r.body,
        redirect: 'manual',
      });
      const h = (k: string) => res.headers.get(k);
      const where = `${r.method} ${r.path} (${res.status})`;
      expect(res.status, where).toBeLessThan(500);
      expect(h('x-content-type-options'), where).toBe('nosniff');
      expect(h('referrer-policy'), where).toBe('no-referrer');
      expect(h('x-powered-by'), where).toBeNull();
      expect(h('strict-transport-security'), `${where}: no HSTS over plain HTTP`).toBeNull();
      const csp = h('content-security-policy') ?? '';
      expect(csp, where).toMatch(/default-src 'none'/);
      expect(csp, where).not.toMatch(/script-src[^;]*'unsafe-(inline|eval)'/);
      if (!r.page) {
        expect(csp, where).toMatch(/frame-ancestors 'none'/);
        expect(h('x-frame-options'), where).toBe('DENY');
        continue;
      }
      const html = await res.text();
      if (r.page === 'embeddable') {
        expect(csp, where).toMatch(new RegExp(`frame-ancestors 'self' ${NGO.replace(/\./g, '\\.')}(;|$)`));
        expect(h('x-frame-options'), `${where}: frame-ancestors decides`).toBeNull();
      } else {
        expect(csp, where).toMatch(/frame-ancestors 'none'/);
      }
      // Every inline <script> carries the response's nonce (the console has none: its script is a file).
      const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
      for (const tag of html.match(/<script(?![^>]*\bsrc=)[^>]*>/g) ?? []) expect(tag, where).toContain(`nonce="${nonce}"`);
    }
  });

  it('each page response has a fresh nonce', async () => {
    const a = (await fetch(`${A.running.url}/`)).headers.get('content-security-policy');
    const b = (await fetch(`${A.running.url}/`)).headers.get('content-security-policy');
    expect(/'nonce-([^']+)'/.exec(a!)![1]).not.toBe(/'nonce-([^']+)'/.exec(b!)![1]);
  });

  it('audio may be played by the chat on an NGO site (cross-origin resource), the API may not be framed', async () => {
    const r = await fetch(`${A.running.url}/media/audio/hearing.en.mp3`);
    expect(r.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
    expect((await fetch(`${A.running.url}/healthz`)).headers.get('cross-origin-resource-policy')).toBe('same-origin');
  });

  it('HSTS is sent when PUBLIC_URL is https (and only then)', async () => {
    const S = await start({ PUBLIC_URL: 'https://lotse.example.org' });
    const r = await fetch(`${S.running.url}/healthz`);
    expect(r.headers.get('strict-transport-security')).toBe('max-age=31536000');
    // The chat page may connect to its public origin's stream.
    expect((await fetch(`${S.running.url}/`)).headers.get('content-security-policy')).toMatch(
      /connect-src 'self' https:\/\/lotse\.example\.org wss:\/\/lotse\.example\.org/,
    );
  });
});

// ------------------------------------------------------------- upgrades ---

describe('WebSocket upgrades', () => {
  it('an upgrade to an unknown path is answered 404 and closed, and 300 of them leave nothing open', async () => {
    const connections = () => new Promise<number>((r) => A.running.server.getConnections((_e, n) => r(n)));
    const before = await connections();
    const one = await raw(portOf(A.running), upgrade('/no/such/socket'));
    expect(one.text.split('\r\n')[0]).toBe('HTTP/1.1 404 Not Found');
    expect(one.closed).toBe(true);
    const under = await raw(portOf(A.running), upgrade('/v3/directline/conversations/x/other'));
    expect(under.text.split('\r\n')[0]).toBe('HTTP/1.1 404 Not Found');
    expect(under.closed).toBe(true);

    const results = await Promise.all(Array.from({ length: 300 }, (_, i) => raw(portOf(A.running), upgrade(`/unknown/${i}`))));
    expect(results.every((r) => r.closed && r.text.startsWith('HTTP/1.1 404'))).toBe(true);
    expect(await connections()).toBeLessThanOrEqual(before);
    expect((await fetch(`${A.running.url}/healthz`)).status).toBe(200);
  });

  it('caps open streams per conversation: the fifth socket on one token is refused with 429, the first four keep working', async () => {
    const c = new DirectLineClient(A.running.url);
    const { streamUrl } = await c.start();
    const streams = [];
    for (let i = 0; i < 4; i++) streams.push(await openStream(streamUrl));
    await expect(openStream(streamUrl)).rejects.toMatchObject({ status: 429 });
    const many = await Promise.allSettled(Array.from({ length: 50 }, () => openStream(streamUrl)));
    expect(many.every((r) => r.status === 'rejected')).toBe(true);
    expect(A.dl.openSockets()).toBeGreaterThanOrEqual(4);
    // One closes: a new one may open.
    streams.pop()!.ws.close();
    await new Promise((r) => setTimeout(r, 200));
    streams.push(await openStream(streamUrl));
    await c.post({ type: 'message', text: 'hello' });
    for (const s of streams) await s.waitFor((acts) => acts.some((a) => a.text === 'hello'));
    for (const s of streams) s.ws.close();
  });

  it('caps open streams per address', async () => {
    const S = await start({ WEBCHAT_MAX_STREAMS_PER_ADDRESS: '3' });
    const open = [];
    for (let i = 0; i < 3; i++) {
      const c = new DirectLineClient(S.running.url);
      open.push(await openStream((await c.start()).streamUrl));
    }
    const d = new DirectLineClient(S.running.url);
    await expect(openStream((await d.start()).streamUrl)).rejects.toMatchObject({ status: 429 });
    for (const s of open) s.ws.close();
  });
});

// ---------------------------------------------------------- trust proxy ---

describe('TRUST_PROXY', () => {
  it('is off by default: X-Forwarded-For from loopback does not buy a fresh address limit', async () => {
    const S = await start({ WEBCHAT_RATE_PER_ADDRESS: '2' });
    const gen = (xff: string) =>
      fetch(`${S.running.url}/v3/directline/tokens/generate`, { method: 'POST', headers: { 'X-Forwarded-For': xff } }).then((r) => r.status);
    expect([await gen('198.51.100.1'), await gen('198.51.100.2'), await gen('198.51.100.3')]).toEqual([200, 200, 429]);
  });

  it('with TRUST_PROXY=loopback, visitors behind a proxy on this host each have their own limit', async () => {
    const S = await start({ WEBCHAT_RATE_PER_ADDRESS: '2', TRUST_PROXY: 'loopback' });
    const gen = (xff: string) =>
      fetch(`${S.running.url}/v3/directline/tokens/generate`, { method: 'POST', headers: { 'X-Forwarded-For': xff } }).then((r) => r.status);
    expect([await gen('198.51.100.1'), await gen('198.51.100.2'), await gen('198.51.100.3'), await gen('198.51.100.3'), await gen('198.51.100.3')]).toEqual([
      200, 200, 200, 200, 429,
    ]);
  });

  it('accepts hop counts, addresses and ranges; refuses "true" and nonsense with a message naming it', () => {
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '1' }).trustProxy).toBe(1);
    expect(loadConfig({ TRUST_PROXY: 'loopback, 172.18.0.0/16, ::1' }).trustProxy).toEqual(['loopback', '172.18.0.0/16', '::1']);
    expect(() => loadConfig({ TRUST_PROXY: 'true' })).toThrow(ConfigError);
    expect(() => loadConfig({ TRUST_PROXY: 'true' })).toThrow(/TRUST_PROXY: trusting every hop/);
    expect(() => loadConfig({ TRUST_PROXY: '10.0.0.0/33' })).toThrow(/TRUST_PROXY/);
    expect(() => loadConfig({ TRUST_PROXY: 'proxy.internal' })).toThrow(/TRUST_PROXY/);
  });
});

// --------------------------------------------------------- typed words ---

const bot = (acts: { from?: { role?: string } }[]) => acts.some((a) => a.from?.role === 'bot');

describe('what a person types', () => {
  it('"__proto__" and "constructor" get a normal answer', async () => {
    for (const word of ['__proto__', 'constructor', 'hasOwnProperty', '/__proto__']) {
      const c = new DirectLineClient(A.running.url);
      await c.start();
      await c.post({ type: 'event', name: 'webchat/join', value: { lang: 'en' } });
      await c.pollUntil(bot);
      await A.dl.idle();
      await c.poll();
      expect((await c.post({ type: 'message', text: word })).status).toBe(200);
      const after = await c.pollUntil(bot);
      expect(after.filter((a) => a.from?.role === 'bot' && a.type === 'message').length, word).toBeGreaterThan(0);
    }
  });

  it('inside a handoff, "__proto__" and "constructor" are relayed to the caseworker', async () => {
    const c = new DirectLineClient(A.running.url);
    await c.start();
    await c.post({ type: 'event', name: 'webchat/join', value: { lang: 'en' } });
    await c.pollUntil(bot);
    await c.post({ type: 'message', value: { lotse: 'l:en' } });
    await A.dl.idle();
    await c.post({ type: 'message', value: { lotse: 'n:human' } });
    await A.dl.idle();
    const h = (await A.handoff.hs.open()).find((x) => x.ref.conversationId === c.conversationId);
    expect(h, 'a handoff was opened').toBeDefined();
    for (const word of ['__proto__', 'constructor']) {
      await c.post({ type: 'message', text: word });
      await A.dl.idle();
    }
    const texts = (await A.handoff.hs.messages(h!.id)).map((m) => m.text);
    expect(texts).toEqual(expect.arrayContaining(['__proto__', 'constructor']));
  });

  it('lone surrogates are replaced with U+FFFD before anything is stored', async () => {
    const c = new DirectLineClient(A.running.url);
    await c.start();
    // Raw JSON: JSON.stringify would keep the escapes as they are.
    const r = await c.req(
      'POST',
      `/conversations/${c.conversationId}/activities`,
      '{"type":"message","text":"a\\ud800b \\udfff c \\ud83d\\ude00","channelData":{"clientActivityID":"\\udc00x"}}',
    );
    expect(r.status).toBe(200);
    const [echo] = await c.pollUntil((acts) => acts.length > 0);
    expect(echo!.text).toBe('a\uFFFDb \uFFFD c 😀');
    expect(echo!.channelData).toEqual({ clientActivityID: '\uFFFDx' });
    const db = (A.running.ctx.store as SqliteStore).db;
    const rows = db.prepare('SELECT activity FROM webchat_activities WHERE conversation_id = ?').all(c.conversationId) as { activity: string }[];
    for (const row of rows) expect(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(row.activity)).toBe(false);
    expect(rows[0]!.activity).toContain('a\uFFFDb');
  });
});

describe('podcast routes and prototype keys', () => {
  it('answers 404, not 500, for __proto__, constructor and friends in the path', async () => {
    for (const p of [
      '/podcasts/en/__proto__/transcript',
      '/podcasts/en/constructor/transcript',
      '/podcasts/__proto__/hearing/transcript',
      '/podcasts/constructor/feed.xml',
      '/podcasts/__proto__/feed.xml',
      '/media/audio/__proto__',
      '/media/audio/constructor',
    ])
      expect((await fetch(`${A.running.url}${p}`)).status, p).toBe(404);
  });
});
