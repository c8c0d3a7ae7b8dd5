/**
 * The HTTP client of the Bot API calls (grammY's `client.fetch`): node:http / node:https on one
 * keep-alive agent per API root, the answer read whole and handed to grammY as `json()`.
 *
 * Why not grammY's default (node-fetch 2 on the same kind of agent): it wraps every call in a
 * Request, Headers, a Body on a PassThrough stream and a Response, for a JSON answer of a few
 * hundred bytes; with two Bot API calls per update that was about a tenth of the server's CPU
 * per Telegram update (perf, issue 17.1). This does what grammY needs of `fetch` and no more:
 *  - the method, headers and body grammY gives (a JSON string, or the multipart stream of an
 *    upload, piped as it is produced);
 *  - `signal`: an abort (grammY's timeout, the server stopping) destroys the request, which
 *    rejects; grammY turns a rejection into an HttpError, so auto-retry sees what it saw before;
 *  - the answer: `status`, `statusText`, `ok`, `json()` (rejects on a body that is not JSON, e.g. a
 *    proxy's HTML error page: an HttpError again, as with node-fetch); a gzip/deflate/br body is
 *    decompressed, though none is asked for (no Accept-Encoding: the answers are small and
 *    loopback or TLS, and inflating them costs more than the bytes).
 * The connection count stays at a few per instance (keep-alive); test/telegram/http.test.ts.
 */
import http from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import zlib from 'node:zlib';

export interface FetchInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer | Readable;
  signal?: { aborted: boolean; addEventListener(t: 'abort', f: () => void): void; removeEventListener(t: 'abort', f: () => void): void } | null;
}

export interface FetchAnswer {
  status: number;
  statusText: string;
  ok: boolean;
  json(): Promise<unknown>;
  text(): Promise<string>;
}

export type BotApiFetch = (url: string, init?: FetchInit) => Promise<FetchAnswer>;

function abortError(): Error {
  const err = new Error('The operation was aborted.');
  err.name = 'AbortError';
  return err;
}

/** A fetch for grammY's ApiClient, with its own keep-alive agent (closed by `close`). */
export function botApiFetch(): BotApiFetch & { close(): void; agents: { http: http.Agent; https: https.Agent } } {
  const agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };
  const fetch = (url: string, init: FetchInit = {}): Promise<FetchAnswer> =>
    new Promise<FetchAnswer>((resolve, reject) => {
      const { signal } = init;
      if (signal?.aborted) return reject(abortError());
      const secure = url.startsWith('https:');
      let settled = false;
      const onAbort = () => req.destroy(abortError());
      const done = (err: unknown, answer?: FetchAnswer) => {
        if (settled) return;
        settled = true;
        signal?.removeEventListener('abort', onAbort);
        if (err) reject(err);
        else resolve(answer!);
      };
      const req = (secure ? https : http).request(
        url,
        { method: init.method ?? 'GET', headers: init.headers, agent: secure ? agents.https : agents.http },
        (res) => {
          const enc = String(res.headers['content-encoding'] ?? '').toLowerCase();
          const stream: Readable =
            enc === 'gzip' || enc === 'x-gzip'
              ? res.pipe(zlib.createGunzip())
              : enc === 'deflate'
                ? res.pipe(zlib.createInflate())
                : enc === 'br'
                  ? res.pipe(zlib.createBrotliDecompress())
                  : res;
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('error', (e) => done(e));
          res.on('aborted', () => done(new Error('the Bot API connection closed in the middle of the answer')));
          stream.on('end', () => {
            const text = chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8');
            const status = res.statusCode ?? 0;
            done(undefined, {
              status,
              statusText: res.statusMessage ?? '',
              ok: status >= 200 && status < 300,
              text: () => Promise.resolve(text),
              json: () => {
                try {
                  return Promise.resolve(JSON.parse(text) as unknown);
                } catch (e) {
                  return Promise.reject(e);
                }
              },
            });
          });
        },
      );
      req.on('error', (e) => done(e));
      signal?.addEventListener('abort', onAbort);
      const { body } = init;
      if (body === undefined || typeof body === 'string' || Buffer.isBuffer(body)) req.end(body);
      else {
        body.on('error', (e) => req.destroy(e));
        body.pipe(req);
      }
    });
  return Object.assign(fetch, {
    agents,
    close: () => {
      agents.http.destroy();
      agents.https.destroy();
    },
  });
}
