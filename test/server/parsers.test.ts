/**
 * Property-based tests (fast-check) for every parser of outside input:
 * huge, empty, binary, mixed-direction, control-character and prototype-key
 * input. Each parser is total (answers, never throws) and keeps its promise.
 */
import type http from 'node:http';
import net from 'node:net';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCookie } from 'cookie';
import { loadConfig, parseTrustProxy } from '../../src/config/config.js';
import { commandOf } from '../../src/engine/payload.js';
import { bearer, TokenSigner } from '../../src/channels/webchat/tokens.js';
import { isReadableUpdate, messageEvent, topicFromStartPayload } from '../../src/channels/telegram/events.js';
import { ParsedFile } from '../../src/content/problems.js';
import { startServer, type Running } from '../../src/server/main.js';
import { clientAddress, pageCsp } from '../../src/server/security.js';
import { wellFormed, wellFormedReviver } from '../../src/util/text.js';
import { miniRoot } from '../helpers/content.js';
import { DirectLineClient } from '../webchat/dl-client.js';

const PROTO = ['__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', '__defineGetter__', 'isPrototypeOf'];
/** Text an attacker would try: binary, lone surrogates, right-to-left marks and overrides, controls, prototype keys, huge. */
const nasty = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.string({
    unit: fc.constantFrom('\u202e', '\u200f', '\u061c', '\u2066', '\ud800', '\udfff', '\u0000', '\u001b', '\r', '\n', '%', '=', ';', ',', 'a', 'ب', '😀'),
    maxLength: 60,
  }),
  fc.constantFrom(...PROTO, '', ' ', '%E0%A4%A', '%', '%%', '\u0000'.repeat(10)),
  fc.nat({ max: 200_000 }).map((n) => 'x'.repeat(n)),
);
const isWellFormed = (s: string) => !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);

