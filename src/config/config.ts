/**
 * Configuration from environment variables, validated at start.
 * Every variable is documented in .env.example; a malformed value stops
 * start-up with a message that names the variable.
 */
import net from 'node:net';
import path from 'node:path';
import { z } from 'zod';
import { MAX_MESSAGE_LENGTH } from '../shared/limits.js';

const bool = z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((v) => v === 'true' || v === '1' || v === 'yes');
const port = z.coerce.number().int().min(0).max(65535);
const list = z.string().transform((v) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
);
const positiveInt = z.coerce.number().int().positive();

export const configSchema = z.object({
  PORT: port.default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  DATA_DIR: z.string().min(1).default('./data'),
  /** Root of the content pack: content/, flows/, locales/ live under it. */
  CONTENT_ROOT: z.string().min(1).default('.'),
  /** Public base URL (for webhooks, RSS enclosures); defaults to http://localhost:PORT. */
  PUBLIC_URL: z.string().url().optional(),
  /**
   * Which proxies may tell the client's address (X-Forwarded-For): false (default, the TCP peer is the client),
   * a number of proxies in front, or addresses/CIDR ranges/loopback,linklocal,uniquelocal. See SECURITY.md.
   */
  TRUST_PROXY: z.string().default('false'),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  /** Watch the content files and reload on change (keeps the last valid version on errors). */
  CONTENT_WATCH: bool.default(true),
  /**
   * Where the served content comes from (issue 16): files (CONTENT_ROOT, hot reload with CONTENT_WATCH) or
   * store (published versions of the web editor; the files are imported as version 1 into an empty store).
   */
  CONTENT_SOURCE: z.enum(['files', 'store']).default('files'),
  /** With CONTENT_SOURCE=store: how often each instance asks the store for a newer published version. */
  CONTENT_POLL_MS: z.coerce.number().int().min(100).max(600_000).default(2000),
  /** Secret for signing tokens and hashing user ids. Generated and kept in DATA_DIR when unset. */
  LOTSE_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  /** Days a conversation is kept after the last message. */
  SESSION_TTL_DAYS: positiveInt.default(30),
  /**
   * Storage: sqlite (a file in DATA_DIR) or postgres. Unset: postgres when DATABASE_URL is a
   * postgres:// (or postgresql://) URL, sqlite otherwise.
   */
  STORE: z.enum(['sqlite', 'postgres']).optional(),
  /** PostgreSQL connection URL, e.g. postgres://lotse:secret@db:5432/lotse (several instances share it). */
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\/\S+$/, 'looks like postgres://user:password@host:5432/database')
    .optional(),
  /**
   * Redis for what several instances share live (console events, Direct Line pushes, conversation
   * locks, the Telegram poller's leadership), e.g. redis://redis:6379. Unset: one instance, in memory.
   */
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\/\S+$/, 'looks like redis://host:6379 (or rediss:// for TLS)')
    .optional(),
  /** Prefix of every Redis key and channel, so that several deployments (or test runs) can share one Redis. */
  REDIS_KEY_PREFIX: z
    .string()
    .regex(/^[\w:.-]{1,64}$/, 'letters, digits and : . _ - only')
    .default('lotse:'),
  /** Web chat */
  WEBCHAT_ALLOWED_ORIGINS: list.default([]),
  WEBCHAT_TOKEN_TTL_SECONDS: positiveInt.default(3600),
  WEBCHAT_CONVERSATION_DAYS: positiveInt.default(7),
  /** Messages one conversation may post per minute (Direct Line answers 429 beyond). */
  WEBCHAT_RATE_PER_CONVERSATION: positiveInt.default(30),
  /** Posts (new conversations and messages) one IP address may make per minute; generous, as a shelter shares one address. */
  WEBCHAT_RATE_PER_ADDRESS: positiveInt.default(240),
  /** Largest activity body in bytes and longest message text in characters a client may post. */
  WEBCHAT_MAX_ACTIVITY_BYTES: positiveInt.default(16384),
  WEBCHAT_MAX_TEXT_CHARS: positiveInt.default(MAX_MESSAGE_LENGTH),
  /** Open stream sockets one conversation (a person's tabs) and one address (a shelter's Wi-Fi) may hold at once. */
  WEBCHAT_MAX_STREAMS_PER_CONVERSATION: positiveInt.default(4),
  WEBCHAT_MAX_STREAMS_PER_ADDRESS: positiveInt.default(100),
  /**
   * "typing…" (web chat and Telegram) only when the bot's answer is not ready after this many ms;
   * 0 shows it for every answer. Most answers take a few ms: showing it costs a socket frame or a
   * Bot API call per message for a blink nobody sees (issue 17.1).
   */
  TYPING_AFTER_MS: z.coerce.number().int().min(0).default(300),
  /** Telegram */
  TELEGRAM_BOT_TOKEN: z
    .string()
    .regex(/^\d+:[A-Za-z0-9_-]+$/, 'looks like 123456:ABC-DEF... (from BotFather)')
    .optional(),
  TELEGRAM_API_ROOT: z.string().url().default('https://api.telegram.org'),
  TELEGRAM_MODE: z.enum(['polling', 'webhook']).default('polling'),
  TELEGRAM_WEBHOOK_SECRET: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,256}$/, 'use 1-256 characters A-Z a-z 0-9 _ -')
    .optional(),
  /** Messages per second the bot sends across all chats (Telegram allows about 30 without paid broadcasts). */
  TELEGRAM_MAX_MESSAGES_PER_SECOND: positiveInt.default(30),
  /** Set the command list and the bot's description per language at start (only when they changed). */
  TELEGRAM_SET_COMMANDS: bool.default(true),
  /** Azure Bot Service */
  MICROSOFT_APP_ID: z.string().optional(),
  MICROSOFT_APP_PASSWORD: z.string().optional(),
  MICROSOFT_APP_TENANT_ID: z.string().optional(),
  /** Handoff */
  OFFICE_HOURS: z.string().default('mo-fr 09:00-17:00'),
  TIMEZONE: z.string().default('Europe/Vienna'),
  HANDOFF_UNANSWERED_MINUTES: positiveInt.default(15),
  TRANSCRIPT_RETENTION_DAYS: positiveInt.default(30),
  /** Staff console: minutes without a request after which a sign-in session ends (an open console tab alone does not keep it alive). */
  STAFF_IDLE_MINUTES: positiveInt.default(30),
  /** Staff console: hours a sign-in session lasts at most, however active. */
  STAFF_SESSION_HOURS: positiveInt.default(12),
  /** Staff console: failed sign-ins one address may make in 15 minutes, over all accounts (successful ones do not count). */
  STAFF_LOGIN_FAILURES_PER_ADDRESS: positiveInt.default(20),
  /** Days feedback ("was this helpful?") and unanswered questions are kept before the housekeeping deletes them (PRIVACY.md). */
  RECORD_RETENTION_DAYS: positiveInt.default(30),
  /** Podcast audio uploads (issue 16.5): the ffmpeg that transcodes them; unset: `ffmpeg` on PATH, looked up at each upload. */
  FFMPEG_PATH: z.string().min(1).optional(),
  /** Podcast audio uploads: the largest file accepted, in megabytes (a larger one is refused with 413). */
  PODCAST_UPLOAD_MAX_MB: positiveInt.default(60),
});

