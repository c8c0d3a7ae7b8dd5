/**
 * Capabilities plug into the server the way grammY plugins plug into a bot:
 * each is a small module with `mount` (routes, sockets, background work) and
 * `close` (graceful shutdown). The core server knows none of them by name;
 * src/server/plugins.ts lists which ones a deployment gets.
 */
import type http from 'node:http';
import type express from 'express';
import type { Config } from '../config/config.js';
import type { ContentManager } from '../content/manager.js';
import type { Runtime } from '../runtime/runtime.js';
import type { Store } from '../store/store.js';
import type { Logger } from '../util/logger.js';
import type { Clock } from '../util/clock.js';

export interface AppContext {
  config: Config;
  store: Store;
  content: ContentManager;
  bot: Runtime;
  log: Logger;
  clock: Clock;
  /** Secret for signing tokens and keyed hashes (from LOTSE_SECRET or DATA_DIR/secret). */
  secret: Buffer;
}

export interface Plugin {
  name: string;
  /** Called once, before the server listens. */
  mount(app: express.Express, ctx: AppContext): void | Promise<void>;
  /** Called after the HTTP server listens (for WebSocket upgrades, long polling). */
  started?(server: http.Server, ctx: AppContext): void | Promise<void>;
  /** Graceful shutdown: stop taking work, finish what is under way. */
  close?(): Promise<void>;
  /** Readiness contribution (e.g. Telegram reachable); false makes /readyz fail. */
  ready?(): Promise<boolean>;
}
