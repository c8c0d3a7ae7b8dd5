/**
 * A throw-away PostgreSQL schema for one test file: created on the local
 * server (127.0.0.1:5432, trust auth, database `test`; LOTSE_TEST_DATABASE_URL
 * overrides), named lotse_test_<random> so parallel files and helpers never
 * meet, and dropped with everything in it afterwards. When the server cannot
 * be reached the suite fails with a message saying how to start it: a
 * PostgreSQL store that is never tested is not a PostgreSQL store.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { PostgresStore } from '../../src/store/postgres/store.js';

/** The server the tests use. */
export const TEST_DATABASE_URL = process.env.LOTSE_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** One test schema: its name, a DATABASE_URL that works in it, and a store factory on it. */
export interface TestSchema {
  schema: string;
  /** DATABASE_URL whose connections use the schema (search_path), for startServer. */
  url: string;
  /** A new store (its own pool: a separate "instance") on the schema. */
  store(now?: () => number, applicationName?: string): PostgresStore;
  /** Drops the schema with its tables. */
  drop(): Promise<void>;
}

const HOW_TO_START = `PostgreSQL is not reachable at ${TEST_DATABASE_URL.replace(/\/\/[^@]*@/, '//…@')}.
The PostgreSQL store tests need a real server (trust auth for the user, database "test"). Start one, e.g.:
  service postgresql start && su postgres -c "createdb test"      (Debian/Ubuntu, package postgresql)
  docker run -d -p 5432:5432 -e POSTGRES_HOST_AUTH_METHOD=trust -e POSTGRES_DB=test postgres:15
or point LOTSE_TEST_DATABASE_URL at one. .ci/run starts it on CI.`;

/** Creates a fresh schema (fails with HOW_TO_START when the server is down). */
export async function createTestSchema(): Promise<TestSchema> {
  const schema = `lotse_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL, connectionTimeoutMillis: 5000 });
  try {
    await admin.connect();
  } catch (err) {
    throw new Error(`${HOW_TO_START}\n(${(err as Error).message})`);
  }
  try {
    await admin.query(`CREATE SCHEMA ${schema}`);
  } finally {
    await admin.end();
  }
  const u = new URL(TEST_DATABASE_URL);
  u.searchParams.set('options', `-c search_path=${schema}`);
  const stores: PostgresStore[] = [];
  return {
    schema,
    url: u.toString(),
    store(now = Date.now, applicationName = schema) {
      const s = new PostgresStore({ connectionString: TEST_DATABASE_URL, schema, applicationName }, now);
      stores.push(s);
      return s;
    },
    async drop() {
      for (const s of stores) await s.close();
      const c = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await c.connect();
      try {
        await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      } finally {
        await c.end();
      }
    },
  };
}
