/**
 * Capabilities plug into the server the way grammY plugins plug into a bot:
 * each is a small module with `mount` (routes, sockets, background work) and
 * `close` (graceful shutdown). The core server knows none of them by name;
 * src/server/plugins.ts lists which ones a deployment gets.
 */
import type http from 'node:http';
import type express from 'express';
import type { Cluster } from '../cluster/cluster.js';
import type { Config } from '../config/config.js';
import type { ContentManager } from '../content/manager.js';
import type { Runtime } from '../runtime/runtime.js';
import type { Store } from '../store/store.js';
import type { Logger } from '../util/logger.js';
import type { Clock } from '../util/clock.js';

/** Everything a plugin gets from the server: configuration, the store, content, the bot runtime, a logger, a clock and the secret. */
export interface AppContext {
  config: Config;
  store: Store;
  /** The content pack; `content.current()` is the snapshot to use now (it changes on hot reload). */
  content: ContentManager;
  /** The bot runtime: channels call `bot.handle(ref, event)` and `bot.registerChannel(name, deliverer)`. */
  bot: Runtime;
  log: Logger;
  /** The time to use instead of Date.now(), so tests can set it. */
  clock: Clock;
  /** Secret for signing tokens and keyed hashes (from LOTSE_SECRET or DATA_DIR/secret). */
  secret: Buffer;
  /**
   * What the instances share live: a bus (events to every instance), per-conversation locks and
   * leadership (one instance runs a job). In memory for one instance; on Redis with REDIS_URL.
   */
  cluster: Cluster;
}

/**
 * A capability of the server (a channel, the handoff console, podcasts), listed in src/server/plugins.ts.
 * An unconfigured plugin mounts nothing.
 *
 * Example: { name: 'azure', mount(app, ctx) { if (!ctx.config.MICROSOFT_APP_ID) return; app.post('/api/messages', ...) } }
 */
export interface Plugin {
  /** Short name for logs and the /readyz checks (e.g. "telegram"). */
  name: string;
  /** Called once, before the server listens. */
  mount(app: express.Express, ctx: AppContext): void | Promise<void>;
  /** Called after the HTTP server listens (for WebSocket upgrades, long polling). */
  started?(server: http.Server, ctx: AppContext): void | Promise<void>;
  /** Graceful shutdown: stop taking work, finish what is under way. */
  close?(): Promise<void>;
  /**
   * Readiness contribution (e.g. Telegram reachable now); false makes /readyz fail. `undefined`:
   * the plugin is not configured (no token), so /readyz leaves it out rather than claim it works.
   */
  ready?(): Promise<boolean | undefined>;
}