export type TrustProxy = false | number | string[];

const NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/**
 * TRUST_PROXY: which hops may tell the client's address in X-Forwarded-For.
 * `false` (default): none; the address is the TCP peer's, so X-Forwarded-For
 * from anywhere (loopback included) changes nothing. A number: that many
 * proxies in front. Else a comma-separated list of addresses, CIDR ranges
 * and the names loopback, linklocal, uniquelocal. `true` is refused: it would
 * let every visitor choose their own address and so their own rate limit.
 */
export function parseTrustProxy(raw: string | undefined): TrustProxy | { error: string } {
  const v = (raw ?? '').trim().toLowerCase();
  if (!v || ['false', 'off', 'no', '0', 'none'].includes(v)) return false;
  if (['true', 'yes', 'on', '*', 'all'].includes(v))
    return {
      error:
        'trusting every hop lets anyone choose their address with X-Forwarded-For; name the proxy (e.g. loopback, 172.18.0.0/16) or give the number of proxies in front',
    };
  if (/^\d+$/.test(v)) {
    const n = Number(v);
    return n >= 1 && n <= 10 ? n : { error: 'a number of proxies between 1 and 10' };
  }
  const items = v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const it of items) {
    if (NAMES.has(it)) continue;
    const [ip, bits, ...rest] = it.split('/');
    const family = net.isIP(ip ?? '');
    if (!family || rest.length) return { error: `"${it}" is not an address, a CIDR range or one of loopback, linklocal, uniquelocal` };
    if (bits !== undefined) {
      const max = family === 4 ? 32 : 128;
      if (!/^\d{1,3}$/.test(bits) || Number(bits) > max) return { error: `"${it}": the prefix length must be 0-${max}` };
    }
  }
  return items;
}