describe('text at the door', () => {
  it('wellFormed: always well-formed, idempotent, and a well-formed string is unchanged', () => {
    fc.assert(
      fc.property(nasty, (s) => {
        const w = wellFormed(s);
        expect(isWellFormed(w)).toBe(true);
        expect(wellFormed(w)).toBe(w);
        expect(w.length).toBe(s.length);
        if (isWellFormed(s)) expect(w).toBe(s);
      }),
      { numRuns: 300 },
    );
  });

  it('the JSON reviver makes every string and key of any JSON well-formed and keeps prototype keys as own data', () => {
    fc.assert(
      fc.property(fc.jsonValue(), nasty, fc.constantFrom(...PROTO), (v, s, k) => {
        const text = JSON.stringify({ v, [s]: s, [k]: { [k]: s } });
        const out = JSON.parse(text, wellFormedReviver) as Record<string, unknown>;
        const strings: string[] = [];
        const walk = (x: unknown): void => {
          if (typeof x === 'string') strings.push(x);
          else if (x && typeof x === 'object') for (const [kk, vv] of Object.entries(x)) strings.push(kk), walk(vv);
        };
        walk(out);
        expect(strings.every(isWellFormed)).toBe(true);
        expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
        expect(Object.hasOwn(out, k)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});

describe('HTTP header parsers', () => {
  it('cookie: parseCookie never throws, a bad escape stays as it is, prototype names are own keys', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.oneof(nasty, fc.constantFrom(...PROTO)), nasty), { maxLength: 8 }), (pairs) => {
        const header = pairs.map(([k, v]) => `${k}=${v}`).join('; ');
        const c = parseCookie(header);
        for (const p of PROTO) if (!pairs.some(([k]) => k.trim() === p)) expect(Object.hasOwn(c, p)).toBe(false);
      }),
      { numRuns: 300 },
    );
    expect(parseCookie('lotse_staff=%E0%A4%A').lotse_staff).toBe('%E0%A4%A');
  });

  it('bearer and the token verifier: total on any header, and only a signed token of the right kind passes', () => {
    const signer = new TokenSigner(Buffer.from('a test secret of more than thirty-two characters'));
    const good = signer.sign('dl', 'c1', 'u1', 1000, 60_000);
    fc.assert(
      fc.property(nasty, fc.constantFrom('dl', 'stream', 'resume') as fc.Arbitrary<'dl' | 'stream' | 'resume'>, (s, kind) => {
        const t = bearer(`Bearer ${s}`);
        expect(bearer(s) === undefined || typeof bearer(s) === 'string').toBe(true);
        const v = signer.verify(t, kind, 2000);
        expect(v.ok).toBe(false);
        // A real token with the attacker's text spliced in anywhere is refused too.
        const i = s.length % good.length;
        const spliced = good.slice(0, i) + s + good.slice(i);
        if (spliced !== good) expect(signer.verify(spliced, 'dl', 2000).ok).toBe(false);
      }),
      { numRuns: 300 },
    );
    expect(signer.verify(good, 'dl', 2000).ok).toBe(true);
  });

  it('TRUST_PROXY: parseTrustProxy never throws and never trusts everyone', () => {
    fc.assert(
      fc.property(nasty, (s) => {
        const r = parseTrustProxy(s);
        expect(r === false || typeof r === 'number' || Array.isArray(r) || typeof (r as { error: string }).error === 'string').toBe(true);
        expect(r).not.toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('clientAddress: total on any X-Forwarded-For; without trust it is always the TCP peer', () => {
    fc.assert(
      fc.property(fc.option(nasty), fc.nat({ max: 3 }), (xff, hops) => {
        const req = { headers: xff === null ? {} : { 'x-forwarded-for': xff }, socket: { remoteAddress: '127.0.0.1' } } as unknown as http.IncomingMessage;
        expect(clientAddress(req, () => false)).toBe('127.0.0.1');
        const a = clientAddress(req, (_addr, i) => i < hops);
        expect(typeof a).toBe('string');
      }),
      { numRuns: 300 },
    );
  });

  it('pageCsp: configured origins cannot inject a directive', () => {
    fc.assert(
      fc.property(fc.array(nasty, { maxLength: 4 }), (list) => {
        const csp = pageCsp('n0nce', { config: { publicUrl: 'http://localhost:3000', WEBCHAT_ALLOWED_ORIGINS: list }, embeddable: true, chat: true });
        const names = csp.split('; ').map((d) => d.split(' ')[0]);
        expect(names).toEqual([
          'default-src',
          'script-src',
          'style-src',
          'img-src',
          'media-src',
          'font-src',
          'connect-src',
          'base-uri',
          'form-action',
          'object-src',
          'frame-ancestors',
        ]);
        expect(csp).not.toMatch(/[\r\n\0]/);
      }),
      { numRuns: 300 },
    );
  });
});

describe('message parsers', () => {
  it('web chat commands: only the six commands, never a prototype member', () => {
    fc.assert(
      fc.property(fc.oneof(nasty, fc.constantFrom(...PROTO.map((p) => `/${p}`), ...PROTO)), (s) => {
        const e = commandOf(s);
        if (e !== undefined) expect(['start', 'command']).toContain(e.kind);
      }),
      { numRuns: 300 },
    );
    for (const p of PROTO) expect(commandOf(p)).toBeUndefined();
  });

  it('Telegram: isReadableUpdate and messageEvent are total; a readable message gives a well-formed event', () => {
    const anyValue = fc.oneof(fc.jsonValue({ maxDepth: 2 }), nasty);
    fc.assert(
      fc.property(
        anyValue,
        nasty,
        fc.option(
          fc.array(fc.record({ type: fc.constantFrom('bot_command', 'bold'), offset: fc.nat({ max: 5 }), length: fc.nat({ max: 40 }) }), { maxLength: 3 }),
        ),
        (junk, text, entities) => {
          expect(typeof isReadableUpdate(junk)).toBe('boolean');
          const msg = { message_id: 1, date: 1, chat: { id: 1, type: 'private' }, text, ...(entities ? { entities } : {}) };
          expect(isReadableUpdate({ update_id: 1, message: msg })).toBe(true);
          const e = messageEvent(msg as never, 'en');
          if (e?.kind === 'text') expect(isWellFormed(e.text)).toBe(true);
          expect(topicFromStartPayload(text) === undefined || /^[A-Za-z0-9_.-]+$/.test(topicFromStartPayload(text)!)).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('content files: ParsedFile never throws, whatever the text (aliases, anchors, binary, huge)', () => {
    const yamlish = fc.oneof(
      nasty,
      fc
        .array(
          fc.constantFrom(
            'a: &a [1,2]\n',
            'b: [*a,*a,*a,*a]\n',
            '- *a\n',
            '<<: *a\n',
            '? x\n',
            'x: !!binary AAAA\n',
            '"\\ud800"\n',
            '\t- x\n',
            '%YAML 1.2\n---\n',
          ),
          { maxLength: 20 },
        )
        .map((l) => l.join('')),
    );
    fc.assert(
      fc.property(yamlish, (text) => {
        const f = new ParsedFile('content/en/x.yaml', text);
        expect(f.syntaxProblems.every((p) => p.line >= 1 && p.path === 'content/en/x.yaml')).toBe(true);
        expect(typeof f.lineOf(['a', 0, '__proto__'])).toBe('number');
      }),
      { numRuns: 200 },
    );
  });
});

// ------------------------------------------------ through the real server ---

let running: Running;
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lotse-parsers-'));
beforeAll(async () => {
  running = await startServer({
    config: loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      CONTENT_ROOT: miniRoot,
      CONTENT_WATCH: 'false',
      LOG_LEVEL: 'silent',
      WEBCHAT_RATE_PER_ADDRESS: '100000',
      WEBCHAT_RATE_PER_CONVERSATION: '100000',
    }),
  });
});
afterAll(async () => {
  await running.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('the real server on hostile input', () => {
  it('Direct Line activities: any JSON body, prototype keys included, gets 2xx or 4xx', async () => {
    const c = new DirectLineClient(running.url);
    await c.start();
    const key = fc.constantFrom(
      'type',
      'text',
      'value',
      'channelData',
      'name',
      'locale',
      'attachments',
      'clientActivityID',
      'messageBack',
      'displayText',
      'lotse',
      ...PROTO,
    );
    const activity = fc.letrec((tie) => ({
      v: fc.oneof({ depthSize: 'small' }, fc.jsonValue({ maxDepth: 1 }), nasty, fc.dictionary(key, tie('v'), { maxKeys: 5 })),
    })).v;
    await fc.assert(
      fc.asyncProperty(activity, fc.constantFrom('message', 'event', 'typing', '__proto__'), async (a, type) => {
        const body = a && typeof a === 'object' && !Array.isArray(a) ? { type, ...a } : a;
        const r = await c.req('POST', `/conversations/${c.conversationId}/activities`, JSON.stringify(body));
        expect(r.status).toBeLessThan(500);
      }),
      { numRuns: 100 },
    );
  });

  it('upgrades: any path and query gets an HTTP answer (400/403/404/...) and a closed socket, never a hang or a crash', async () => {
    const port = Number(new URL(running.url).port);
    const pathArb = fc.oneof(
      fc.stringMatching(/^[\x21-\x7e]{0,80}$/).map((s) => `/${s}`),
      fc.stringMatching(/^[\x21-\x7e]{0,40}$/).map((s) => `/v3/directline/conversations/${s}/stream?t=${s}&watermark=${s}`),
      fc.constantFrom(...PROTO).map((p) => `/v3/directline/conversations/${p}/stream?t=${p}`),
    );
    await fc.assert(
      fc.asyncProperty(pathArb, async (p) => {
        const head = await new Promise<string>((resolve, reject) => {
          const sock = net.connect(port, '127.0.0.1', () =>
            sock.write(
              `GET ${p} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`,
            ),
          );
          let got = '';
          const t = setTimeout(() => (sock.destroy(), reject(new Error(`no answer for ${p}`))), 5000);
          sock.on('data', (d) => (got += d.toString('latin1')));
          sock.on('close', () => (clearTimeout(t), resolve(got)));
          sock.on('error', () => undefined);
        });
        expect(head).toMatch(/^HTTP\/1\.1 4\d\d /);
      }),
      { numRuns: 60 },
    );
    expect((await fetch(`${running.url}/healthz`)).status).toBe(200);
  });
});
