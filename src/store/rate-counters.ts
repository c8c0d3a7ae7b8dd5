/**
 * Fixed-window counters shared by all instances (the web chat's limits per
 * address and per conversation). `SqliteRateCounters` keeps them in the core
 * SQLite file.
 */
export interface RateCounters {
  /** Counts one hit in a fixed window; returns the count in the current window and when it resets. */
  hit(key: string, windowMs: number, now: number): Promise<{ n: number; resetAt: number }>;
  /** Drops counters whose window has ended. */
  sweep(now: number): Promise<void>;
}