export type Config = Omit<z.infer<typeof configSchema>, 'STORE'> & {
  STORE: 'sqlite' | 'postgres';
  dataDir: string;
  contentRoot: string;
  publicUrl: string;
  trustProxy: TrustProxy;
};

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // Empty strings mean "unset", as in most .env files.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = configSchema.safeParse(cleaned);
  if (!parsed.success) {
    // A connection URL carries its password: the message names the variable, not its value.
    const shown = (name: string) => (name === 'DATABASE_URL' || name === 'REDIS_URL' ? '(value not shown)' : `(got ${JSON.stringify(cleaned[name] ?? null)})`);
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message} ${shown(String(i.path[0]))}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}\nSee .env.example for every variable.`);
  }
  const c = parsed.data;
  const trustProxy = parseTrustProxy(c.TRUST_PROXY);
  if (typeof trustProxy === 'object' && !Array.isArray(trustProxy))
    throw new ConfigError(`Invalid configuration:\n  TRUST_PROXY: ${trustProxy.error} (got ${JSON.stringify(c.TRUST_PROXY)})`);
  if (c.TELEGRAM_MODE === 'webhook' && c.TELEGRAM_BOT_TOKEN && !c.PUBLIC_URL)
    throw new ConfigError('Invalid configuration:\n  PUBLIC_URL: required when TELEGRAM_MODE=webhook (Telegram must reach it over HTTPS)');
  // Telegram's own servers only call HTTPS webhooks; a self-hosted Bot API server may use plain HTTP.
  if (
    c.TELEGRAM_MODE === 'webhook' &&
    c.TELEGRAM_BOT_TOKEN &&
    c.PUBLIC_URL &&
    !c.PUBLIC_URL.startsWith('https://') &&
    new URL(c.TELEGRAM_API_ROOT).hostname === 'api.telegram.org'
  )
    throw new ConfigError(
      `Invalid configuration:\n  PUBLIC_URL: Telegram only sends webhooks to https:// addresses (got ${JSON.stringify(c.PUBLIC_URL)}); use TELEGRAM_MODE=polling without a public HTTPS address`,
    );
  if (c.STORE === 'postgres' && !c.DATABASE_URL)
    throw new ConfigError('Invalid configuration:\n  DATABASE_URL: required when STORE=postgres (postgres://user:password@host:5432/database)');
  return {
    ...c,
    STORE: c.STORE ?? (c.DATABASE_URL ? 'postgres' : 'sqlite'),
    dataDir: path.resolve(c.DATA_DIR),
    contentRoot: path.resolve(c.CONTENT_ROOT),
    publicUrl: (c.PUBLIC_URL ?? `http://localhost:${c.PORT}`).replace(/\/$/, ''),
    trustProxy,
  };
}
