/**
 * Start-up and graceful shutdown of the Lotse server.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type http from 'node:http';
import { createCluster } from '../cluster/index.js';
import { loadConfig, type Config } from '../config/config.js';
import { ContentManager } from '../content/manager.js';
import { RECENT_TEXT_DAYS, Runtime } from '../runtime/runtime.js';
import { createStore } from '../store/index.js';
import { INBOX_DONE_KEEP_MS, INBOX_PENDING_KEEP_MS } from '../store/inbox.js';
import type { Store } from '../store/store.js';
import { systemClock, type Clock } from '../util/clock.js';
import { createLogger, type Logger } from '../util/logger.js';
import { releaseGarbageSoon } from '../util/memory.js';
import { createApp, errorHandler } from './app.js';
import type { AppContext, Plugin } from './plugin-api.js';
import { defaultPlugins } from './plugins.js';
import { refuseUnclaimedUpgrades } from './security.js';

/** LOTSE_SECRET, or a random secret kept in DATA_DIR so restarts keep tokens and pseudonyms valid. */
export function loadSecret(config: Config): Buffer {
  if (config.LOTSE_SECRET) return Buffer.from(config.LOTSE_SECRET, 'utf8');
  const file = path.join(config.dataDir, 'secret');
  try {
    return Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64');
  } catch {
    fs.mkdirSync(config.dataDir, { recursive: true });
    const s = randomBytes(32);
    fs.writeFileSync(file, s.toString('base64'), { mode: 0o600 });
    return s;
  }
}

/**
 * Retention, swept hourly and safe on several instances (each record kind's period in PRIVACY.md):
 * sessions past SESSION_TTL_DAYS, the remembered raw text of sessions idle longer than the web chat
 * log is kept (7 days), feedback and unanswered questions past RECORD_RETENTION_DAYS, and expired
 * keyed records (Telegram update ids, callback mappings, sign-in counters), and inbox keys of
 * finished messages after 48 hours (unfinished ones, given up, after 7 days).
 */
export async function housekeep(store: Store, config: Config, clock: Clock, log: Logger): Promise<void> {
  const now = clock.now();
  const day = 86_400_000;
  const jobs: [string, () => Promise<unknown>][] = [
    ['session expiry', () => store.expireSessions(now - config.SESSION_TTL_DAYS * day)],
    ['session text expiry', () => store.forgetRecentText(now - Math.min(config.WEBCHAT_CONVERSATION_DAYS, RECENT_TEXT_DAYS) * day)],
    ['feedback and unanswered expiry', () => store.expireRecords(now - config.RECORD_RETENTION_DAYS * day)],
    ['kv sweep', () => store.kvSweep()],
    ['inbox expiry', () => store.inbox().expire(now - INBOX_DONE_KEEP_MS, now - INBOX_PENDING_KEEP_MS)],
  ];
  for (const [what, job] of jobs) await job().catch((err) => log.warn(`${what} failed`, { err }));
}

/** Errors from a connection the peer broke: nothing of the server's own state is half-done. */
const PEER_ERRORS = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'ERR_STREAM_DESTROYED', 'ERR_STREAM_WRITE_AFTER_END', 'HPE_INVALID_CONSTANT']);

/**
 * Process-level guard for `lotse serve` (every handler is meant to be total; this is the net under it):
 *  - an unhandled rejection is logged and the server keeps serving (a promise nobody awaited leaves
 *    no half-done work behind that the next request could trip over);
 *  - an uncaught exception from a broken connection (ECONNRESET, EPIPE...) is logged and ignored;
 *  - any other uncaught exception is logged, then the server stops gracefully and exits 1, so the
 *    supervisor (Docker's restart policy, systemd) starts a clean process: its state may be corrupt.
 */
export function guardProcess(log: Logger, stop: () => Promise<void>): void {
  process.on('unhandledRejection', (reason) => log.error('unhandled rejection (kept serving)', { err: reason }));
  process.on('uncaughtException', (err: NodeJS.ErrnoException) => {
    if (err?.code && PEER_ERRORS.has(err.code)) return log.warn('connection error (kept serving)', { err });
    log.error('uncaught exception: stopping so that a clean process takes over', { err });
    const t = setTimeout(() => process.exit(1), 10_000);
    t.unref();
    void stop().finally(() => process.exit(1));
  });
}

