import path from 'node:path';
import type { Config } from '../config/config.js';
import type { Clock } from '../util/clock.js';
import { SqliteStore } from './sqlite.js';
import type { Store } from './store.js';

/**
 * The store a server runs on: PostgreSQL when DATABASE_URL is a postgres:// URL (the config then
 * says STORE=postgres), otherwise SQLite in DATA_DIR/lotse.sqlite.
 */
export async function createStore(config: Config, clock: Clock): Promise<Store> {
  if (config.STORE === 'postgres' && config.DATABASE_URL) {
    // Loaded only when asked for: node-postgres is about 17 MB of a SQLite server's resident memory.
    const { PostgresStore } = await import('./postgres/store.js');
    return new PostgresStore({ connectionString: config.DATABASE_URL }, () => clock.now());
  }
  return new SqliteStore(path.join(config.dataDir, 'lotse.sqlite'), () => clock.now());
}
