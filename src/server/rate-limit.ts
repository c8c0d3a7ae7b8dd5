/**
 * express-rate-limit on the storage interface: `CounterStore` is an
 * express-rate-limit `Store` whose counts live in `RateCounters` (the SQLite
 * file now; a Redis or PostgreSQL implementation of the same interface
 * later), so every instance behind a load balancer shares them, and a
 * restart does not hand an attacker a fresh quota.
 *
 * `limiter()` wraps `rateLimit` with the project's defaults: the key is a
 * keyed hash of the client's address (never the address itself: the
 * counters are stored), IPv6 grouped by /56 as express-rate-limit
 * recommends (one home gets a whole /56), the answer is the console's JSON
 * error shape with Retry-After, and the clock is injected so tests can move
 * it.
 */
import type express from 'express';
import { ipKeyGenerator, type Options, rateLimit, type Store } from 'express-rate-limit';
import type { RateCounters } from '../store/rate-counters.js';
import { keyedHash } from '../util/keyed-hash.js';

/** An express-rate-limit `Store` over `RateCounters` (fixed windows of the limiter's `windowMs`). */
export class CounterStore implements Store {
  /** Counts are shared across instances: express-rate-limit's double-count check must not assume otherwise. */
  readonly localKeys = false;
  private windowMs = 60_000;

  constructor(
    private readonly counters: RateCounters,
    /** Namespaces this limiter's keys in the shared counter table. */
    readonly prefix: string,
    private readonly now: () => number,
  ) {}

  init(options: Options): void {
    this.windowMs = options.windowMs;
  }

  async get(key: string) {
    const r = await this.counters.get(this.prefix + key, this.now());
    return r ? { totalHits: r.n, resetTime: new Date(r.resetAt) } : undefined;
  }

  async increment(key: string) {
    const r = await this.counters.hit(this.prefix + key, this.windowMs, this.now());
    return { totalHits: r.n, resetTime: new Date(r.resetAt) };
  }

  async decrement(key: string): Promise<void> {
    await this.counters.decrement(this.prefix + key, this.now());
  }

  async resetKey(key: string): Promise<void> {
    await this.counters.reset(this.prefix + key);
  }
}

/** The client's address as a limiter key: IPv6 grouped by its /56, then a keyed hash (so the stored key reveals no address). */
export function addressLimitKey(secret: Buffer, ip: string | undefined): string {
  return keyedHash(secret, 'rate-ip', ipKeyGenerator(ip ?? 'unknown', 56));
}

/** A rate limiter with its counts in `RateCounters`; 429 as `{ error: { code: 'TooManyRequests', message } }` with Retry-After. */
export function limiter(opts: {
  counters: RateCounters;
  /** Namespaces the counters, e.g. "login-ip:". */
  prefix: string;
  now: () => number;
  secret: Buffer;
  windowMs: number;
  limit: number;
  message: string;
  /** True: requests answered below 400 are taken back (a successful sign-in does not count against the address). */
  skipSuccessfulRequests?: boolean;
  /** Called when a request is refused, e.g. to write the audit log. */
  onLimited?: (req: express.Request) => void;
}): express.RequestHandler {
  const store = new CounterStore(opts.counters, opts.prefix, opts.now);
  return rateLimit({
    windowMs: opts.windowMs,
    limit: opts.limit,
    store,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    skipSuccessfulRequests: opts.skipSuccessfulRequests ?? false,
    keyGenerator: (req) => addressLimitKey(opts.secret, req.ip),
    // The key is hashed above (after ipKeyGenerator), which the library cannot see; X-Forwarded-For
    // without TRUST_PROXY is already logged once by the app (src/server/app.ts), through our logger.
    validate: { keyGeneratorIpFallback: false, xForwardedForHeader: false },
    handler: (req, res, _next, options) => {
      opts.onLimited?.(req);
      const info = (req as express.Request & { rateLimit?: { resetTime?: Date } }).rateLimit;
      const seconds = info?.resetTime ? Math.max(1, Math.ceil((info.resetTime.getTime() - opts.now()) / 1000)) : Math.ceil(options.windowMs / 1000);
      res.setHeader('Retry-After', String(seconds));
      res.status(429).json({ error: { code: 'TooManyRequests', message: opts.message } });
    },
  }) as unknown as express.RequestHandler;
}
