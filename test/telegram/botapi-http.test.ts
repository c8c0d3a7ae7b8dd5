/**
 * What one Telegram update costs on the wire (issue 17.1), through the real server and content
 * against the Bot API stand-in: the Bot API calls of a typical turn, the connections they take
 * (kept alive, not one per call), and the webhook request read without express.json (the secret
 * before the body, a lone surrogate made well-formed). Then the HTTP client itself
 * (src/channels/telegram/http.ts) against a real server on loopback: abort, a body that is not
 * JSON, a compressed answer, an upload streamed as multipart.
 */
import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { botApiFetch } from '../../src/channels/telegram/http.js';
import { pseudonym } from '../../src/channels/telegram/ids.js';
import { readUpdateBody, WEBHOOK_PATH } from '../../src/channels/telegram/plugin.js';
import { buttonData, parseTelegramHtml, TelegramStandIn } from './standin.js';
import { handledTurn, startLotse, type Lotse } from './lotse.js';

let api: TelegramStandIn;
let lotse: Lotse;
beforeAll(async () => {
  api = await new TelegramStandIn().start();
  lotse = await startLotse({ TELEGRAM_BOT_TOKEN: api.token, TELEGRAM_API_ROOT: api.url, TELEGRAM_MODE: 'webhook' });
  api.webhookOrigin = lotse.running.url;
  await lotse.tg.booted;
});
afterAll(async () => {
  await lotse?.stop();
  await api?.stop();
});

const turn = (send: () => Promise<{ status?: number }>) => handledTurn(lotse, send);
/** The Bot API methods called while `fn` ran. */
async function callsDuring(fn: () => Promise<unknown>): Promise<string[]> {
  const before = api.calls.length;
  await fn();
  return api.calls.slice(before).map((c) => c.method);
}

describe('Bot API calls of an update', () => {
  it('a typed question: its answer and "Was this helpful?" and nothing else; a press: the answer to the query, the reply, the pressed keyboard (in the webhook answer)', async () => {
    const chat = 7701;
    await turn(() => api.text(chat, '/start', 'en'));
    await turn(() => api.press(chat, '=l:en'));
    expect(await callsDuring(() => turn(() => api.text(chat, 'can I bring my own interpreter')))).toEqual(['sendMessage', 'sendMessage']);
    const question = api.messages(chat).at(-1)!;
    const before = api.calls.length;
    const calls = await callsDuring(() => turn(() => api.press(chat, buttonData(api.messages(chat), 'Yes'))));
    // The spinner is stopped at once (before the turn), the keyboard marked after the reply.
    expect(calls[0]).toBe('answerCallbackQuery');
    expect(calls.at(-1)).toBe('editMessageReplyMarkup');
    expect(calls.filter((m) => m === 'sendMessage').length).toBeGreaterThanOrEqual(1);
    expect(calls.length).toBe(2 + calls.filter((m) => m === 'sendMessage').length);
    // The edit rode on the answer to Telegram's webhook request: one HTTP request fewer per press.
    const made = api.calls.slice(before);
    expect(made.filter((c) => c.webhookReply).map((c) => [c.method, c.status])).toEqual([['editMessageReplyMarkup', 200]]);
    expect(question.buttons.map((r) => r.map((b) => b.text))).toEqual([['✓ Yes']]);
  });

  it('the calls of many updates share a few kept-alive connections, not one each', async () => {
    const chat = 7702;
    await turn(() => api.text(chat, '/start', 'en'));
    await turn(() => api.press(chat, '=l:en'));
    const connections = api.connections;
    const calls = api.calls.length;
    for (let i = 0; i < 10; i++) await turn(() => api.text(chat, i % 2 ? '/menu' : 'where can I see a doctor'));
    expect(api.calls.length - calls).toBeGreaterThanOrEqual(10);
    expect(api.connections - connections).toBeLessThanOrEqual(1);
  });
});

