/**
 * Fixed-window counters shared by all instances (the web chat's limits per
 * address and per conversation, and express-rate-limit's store: see
 * src/server/rate-limit.ts). `SqliteRateCounters` keeps them in the core
 * SQLite file.
 */
export interface RateCounters {
  /** Counts one hit in a fixed window; returns the count in the current window and when it resets. */
  hit(key: string, windowMs: number, now: number): Promise<{ n: number; resetAt: number }>;
  /**
   * Hits of several limits in order, one after the other; stops after the first over its `max`
   * (what follows it is not counted). Returns what was counted, the last of them over its limit
   * when one was. One group commit on SQLite instead of one per key (issue 17.1).
   */
  hitEach(hits: readonly { key: string; max: number }[], windowMs: number, now: number): Promise<{ n: number; resetAt: number }[]>;
  /** The count in the current window, or undefined when the key has none (its window ended or it never counted). */
  get(key: string, now: number): Promise<{ n: number; resetAt: number } | undefined>;
  /** Takes one hit back (express-rate-limit's skipSuccessfulRequests: a sign-in that worked does not count); never below 0. */
  decrement(key: string, now: number): Promise<void>;
  /** Forgets a key's count. */
  reset(key: string): Promise<void>;
  /** Drops counters whose window has ended. */
  sweep(now: number): Promise<void>;
}
