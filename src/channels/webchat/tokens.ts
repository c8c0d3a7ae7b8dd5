/**
 * Signed, self-contained tokens for the Direct Line server.
 *
 *   dl1.<base64url(JSON claims)>.<base64url(HMAC-SHA256)>
 *
 * The HMAC key is derived from the instance secret (ctx.secret) for this one
 * purpose, so a token can never be confused with another module's signature.
 * A token names its kind, its conversation and its user; the server checks
 * all three on every request, so one person's token never reads another
 * conversation. Nothing about a token is kept in memory: any instance with
 * the same secret verifies it.
 *
 * Kinds:
 *  - `dl`     Direct Line token (Authorization: Bearer), short-lived (WEBCHAT_TOKEN_TTL_SECONDS), refreshable.
 *  - `stream` WebSocket stream URL credential (browsers cannot set headers on a WebSocket), one minute to connect.
 *  - `resume` kept by the page in localStorage; exchanged at /webchat/session for a new `dl` token for the
 *             same conversation, valid WEBCHAT_CONVERSATION_DAYS.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export type TokenKind = 'dl' | 'stream' | 'resume';

export interface TokenClaims {
  k: TokenKind;
  /** Conversation id. */
  c: string;
  /** User id (pseudonymous, chosen by the server). */
  u: string;
  /** Issued and expiry, ms epoch. */
  iat: number;
  exp: number;
  /** Random nonce so that two tokens issued in the same millisecond differ. */
  n: string;
}

export type VerifyResult =
  | { ok: true; claims: TokenClaims }
  | { ok: false; code: 'TokenMissing' | 'TokenInvalid' | 'TokenExpired' | 'TokenWrongKind'; message: string };

const PREFIX = 'dl1';

export class TokenSigner {
  private readonly key: Buffer;

  constructor(secret: Buffer) {
    this.key = createHmac('sha256', secret).update('lotse/webchat/directline-tokens/v1').digest();
  }

  private mac(body: string): Buffer {
    return createHmac('sha256', this.key).update(`${PREFIX}.${body}`).digest();
  }

  sign(kind: TokenKind, conversationId: string, userId: string, now: number, ttlMs: number): string {
    const claims: TokenClaims = { k: kind, c: conversationId, u: userId, iat: now, exp: now + ttlMs, n: randomBytes(6).toString('base64url') };
    const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
    return `${PREFIX}.${body}.${this.mac(body).toString('base64url')}`;
  }

  verify(token: string | undefined, kind: TokenKind, now: number): VerifyResult {
    if (!token) return { ok: false, code: 'TokenMissing', message: 'a token is required (Authorization: Bearer <token>)' };
    const parts = token.split('.');
    if (parts.length !== 3 || parts[0] !== PREFIX || !parts[1] || !parts[2] || token.length > 2048)
      return { ok: false, code: 'TokenInvalid', message: 'the token is malformed' };
    const expected = this.mac(parts[1]);
    let given: Buffer;
    try {
      given = Buffer.from(parts[2], 'base64url');
    } catch {
      return { ok: false, code: 'TokenInvalid', message: 'the token signature is invalid' };
    }
    if (given.length !== expected.length || !timingSafeEqual(given, expected))
      return { ok: false, code: 'TokenInvalid', message: 'the token signature is invalid' };
    let claims: TokenClaims;
    try {
      claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as TokenClaims;
    } catch {
      return { ok: false, code: 'TokenInvalid', message: 'the token is malformed' };
    }
    if (typeof claims.c !== 'string' || typeof claims.u !== 'string' || typeof claims.exp !== 'number')
      return { ok: false, code: 'TokenInvalid', message: 'the token is malformed' };
    if (claims.k !== kind) return { ok: false, code: 'TokenWrongKind', message: `this is a ${claims.k} token, not a ${kind} token` };
    if (claims.exp <= now) return { ok: false, code: 'TokenExpired', message: 'the token has expired; refresh it before it ends or start again' };
    return { ok: true, claims };
  }
}

/** Reads `Authorization: Bearer <token>`. */
export function bearer(header: string | undefined): string | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return m?.[1];
}
