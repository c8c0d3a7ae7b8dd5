/**
 * Security headers, the client's address behind proxies, and WebSocket
 * upgrades nobody claims. See SECURITY.md for the threat model.
 *
 * Headers (helmet on every response, before any route):
 *  - X-Content-Type-Options: nosniff, Referrer-Policy: no-referrer (a visited
 *    site never learns that someone came from an asylum chat), X-Frame-Options
 *    DENY, Cross-Origin-Opener/Resource-Policy same-origin;
 *  - a Content-Security-Policy that allows nothing (`default-src 'none'`,
 *    `frame-ancestors 'none'`) for JSON, feeds and files; HTML pages replace it
 *    with their own strict one (pageCsp: scripts only from this server or with
 *    the response's nonce);
 *  - Strict-Transport-Security only when PUBLIC_URL is https:// (over plain
 *    HTTP browsers ignore it; SECURITY.md shows how the reverse proxy sets it).
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { Duplex } from 'node:stream';
import type express from 'express';
import helmet from 'helmet';
import type { Config } from '../config/config.js';

export function securityHeaders(config: Pick<Config, 'publicUrl'>): express.RequestHandler {
  const https = config.publicUrl.startsWith('https://');
  const h = helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: { 'default-src': ["'none'"], 'base-uri': ["'none'"], 'form-action': ["'none'"], 'frame-ancestors': ["'none'"] },
    },
    crossOriginResourcePolicy: { policy: 'same-origin' },
    referrerPolicy: { policy: 'no-referrer' },
    strictTransportSecurity: https ? { maxAge: 31_536_000, includeSubDomains: false } : false,
    xFrameOptions: { action: 'deny' },
  }) as unknown as (req: unknown, res: unknown, next: (err?: unknown) => void) => void;
  // With these options every header helmet writes is the same for every request (no directive
  // depends on the request), so they are taken once from helmet itself and then set directly:
  // helmet's chain of thirteen middlewares ran on every Direct Line request (issue 17.1).
  const set: [string, string][] = [];
  const removed: string[] = [];
  let failed: unknown;
  h(
    {},
    {
      setHeader: (k: string, v: unknown) => void set.push([k, String(v)]),
      removeHeader: (k: string) => void removed.push(k),
    },
    (err) => (failed = err),
  );
  if (failed || !set.length) throw new Error(`security headers could not be prepared: ${String(failed)}`);
  return (_req, res, next) => {
    for (const k of removed) res.removeHeader(k);
    for (const [k, v] of set) res.setHeader(k, v);
    next();
  };
}

/** A fresh nonce for one HTML response's inline <script> and <style>. */
export function newNonce(): string {
  return randomBytes(16).toString('base64');
}

/** Origins in a CSP source list: only well-formed http(s) origins, so a configured value cannot inject a directive. */
function origins(list: readonly string[]): string[] {
  const out: string[] = [];
  for (const a of list) {
    if (a === '*') return ['*'];
    try {
      const u = new URL(a);
      if ((u.protocol === 'https:' || u.protocol === 'http:') && u.origin !== 'null') out.push(u.origin);
    } catch {
      // not an origin: left out
    }
  }
  return out;
}

/**
 * The Content-Security-Policy of an HTML page.
 *  - `embeddable`: the page may be framed by this server and WEBCHAT_ALLOWED_ORIGINS (the chat page); otherwise by nobody;
 *  - `media`/`connect`: the page plays audio from /media, talks to the Direct Line API and its stream;
 *  - `inlineStyles`: Web Chat writes <style> elements at run time (emotion) without a nonce, so the chat page allows them.
 */
export function pageCsp(
  nonce: string,
  opts: { config: Pick<Config, 'publicUrl' | 'PUBLIC_URL' | 'WEBCHAT_ALLOWED_ORIGINS'>; embeddable?: boolean; chat?: boolean },
): string {
  const ancestors = opts.embeddable ? ["'self'", ...origins(opts.config.WEBCHAT_ALLOWED_ORIGINS)] : ["'none'"];
  const connect = ["'self'"];
  if (opts.config.PUBLIC_URL) {
    const o = new URL(opts.config.publicUrl).origin;
    connect.push(o, o.replace(/^http/, 'ws'));
  }
  const d: [string, string[]][] = [
    ['default-src', ["'none'"]],
    ['script-src', opts.chat ? ["'self'", `'nonce-${nonce}'`] : [`'nonce-${nonce}'`]],
    ['style-src', opts.chat ? ["'self'", "'unsafe-inline'"] : [`'nonce-${nonce}'`]],
    ['img-src', ["'self'", 'data:', 'blob:']],
    ['media-src', ["'self'", 'blob:']],
    ['font-src', ["'self'", 'data:']],
    ['connect-src', opts.chat ? [...new Set(connect)] : ["'none'"]],
    ['base-uri', ["'none'"]],
    ['form-action', ["'none'"]],
    ['object-src', ["'none'"]],
    ['frame-ancestors', [...new Set(ancestors)]],
  ];
  return d.map(([k, v]) => `${k} ${v.join(' ')}`).join('; ');
}

/** Sets a page's CSP (and lets it be framed when it is embeddable: frame-ancestors decides, not X-Frame-Options). */
export function setPageCsp(res: express.Response, csp: string, embeddable = false): void {
  res.setHeader('Content-Security-Policy', csp);
  if (embeddable) res.removeHeader('X-Frame-Options');
}

// ---------------------------------------------------------- trust proxy ---

/**
 * The client's address for a request outside express (a WebSocket upgrade), with the same
 * `trust proxy` function express uses for req.ip (app.get('trust proxy fn')).
 */
export function clientAddress(req: http.IncomingMessage, trust: (addr: string, i: number) => boolean): string {
  const peer = req.socket.remoteAddress ?? '?';
  const xff = req.headers['x-forwarded-for'];
  const hops =
    typeof xff === 'string'
      ? xff
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
          .reverse()
      : [];
  const chain = [peer, ...hops];
  for (let i = 0; i < chain.length - 1; i++) if (!trust(chain[i]!, i)) return chain[i]!;
  return chain[chain.length - 1]!;
}

// ------------------------------------------------------------- upgrades ---

const claimed = new WeakSet<http.IncomingMessage>();

/** An upgrade listener that takes (or answers) a request says so at once, synchronously. */
export function claimUpgrade(req: http.IncomingMessage): void {
  claimed.add(req);
}

/** Writes a short HTTP answer on a raw socket, then closes it (also if the peer never reads). */
export function refuseSocket(socket: Duplex, status: number, body: string, headers: Record<string, string> = {}): void {
  socket.on('error', () => socket.destroy());
  if (socket.destroyed || !socket.writable) return void socket.destroy();
  const extra = Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  const text = `HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? 'Error'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extra}Connection: close\r\n\r\n${body}`;
  socket.end(text, () => socket.destroy());
  // A peer that never reads must not hold the socket open.
  setTimeout(() => socket.destroy(), 2000).unref();
}

/** Last upgrade listener: whatever no plugin claimed is answered 404 and closed (never left hanging). */
export function refuseUnclaimedUpgrades(server: http.Server): void {
  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex) => {
    if (claimed.has(req)) return;
    refuseSocket(socket, 404, JSON.stringify({ error: { code: 'NotFound', message: 'no WebSocket at this address' } }));
  });
}
