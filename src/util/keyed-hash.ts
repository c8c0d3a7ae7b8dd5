/**
 * Keyed hashes (HMAC-SHA-256 under the instance secret) for values that must
 * be compared but never stored: client IP addresses in rate-limit and
 * sign-in counters. Unlike a plain hash, one cannot be reversed by hashing
 * all 2^32 IPv4 addresses without the secret.
 */
import { createHmac } from 'node:crypto';

export function keyedHash(secret: Buffer, purpose: string, value: string): string {
  return createHmac('sha256', secret).update(`${purpose}:${value}`).digest('base64url').slice(0, 32);
}

/** The rate-limit key of a client address ("addr:" + its keyed hash). */
export function addressKey(secret: Buffer, ip: string): string {
  return `addr:${keyedHash(secret, 'ip', ip)}`;
}