describe('the webhook request, read without express.json', () => {
  const post = (body: string, headers: Record<string, string>) =>
    fetch(`${lotse.running.url}${WEBHOOK_PATH}`, { method: 'POST', headers, body }).then(async (r) => ({
      status: r.status,
      type: r.headers.get('content-type'),
      body: await r.text(),
    }));

  it('the secret is checked before the body: a wrong secret gets 401 whatever is sent; the answers are JSON', async () => {
    for (const body of ['{"update_id": 5, "message": ', 'x'.repeat(2 * 1024 * 1024), JSON.stringify({ update_id: 990300 })]) {
      const r = await post(body, { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': 'wrong' });
      expect(r.status).toBe(401);
      expect(JSON.parse(r.body)).toEqual({ ok: false, error: 'unauthorized' });
    }
    const ok = { 'x-telegram-bot-api-secret-token': api.webhook!.secret! };
    // Not JSON by its type: not an update (as when express.json left the body alone).
    expect((await post(JSON.stringify({ update_id: 990301 }), { ...ok, 'content-type': 'text/plain' })).status).toBe(400);
    const done = await post(JSON.stringify({ update_id: 990302 }), { ...ok, 'content-type': 'application/json; charset=utf-8' });
    expect(done.status).toBe(200);
    expect(done.type).toMatch(/^application\/json/);
    expect(JSON.parse(done.body)).toEqual({ ok: true });
  });

  it('a lone surrogate escaped in the JSON reaches the bot well-formed, and the person gets an answer', async () => {
    const chat = 7703;
    await turn(() => api.text(chat, '/start', 'en'));
    await turn(() => api.press(chat, '=l:en'));
    const before = api.messages(chat).length;
    const status = await turn(() => api.text(chat, 'where can I see a doctor \ud800'));
    expect(status).toBe(200);
    const replies = api.messages(chat).slice(before);
    expect(replies.length).toBeGreaterThan(0);
    // No lone surrogate anywhere in what went out (a paired one is an emoji, fine).
    for (const m of replies) expect(parseTelegramHtml(m.text)).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/);
  });
});

describe('readUpdateBody', () => {
  it('parses the JSON, replaces a lone surrogate escaped in it, keeps a pair; refuses what express.json refused', async () => {
    const server = http.createServer(async (req, res) => {
      const r = await readUpdateBody(req as unknown as Parameters<typeof readUpdateBody>[0], 1000);
      res.end(JSON.stringify(typeof r === 'number' ? { status: r } : { body: r }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const at = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const send = (body: string, type = 'application/json', extra: Record<string, string> = {}) =>
      fetch(at, { method: 'POST', headers: { 'content-type': type, ...extra }, body }).then((r) => r.json() as Promise<{ status?: number; body?: unknown }>);
    try {
      expect(await send('{"update_id":1,"message":{"text":"a\\ud800b","x\\udfff":1}}')).toEqual({
        body: { update_id: 1, message: { text: 'a\ufffdb', 'x\ufffd': 1 } },
      });
      expect(await send('{"text":"\\ud83d\\ude00"}')).toEqual({ body: { text: '😀' } });
      expect(await send('{"update_id":2}', 'application/json; charset=utf-8')).toEqual({ body: { update_id: 2 } });
      expect(await send('{"update_id": 5, "message": ')).toEqual({ status: 400 });
      expect(await send('{"update_id":3}', 'text/plain')).toEqual({ status: 400 });
      expect(await send(JSON.stringify({ t: 'x'.repeat(2000) }))).toEqual({ status: 413 });
      expect(await send('{"update_id":4}', 'application/json', { 'content-encoding': 'gzip' })).toEqual({ status: 415 });
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});

describe('the Bot API client (http.ts)', () => {
  let server: http.Server;
  let url = '';
  const seen: { method?: string; type?: string; body: string }[] = [];
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        seen.push({ method: req.method, type: req.headers['content-type'], body });
        if (req.url === '/slow') return void setTimeout(() => res.end('{"ok":true,"result":1}'), 5000);
        if (req.url === '/html') return void res.writeHead(502, { 'content-type': 'text/html' }).end('<html>Bad Gateway</html>');
        if (req.url === '/gzip') return void res.writeHead(200, { 'content-encoding': 'gzip' }).end(zlib.gzipSync('{"ok":true,"result":"zipped"}'));
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, result: { echo: body.length } }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('sends the JSON body and reads the answer; an abort rejects at once; a body that is not JSON rejects in json(), with its status', async () => {
    const fetch = botApiFetch();
    try {
      const r = await fetch(`${url}/json`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"chat_id":1}' });
      expect(r.ok).toBe(true);
      expect(await r.json()).toEqual({ ok: true, result: { echo: 13 } });
      expect(seen.at(-1)).toEqual({ method: 'POST', type: 'application/json', body: '{"chat_id":1}' });

      const abort = new AbortController();
      const t0 = Date.now();
      const slow = fetch(`${url}/slow`, { method: 'POST', body: '{}', signal: abort.signal });
      setTimeout(() => abort.abort(), 50);
      await expect(slow).rejects.toMatchObject({ name: 'AbortError' });
      expect(Date.now() - t0).toBeLessThan(2000);
      await expect(fetch(`${url}/json`, { signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' });

      const html = await fetch(`${url}/html`, { method: 'POST', body: '{}' });
      expect(html.status).toBe(502);
      expect(html.ok).toBe(false);
      await expect(html.json()).rejects.toThrow();

      expect(await (await fetch(`${url}/gzip`, { method: 'POST', body: '{}' })).json()).toEqual({ ok: true, result: 'zipped' });
    } finally {
      fetch.close();
    }
  });

  it('streams an upload body (multipart, as grammY builds it) and keeps one connection for calls one after another', async () => {
    const fetch = botApiFetch();
    let connections = 0;
    const count = () => connections++;
    server.on('connection', count);
    try {
      const parts = ['--b\r\n', 'Content-Disposition: form-data; name="audio"; filename="a.mp3"\r\n\r\n', 'x'.repeat(100_000), '\r\n--b--\r\n'];
      const r = await fetch(`${url}/upload`, { method: 'POST', headers: { 'content-type': 'multipart/form-data; boundary=b' }, body: Readable.from(parts) });
      expect(await r.json()).toEqual({ ok: true, result: { echo: parts.join('').length } });
      for (let i = 0; i < 5; i++) await (await fetch(`${url}/json`, { method: 'POST', body: '{}' })).json();
      expect(connections).toBe(1);
    } finally {
      server.off('connection', count);
      fetch.close();
    }
  });
});

describe('pseudonym, remembered', () => {
  it('is the HMAC of the chat id under the secret, the same from memory, and another under another secret', () => {
    const a = Buffer.from('secret-a-secret-a-secret-a-secret-a');
    const b = Buffer.from('secret-b-secret-b-secret-b-secret-b');
    const hmac = (s: Buffer, chat: number) => `tg_${createHmac('sha256', s).update(`telegram:chat:${chat}`).digest('base64url').slice(0, 32)}`;
    for (let i = 0; i < 3; i++) {
      expect(pseudonym(a, 42)).toBe(hmac(a, 42));
      expect(pseudonym(a, '42')).toBe(hmac(a, 42));
      expect(pseudonym(b, 42)).toBe(hmac(b, 42));
    }
    expect(pseudonym(a, 42)).not.toBe(pseudonym(b, 42));
    // Past the bound it starts again, still right.
    for (let chat = 0; chat < 10_050; chat++) pseudonym(a, chat);
    expect(pseudonym(a, 7)).toBe(hmac(a, 7));
  });
});
