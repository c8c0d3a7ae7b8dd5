/**
 * Structured logs: one JSON object per line on stdout, so a log collector can
 * read them. Never log message texts or user ids in clear: pass pseudonyms.
 */
export type Level = 'debug' | 'info' | 'warn' | 'error';
const order: Record<Level | 'silent', number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

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
    const f = fields ? { ...fields } : {};
    if (f.err instanceof Error) f.err = { message: f.err.message, stack: f.err.stack };
    write(JSON.stringify({ time: now().toISOString(), level: l, msg, ...base, ...f }));
  };
  return {
    debug: (m, f) => log('debug', m, f),
    info: (m, f) => log('info', m, f),
    warn: (m, f) => log('warn', m, f),
    error: (m, f) => log('error', m, f),
    child: (f) => createLogger(level, { ...base, ...f }, write, now),
  };
}

export const silentLogger: Logger = createLogger('silent');
