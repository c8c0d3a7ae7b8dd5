/**
 * Text from outside, made safe to store: a lone UTF-16 surrogate (half of an
 * emoji, or a forged "\ud800" in JSON) cannot be written as UTF-8, so SQLite
 * and JSON logs would keep invalid bytes. Replaced by U+FFFD at the door.
 */

const LONE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const ANY_SURROGATE = /[\uD800-\uDFFF]/;

/** The string with every lone surrogate replaced by U+FFFD (what String.prototype.toWellFormed does). */
export function wellFormed(s: string): string {
  return ANY_SURROGATE.test(s) ? s.replace(LONE, '\uFFFD') : s;
}

/** A JSON.parse reviver (express.json's `reviver`) that makes every string of a body well-formed, keys included. */
export function wellFormedReviver(_key: string, value: unknown): unknown {
  if (typeof value === 'string') return wellFormed(value);
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const o = value as Record<string, unknown>;
    for (const k of Object.keys(o)) {
      const w = wellFormed(k);
      if (w === k) continue;
      const v = o[k];
      delete o[k];
      Object.defineProperty(o, w, { value: v, enumerable: true, writable: true, configurable: true });
    }
  }
  return value;
}
