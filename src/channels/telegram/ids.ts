/**
 * Pseudonymous conversation ids for Telegram. The store never sees a
 * Telegram user or chat id: conversations are keyed by an HMAC of the chat id
 * under the instance secret (LOTSE_SECRET). The raw chat id travels with each
 * event as `ref.address` and is kept only where a reply is owed (an open
 * handoff, see src/handoff).
 */
import { createHmac } from 'node:crypto';

/**
 * Pseudonyms computed lately, per secret: an update needs its chat's several times (the inbox,
 * the turn, the blocked mark), an HMAC each (1 % of an update's CPU, issue 17.1). In memory only,
 * bounded; the store still sees nothing but the pseudonym.
 */
const recent = new WeakMap<Buffer, Map<string, string>>();
const RECENT_MAX = 10_000;

export function pseudonym(secret: Buffer, chatId: number | string): string {
  let known = recent.get(secret);
  if (!known) recent.set(secret, (known = new Map()));
  const key = String(chatId);
  const hit = known.get(key);
  if (hit !== undefined) return hit;
  const id = 'tg_' + createHmac('sha256', secret).update(`telegram:chat:${key}`).digest('base64url').slice(0, 32);
  if (known.size >= RECENT_MAX) known.clear();
  known.set(key, id);
  return id;
}

/** The webhook secret token when TELEGRAM_WEBHOOK_SECRET is not set: derived from the instance secret (stable across restarts and instances). */
export function derivedWebhookSecret(secret: Buffer, botId: string): string {
  return createHmac('sha256', secret).update(`telegram:webhook:${botId}`).digest('base64url');
}

/** The numeric bot id: the part of the token before the colon (not secret; update ids and file ids are per bot). */
export function botIdOf(token: string): string {
  return token.split(':')[0] ?? 'bot';
}
