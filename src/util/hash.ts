/** Content hashes. */
import { createHash } from 'node:crypto';

/** SHA-256 of a UTF-8 text, as 64 hex digits (the key a file's text is stored under). */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
