/**
 * Fixed-window counters in PostgreSQL (table `webchat_rate` from migration
 * 2): each hit is one INSERT ... ON CONFLICT DO UPDATE, which PostgreSQL
 * applies row by row under a lock, so hits from several instances add up and
 * none is lost.
 */
import type pg from 'pg';
import type { RateCounters } from '../rate-counters.js';

/** `RateCounters` on a PostgreSQL pool. */
export class PgRateCounters implements RateCounters {
  constructor(private readonly pool: pg.Pool) {}

  async hit(key: string, windowMs: number, now: number): Promise<{ n: number; resetAt: number }> {
    const r = (
      await this.pool.query<{ n: number; reset_at: number }>(
        `INSERT INTO webchat_rate AS w (key, n, reset_at) VALUES ($1, 1, $2) ON CONFLICT (key) DO UPDATE
         SET n = CASE WHEN w.reset_at <= $3 THEN 1 ELSE w.n + 1 END, reset_at = CASE WHEN w.reset_at <= $3 THEN excluded.reset_at ELSE w.reset_at END
         RETURNING n, reset_at`,
        [key, now + windowMs, now],
      )
    ).rows[0]!;
    return { n: r.n, resetAt: r.reset_at };
  }

  async hitEach(hits: readonly { key: string; max: number }[], windowMs: number, now: number): Promise<{ n: number; resetAt: number }[]> {
    const out: { n: number; resetAt: number }[] = [];
    for (const h of hits) {
      const r = await this.hit(h.key, windowMs, now);
      out.push(r);
      if (r.n > h.max) break;
    }
    return out;
  }

  async get(key: string, now: number): Promise<{ n: number; resetAt: number } | undefined> {
    const r = (await this.pool.query<{ n: number; reset_at: number }>('SELECT n, reset_at FROM webchat_rate WHERE key = $1 AND reset_at > $2', [key, now]))
      .rows[0];
    return r ? { n: r.n, resetAt: r.reset_at } : undefined;
  }

  async decrement(key: string, now: number): Promise<void> {
    await this.pool.query('UPDATE webchat_rate SET n = GREATEST(n - 1, 0) WHERE key = $1 AND reset_at > $2', [key, now]);
  }

  async reset(key: string): Promise<void> {
    await this.pool.query('DELETE FROM webchat_rate WHERE key = $1', [key]);
  }

  async sweep(now: number): Promise<void> {
    await this.pool.query('DELETE FROM webchat_rate WHERE reset_at <= $1', [now]);
  }
}
