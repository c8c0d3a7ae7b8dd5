/**
 * Staff accounts: passwords hashed with scrypt (memory-hard, in Node's own
 * crypto: no native add-on to build), session tokens stored only as hashes,
 * a CSRF token per session, and sign-in attempts rate limited per address
 * and per account (counters in the store, so several instances share them).
 */
import { createHash, randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import type { Role, Staff, StaffAccounts } from '../store/staff.js';
import type { Store } from '../store/store.js';
import type { IdGen } from '../util/clock.js';
import { keyedHash } from '../util/keyed-hash.js';
import { refused } from '../util/http-error.js';

/** N=2^15, r=8: 32 MiB of memory per hash; about 0.1 s on the reference machine. */
const SCRYPT = { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };
const KEYLEN = 32;

function scrypt(password: string, salt: Buffer, keylen: number, opts: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => scryptCb(password, salt, keylen, opts, (err, key) => (err ? reject(err) : resolve(key))));
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password.normalize('NFKC'), salt, KEYLEN, SCRYPT);
  return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [alg, n, r, p, salt, key] = stored.split('$');
  if (alg !== 'scrypt' || !salt || !key) return false;
  const expected = Buffer.from(key, 'base64');
  const got = await scrypt(password.normalize('NFKC'), Buffer.from(salt, 'base64'), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
    maxmem: SCRYPT.maxmem,
  });
  return got.length === expected.length && timingSafeEqual(got, expected);
}

export const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

export const SESSION_HOURS = 12;
const LOGIN_WINDOW_MS = 15 * 60_000;
const MAX_PER_ADDRESS = 20;
const MAX_PER_ACCOUNT = 5;

export class StaffAuth {
  constructor(
    private readonly accounts: StaffAccounts,
    private readonly store: Store,
    private readonly ids: IdGen,
    private readonly now: () => number,
    /** Keys the sign-in counters (HMAC of the address and of the e-mail), so that the store never holds a reversible hash of an IP address. */
    private readonly secret: Buffer,
  ) {}

  private counterKey(kind: 'ip' | 'acct', value: string): string {
    return `${kind}:${keyedHash(this.secret, `login-${kind}`, value)}`;
  }

  async createStaff(input: { email: string; name: string; role: Role; password: string; languages?: string[]; topics?: string[] }): Promise<Staff> {
    const email = input.email.trim().toLowerCase();
    if (!/^[^@\s]+@[^@\s]+$/.test(email)) throw refused(400, 'a valid e-mail address is needed');
    if (input.password.length < 12) throw refused(400, 'passwords need at least 12 characters');
    if (await this.accounts.staffByEmail(email)) throw refused(409, `an account for ${email} exists already`);
    const s: Staff = {
      id: this.ids.next('stf_'),
      email,
      name: input.name.trim() || email,
      role: input.role,
      passwordHash: await hashPassword(input.password),
      languages: input.languages ?? [],
      topics: input.topics ?? [],
      active: true,
      createdAt: this.now(),
    };
    await this.accounts.insertStaff(s);
    return s;
  }

  /** Counts an attempt; throws 429 when the address or the account tried too often in the window. */
  private async limit(kind: 'ip' | 'acct', key: string, max: number): Promise<void> {
    const k = this.counterKey(kind, key);
    const raw = await this.store.kvGet('login-attempts', k);
    const rec = raw ? (JSON.parse(raw) as { n: number; since: number }) : { n: 0, since: this.now() };
    if (rec.n >= max) throw refused(429, 'too many sign-in attempts; wait 15 minutes');
    rec.n += 1;
    await this.store.kvPut('login-attempts', k, JSON.stringify(rec), Math.max(1, rec.since + LOGIN_WINDOW_MS - this.now()));
  }

  async signIn(email: string, password: string, address: string): Promise<{ token: string; csrf: string; staff: Staff }> {
    await this.limit('ip', address, MAX_PER_ADDRESS);
    await this.limit('acct', email.toLowerCase(), MAX_PER_ACCOUNT);
    const staff = await this.accounts.staffByEmail(email);
    // Verify even for unknown accounts so that timing does not tell which e-mails exist.
    const ok = await verifyPassword(password, staff?.passwordHash ?? 'scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=');
    if (!staff || !ok || !staff.active) throw refused(401, 'e-mail or password is wrong');
    await this.store.kvDelete('login-attempts', this.counterKey('acct', email.toLowerCase()));
    const token = randomBytes(32).toString('base64url');
    const csrf = randomBytes(24).toString('base64url');
    await this.accounts.insertSession(sha256(token), staff.id, csrf, this.now() + SESSION_HOURS * 3_600_000, this.now());
    return { token, csrf, staff };
  }

  /** The signed-in staff member for a session token, or undefined. */
  async resolve(token: string | undefined): Promise<{ staff: Staff; csrf: string } | undefined> {
    if (!token) return undefined;
    const s = await this.accounts.session(sha256(token), this.now());
    if (!s) return undefined;
    const staff = await this.accounts.staffById(s.staffId);
    return staff?.active ? { staff, csrf: s.csrf } : undefined;
  }

  async signOut(token: string): Promise<void> {
    await this.accounts.deleteSession(sha256(token));
  }
}