export interface Running {
  ctx: AppContext;
  server: http.Server;
  url: string;
  stop(): Promise<void>;
}

/**
 * The one line `npm start` prints about the content editor (issue 16): whether it is on and, when
 * it is not, how to switch it on. Files are the default so that a team that keeps its content in
 * git keeps git's review as the only way in.
 */
export function editorStatusLine(config: Pick<Config, 'CONTENT_SOURCE'>): string {
  return config.CONTENT_SOURCE === 'store'
    ? 'content editor on (CONTENT_SOURCE=store): staff edit and publish at /console/admin/editor; the files are import and export only'
    : 'content editor off (CONTENT_SOURCE=files, the default: the files under CONTENT_ROOT are served, changed in git); set CONTENT_SOURCE=store to edit in the browser at /console/admin/editor';
}

export async function startServer(opts: { config?: Config; log?: Logger; clock?: Clock; plugins?: (ctx: AppContext) => Plugin[] } = {}): Promise<Running> {
  const config = opts.config ?? loadConfig();
  const log = opts.log ?? createLogger(config.LOG_LEVEL);
  const clock = opts.clock ?? systemClock;
  fs.mkdirSync(config.dataDir, { recursive: true });
  const store = await createStore(config, clock);
  await store.migrate();
  // The store's published versions (the web editor's), polled so every instance serves a new one within seconds; or the files, watched.
  const content =
    config.CONTENT_SOURCE === 'store'
      ? await ContentManager.fromStore(config.contentRoot, log, await store.contentVersions(), { pollMs: config.CONTENT_POLL_MS, now: () => clock.now() })
      : new ContentManager(config.contentRoot, log);
  if (config.CONTENT_WATCH) content.watch();
  const secret = loadSecret(config);
  const cluster = await createCluster(config, log);
  const bot = new Runtime({ content, store, clock, log, config, locks: cluster.locks });
  const ctx: AppContext = { config, store, content, bot, log, clock, secret, cluster };
  const plugins = (opts.plugins ?? defaultPlugins)(ctx);
  const app = createApp(ctx, plugins);
  for (const p of plugins) await p.mount(app, ctx);
  app.use((_req, res) => res.status(404).json({ error: { code: 'NotFound', message: 'not found' } }));
  app.use(errorHandler(ctx));

  const server = await new Promise<http.Server>((resolve, reject) => {
    const s = app.listen(config.PORT, config.HOST, () => resolve(s));
    s.on('error', reject);
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : config.PORT;
  const url = `http://localhost:${port}`;
  for (const p of plugins) await p.started?.(server, ctx);
  // After every plugin's listener: an upgrade nobody took is answered 404 and closed, never held open.
  refuseUnclaimedUpgrades(server);
  // Once at start, so a restarted server does not wait an hour (safe on several instances, see
  // housekeep); then hourly, on one instance only (the elected one; with one instance, this one).
  await housekeep(store, config, clock, log);
  let housekeeping: NodeJS.Timeout | undefined;
  const stopHousekeeping = cluster.leadership.elect('housekeeping', {
    gained: () => {
      housekeeping = setInterval(() => void housekeep(store, config, clock, log), 3_600_000);
      housekeeping.unref();
    },
    lost: () => clearInterval(housekeeping),
  });
  releaseGarbageSoon();
  log.info('lotse started', {
    url,
    content: content.current().pack.version,
    languages: content.current().pack.languages.map((l) => l.code),
    store: config.STORE,
    cluster: cluster.kind,
  });
  log.info(editorStatusLine(config), { contentSource: config.CONTENT_SOURCE });

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      log.info('shutting down');
      await stopHousekeeping();
      content.close();
      // Stop taking new connections; let requests under way finish.
      const closed = new Promise<void>((r) => server.close(() => r()));
      for (const p of [...plugins].reverse()) await p.close?.().catch((err) => log.warn('plugin close failed', { plugin: p.name, err }));
      server.closeIdleConnections?.();
      const t = setTimeout(() => server.closeAllConnections?.(), 5000);
      await closed;
      clearTimeout(t);
      await cluster.close();
      await store.close();
      log.info('stopped');
    })());
  return { ctx, server, url, stop };
}
