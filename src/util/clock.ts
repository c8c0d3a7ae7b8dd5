/** Time and ids are injected so that engine and tests stay deterministic. */
import { randomBytes } from 'node:crypto';

export interface Clock {
  now(): number;
}
export const systemClock: Clock = { now: () => Date.now() };

export interface IdGen {
  next(prefix?: string): string;
}
export const randomIds: IdGen = { next: (prefix = '') => prefix + randomBytes(12).toString('base64url') };

/** For tests: a clock you move by hand and ids that count up. */
export class ManualClock implements Clock {
  constructor(public t = Date.UTC(2026, 10, 24, 10, 0, 0)) {}
  now(): number {
    return this.t;
  }
  advance(ms: number): void {
    this.t += ms;
  }
}
export function counterIds(): IdGen {
  let n = 0;
  return { next: (prefix = '') => `${prefix}${++n}` };
}
