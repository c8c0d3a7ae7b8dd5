import path from 'node:path';
import type { Config } from '../config/config.js';
import type { Clock } from '../util/clock.js';
import { SqliteStore } from './sqlite.js';
import type { Store } from './store.js';

/** The store a server runs on: SQLite in DATA_DIR/lotse.sqlite. Where a different store would be chosen from the config. */
export async function createStore(config: Config, clock: Clock): Promise<Store> {
  return new SqliteStore(path.join(config.dataDir, 'lotse.sqlite'), () => clock.now());
}
