/**
 * The PostgreSQL connection pool and the two things every record class here
 * needs from it: a transaction that retries when PostgreSQL asks it to
 * (serialization failures and deadlocks roll the whole transaction back, so
 * running it again is safe), and migrations that several instances starting
 * at once apply exactly once (a session advisory lock around them).
 */
import pg from 'pg';

/** A query runner: the pool for single statements, a checked-out client inside a transaction. */
export type Queryable = Pick<pg.Pool | pg.PoolClient, 'query'>;

/** One versioned migration; versions share their ranges with SQLite's (core 1-4, handoff 100-105, snippets 300, editor 400-449, co-creation 450-499). */
export interface PgMigration {
  version: number;
  name: string;
  sql: string;
}

/** int8 (BIGINT, COUNT(*)) as a JS number: every such value here is a ms timestamp, a count or a sequence, far below 2^53. */
const INT8_OID = 20;
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID && format !== 'binary' ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig['getTypeParser'],
};

/**
 * A client that stores a NUL character in a text parameter as U+FFFD: PostgreSQL's text cannot
 * hold U+0000 and would refuse the whole statement (a caseworker's note, a person's relayed
 * message), where SQLite keeps it. Like a lone surrogate (src/util/text.ts), it is replaced.
 */
class NulSafeClient extends pg.Client {}
const clean = (v: unknown) => (typeof v === 'string' && v.includes('\u0000') ? v.replaceAll('\u0000', '\uFFFD') : v);
const baseQuery = pg.Client.prototype.query as (...args: unknown[]) => unknown;
NulSafeClient.prototype.query = function (this: pg.Client, ...args: unknown[]) {
  if (Array.isArray(args[1])) args[1] = args[1].map(clean);
  else if (args[0] && typeof args[0] === 'object' && Array.isArray((args[0] as { values?: unknown[] }).values))
    args[0] = { ...(args[0] as object), values: (args[0] as { values: unknown[] }).values.map(clean) };
  return baseQuery.apply(this, args);
} as typeof pg.Client.prototype.query;

/** Connection options of a store: the URL (postgres://user@host:port/db), and optionally a schema to work in (tests use their own). */
export interface PgOptions {
  connectionString: string;
  /** Tables live in this schema (it must exist); default: the server's search_path (public). */
  schema?: string;
  /** Connections this instance keeps open at most (default 10). */
  max?: number;
  /** How the connections appear in pg_stat_activity (default "lotse"). */
  applicationName?: string;
}

/** A schema name safe to put in a search_path (letters, digits, underscore). */
const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** Opens a pool; connections are made on first use, so creating one never fails on its own. */
export function createPool(o: PgOptions): pg.Pool {
  if (o.schema !== undefined && !SCHEMA_NAME.test(o.schema)) throw new Error(`invalid PostgreSQL schema name ${JSON.stringify(o.schema)}`);
  const pool = new pg.Pool({
    connectionString: o.connectionString,
    Client: NulSafeClient,
    max: o.max ?? 10,
    application_name: o.applicationName ?? 'lotse',
    types,
    // A statement stuck on a lock for a minute is a bug or an outage: fail it rather than hold a request forever.
    statement_timeout: 60_000,
    connectionTimeoutMillis: 10_000,
    idleTimeoutMillis: 30_000,
    ...(o.schema ? { options: `-c search_path=${o.schema}` } : {}),
  });
  // An idle connection the server closed (restart, failover) emits here; without a listener it would crash the process.
  pool.on('error', () => {});
  return pool;
}

/** SQLSTATEs after which PostgreSQL has rolled the transaction back and a retry may succeed. */
const RETRYABLE = new Set(['40001', '40P01']);

/**
 * Runs `fn` in one transaction on one connection and commits; rolls back on any error. With
 * `serializable`, the transaction runs at SERIALIZABLE isolation (for reads that decide a write
 * which no single row lock covers, like "is another admin left?"). Serialization failures and
 * deadlocks are retried a few times, with a short random pause, before the error is passed on.
 */
export async function tx<T>(pool: pg.Pool, fn: (c: pg.PoolClient) => Promise<T>, opts: { serializable?: boolean } = {}): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const c = await pool.connect();
    let broken = false;
    try {
      await c.query(opts.serializable ? 'BEGIN ISOLATION LEVEL SERIALIZABLE' : 'BEGIN');
      const result = await fn(c);
      await c.query('COMMIT');
      return result;
    } catch (err) {
      await c.query('ROLLBACK').catch(() => {
        broken = true;
      });
      const code = (err as { code?: string }).code;
      if (!code || !RETRYABLE.has(code) || attempt >= 8) throw err;
    } finally {
      c.release(broken);
    }
    await new Promise((r) => setTimeout(r, Math.random() * 10 * attempt));
  }
}

/**
 * Applies the migrations not recorded in `schema_migrations` yet, each in its own transaction.
 * A session advisory lock (keyed by the schema) is held for the whole run, so a second instance
 * starting at the same moment waits, then finds them done and applies nothing twice.
 */
export async function migrate(pool: pg.Pool, migrations: PgMigration[], now: number): Promise<void> {
  const c = await pool.connect();
  try {
    // Waiting for another instance's migrations, or running a long one, is not a stuck statement.
    await c.query('SET statement_timeout = 0');
    await c.query("SELECT pg_advisory_lock(hashtext('lotse:migrations:' || coalesce(current_schema(), '')))");
    try {
      await c.query('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)');
      const done = new Set((await c.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version));
      for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
        if (done.has(m.version)) continue;
        await c.query('BEGIN');
        try {
          await c.query(m.sql);
          await c.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [m.version, m.name, now]);
          await c.query('COMMIT');
        } catch (err) {
          await c.query('ROLLBACK');
          throw new Error(`PostgreSQL migration ${m.version} (${m.name}) failed: ${(err as Error).message}`, { cause: err });
        }
      }
    } finally {
      await c.query("SELECT pg_advisory_unlock(hashtext('lotse:migrations:' || coalesce(current_schema(), '')))");
    }
    await c.query('RESET statement_timeout');
  } catch (err) {
    // The connection goes, with its settings and any lock it still holds.
    c.release(true);
    throw err;
  }
  c.release();
}
