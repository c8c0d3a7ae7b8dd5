/**
 * Structured logs: one JSON object per line on stdout, so a log collector can
 * read them. Never log message texts or user ids in clear: pass counts.
 * Enforced here too: fields that carry a person's words or a channel id
 * are replaced, and conversation ids are cut out of request paths.
 */
export type Level = 'debug' | 'info' | 'warn' | 'error';
const order: Record<Level | 'silent', number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

/** Fields whose values are a person's words or a channel's ids: never written. */
const PERSONAL = new Set(['text', 'message', 'address', 'chatId', 'chat', 'userId', 'user', 'conversation', 'conversationId', 'ref', 'email', 'ip']);

/** A request path without the conversation id in it ("/v3/directline/conversations/:id/activities"). */
export function redactPath(p: string): string {
  return p.replace(/\/conversations\/[^/?#]+/g, '/conversations/:id');
}

function redact(f: Record<string, unknown>): Record<string, unknown> {
  for (const k of Object.keys(f)) {
    if (PERSONAL.has(k) && f[k] !== undefined) f[k] = '[redacted]';
    else if (k === 'path' && typeof f[k] === 'string') f[k] = redactPath(f[k] as string);
  }
  return f;
}

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

export function createLogger(
  level: Level | 'silent' = 'info',
  base: Record<string, unknown> = {},
  write: (line: string) => void = (l) => process.stdout.write(l + '\n'),
  now: () => Date = () => new Date(),
): Logger {
  const log = (l: Level, msg: string, fields?: Record<string, unknown>) => {
    if (order[l] < order[level]) return;
    const f = redact(fields ? { ...fields } : {});
    if (f.err instanceof Error) f.err = { message: f.err.message, stack: f.err.stack };
    write(JSON.stringify({ time: now().toISOString(), level: l, msg, ...base, ...f }));
  };
  return {
    debug: (m, f) => log('debug', m, f),
    info: (m, f) => log('info', m, f),
    warn: (m, f) => log('warn', m, f),
    error: (m, f) => log('error', m, f),
    child: (f) => createLogger(level, { ...base, ...redact({ ...f }) }, write, now),
  };
}

export const silentLogger: Logger = createLogger('silent');
