/**
 * Looking up texts by key path in nested JSON (UI strings "webchat.error",
 * a flow step's ["choices", "yes"]). Own properties only: a path through
 * "__proto__", "constructor" or "toString" never reaches Object.prototype,
 * whatever a language code or key typed by someone contains.
 */

/** The value at a dotted path or a list of keys, or undefined where any step is missing. */
export function valueAt(root: unknown, path: string | readonly string[]): unknown {
  let o = root;
  for (const k of typeof path === 'string' ? path.split('.') : path) {
    if (!o || typeof o !== 'object' || !Object.hasOwn(o, k)) return undefined;
    o = (o as Record<string, unknown>)[k];
  }
  return o;
}

/** A UI string only if the language itself has it, not blank (no fallback to another language). */
export function ownUiString(ui: Record<string, Record<string, unknown>>, lang: string, key: string): string | undefined {
  const v = valueAt(ui, [lang, ...key.split('.')]);
  return typeof v === 'string' && v.trim() ? v : undefined;
}
