/**
 * Button payloads in Telegram's callback data, which holds 1-64 bytes.
 *
 * The engine's payloads are opaque and may be long (content ids are chosen by
 * editors, in any script). A payload that fits travels as is (`=` + payload);
 * a longer one travels as `#` + a 128-bit hash of it, and the payload is kept
 * in the store under that hash, so every instance can resolve it and a button
 * in an old message still works after a restart. The hash is of the payload
 * alone: the same button in a million chats is one row.
 */
import { createHash } from 'node:crypto';
import type { Store } from '../../store/store.js';

export const MAX_CALLBACK_BYTES = 64;
export const NS_CALLBACK = 'tg:cb';
/** A button stays usable this long after it was last shown. */
export const CALLBACK_TTL_MS = 180 * 86_400_000;

const RAW = '=';
const HASHED = '#';
/** A page button of a long keyboard (sender.ts): `>` + the keyboard's key + `:` + the page to show. Never an engine payload. */
const PAGE = '>';
/** Where the pages of long keyboards are kept, by a hash of their content (one row for every chat shown the same keyboard). */
export const NS_PAGES = 'tg:pages';

/** Callback data of a page button: show page `page` (from 0) of the keyboard stored under `key`. */
export function pageData(key: string, page: number): string {
  return `${PAGE}${key}:${page}`;
}

/** The keyboard and page a page button names, or undefined for any other callback data. */
export function readPageData(data: string): { key: string; page: number } | undefined {
  const m = /^>([A-Za-z0-9_-]{22}):(\d{1,2})$/.exec(data);
  return m ? { key: m[1]!, page: Number(m[2]) } : undefined;
}

export class CallbackCodec {
  constructor(private readonly store: Store) {}

  async encode(payload: string): Promise<string> {
    const raw = RAW + payload;
    if (Buffer.byteLength(raw, 'utf8') <= MAX_CALLBACK_BYTES) return raw;
    const key = createHash('sha256').update(payload, 'utf8').digest('base64url').slice(0, 22);
    // Written every time it is shown: keeps the mapping alive while the button is in use.
    await this.store.kvPut(NS_CALLBACK, key, payload, CALLBACK_TTL_MS);
    return HASHED + key;
  }

  /** The payload, or undefined for data Lotse did not make (or a mapping that expired). */
  async decode(data: string): Promise<string | undefined> {
    if (data.startsWith(RAW)) return data.slice(1);
    if (data.startsWith(HASHED)) return this.store.kvGet(NS_CALLBACK, data.slice(1));
    return undefined;
  }
}
