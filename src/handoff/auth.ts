/**
 * Staff accounts: passwords hashed with scrypt (memory-hard, in Node's own
 * crypto: no native add-on to build), session tokens stored only as hashes,
 * a CSRF token per session, idle timeout and absolute lifetime, revocation
 * (sign-out, deactivation, role and password changes delete the account's
 * sessions and tell the console to close its open event streams), and a
 * sign-in backoff that slows an attacker without locking out the caseworker.
 *
 * Sign-in limits, in three layers (all counts in the store, so several
 * instances share them; addresses and e-mails only as keyed hashes):
 *  1. per address over all accounts: express-rate-limit in the plugin
 *     (src/server/rate-limit.ts), failed requests only;
 *  2. per (account, address) pair: exponential backoff after 5 wrong
 *     passwords (1 min, 2, 4, ... up to 1 h), cleared by a successful
 *     sign-in. This is where an attacker at one address hammering one
 *     account ends up, and it touches nobody else;
 *  3. per account over all addresses: 20 wrong passwords in 15 minutes.
 *     One address can never get there alone (layer 2 holds it to about 6
 *     in 15 minutes), so the caseworker at their own desk is locked out only
 *     by an attack from several addresses at once, and then for 15 minutes.
 * Only verified wrong passwords count in 2 and 3, never attempts refused
 * while locked (else hammering would lengthen everyone's lock-out). Layers 2
 * and 3 are hand-rolled rather than express-rate-limit, because that library
 * counts every request before the handler runs (refused ones too), knows
 * only fixed windows (no backoff), and would have to parse the e-mail from
 * the body before the body parser's checks.
 */
import { createHash, randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import type { Role, Staff, StaffAccounts } from '../store/staff.js';
import type { RateCounters } from '../store/rate-counters.js';
import type { Store } from '../store/store.js';
import type { IdGen } from '../util/clock.js';
import { keyedHash } from '../util/keyed-hash.js';
import { HttpError, refused } from '../util/http-error.js';

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

/** Defaults of the session settings (STAFF_SESSION_HOURS, STAFF_IDLE_MINUTES). */
export const SESSION_HOURS = 12;
export const IDLE_MINUTES = 30;

const MIN_PASSWORD = 12;
/** scrypt of a megabyte-long "password" costs as much as any other, but there is no reason to accept one. */
const MAX_PASSWORD = 256;
/** Layer 2: wrong passwords per (account, address) before the backoff starts, its first step and its cap. */
export const PAIR_FREE_FAILURES = 5;
const BACKOFF_BASE_MS = 60_000;
const BACKOFF_MAX_MS = 3_600_000;
/** A pair's record is forgotten after this long without a failure once its lock-out has ended. */
const PAIR_QUIET_MS = 15 * 60_000;
/** Layer 3: wrong passwords per account over all addresses in one window. */
export const ACCOUNT_FAILURES = 20;
const ACCOUNT_WINDOW_MS = 15 * 60_000;

/** Why sessions were revoked (for the audit log and the console's streams). */
export type Revocation = { staffId: string; tokenHash?: undefined } | { tokenHash: string; staffId?: undefined };

/** Settings and collaborators of `StaffAuth` beyond the store. */
export interface StaffAuthOptions {
  sessionHours?: number;
  idleMinutes?: number;
  /** Appends to the audit log (never a password, never an address: `addressTag` is a keyed hash). */
  audit?: (staffId: string | undefined, action: string) => Promise<void>;
}

/** What a valid session token stands for. */
export interface Resolved {
  staff: Staff;
  csrf: string;
  tokenHash: string;
}

/** The password rules: length, and not the e-mail address (or its part before the @). */
export function passwordProblem(password: string, email: string): string | undefined {
  const p = password.normalize('NFKC');
  if ([...p].length < MIN_PASSWORD) return `passwords need at least ${MIN_PASSWORD} characters`;
  if ([...p].length > MAX_PASSWORD) return `passwords may have at most ${MAX_PASSWORD} characters`;
  const e = email.trim().toLowerCase();
  const lower = p.trim().toLowerCase();
  if (lower === e || lower === e.split('@')[0]) return 'the password must not be the e-mail address';
  return undefined;
}

/** A random temporary password (shown once; the account must replace it at its next sign-in). */
export function temporaryPassword(): string {
  return randomBytes(12).toString('base64url');
}

export class StaffAuth {
  private readonly listeners = new Set<(r: Revocation) => void>();
  private readonly sessionMs: number;
  private readonly idleMs: number;
  private readonly counters: RateCounters;

  constructor(
    private readonly accounts: StaffAccounts,
    private readonly store: Store,
    private readonly ids: IdGen,
    private readonly now: () => number,
    /** Keys the sign-in counters (HMAC of the address and of the e-mail), so that the store never holds a reversible hash of an IP address. */
    private readonly secret: Buffer,
    private readonly opts: StaffAuthOptions = {},
  ) {
    this.sessionMs = (opts.sessionHours ?? SESSION_HOURS) * 3_600_000;
    this.idleMs = (opts.idleMinutes ?? IDLE_MINUTES) * 60_000;
    this.counters = store.rateCounters();
  }

  /** How long a session lasts at most (for the cookie's Max-Age). */
  get sessionMaxAgeMs(): number {
    return this.sessionMs;
  }

  /** Sessions not used since this moment are over (the retention sweep deletes them). */
  idleBefore(now = this.now()): number {
    return now - this.idleMs;
  }

  /** A short keyed tag of an address for the audit log: repeated failures from one place can be told apart, the address cannot be read back. */
  addressTag(address: string): string {
    return keyedHash(this.secret, 'audit-ip', address).slice(0, 10);
  }

  /** Called on every revocation, so the console closes the event streams of those sessions at once. */
  onRevoke(fn: (r: Revocation) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private async audit(staffId: string | undefined, action: string): Promise<void> {
    await this.opts.audit?.(staffId, action);
  }

  private counterKey(kind: 'pair' | 'acct', email: string, address = ''): string {
    const acct = keyedHash(this.secret, 'login-acct', email.trim().toLowerCase());
    return kind === 'acct' ? `login-acct:${acct}` : `${acct}:${keyedHash(this.secret, 'login-ip', address)}`;
  }

  async createStaff(input: { email: string; name: string; role: Role; password: string; languages?: string[]; topics?: string[] }): Promise<Staff> {
    const email = input.email.trim().toLowerCase();
    if (!/^[^@\s]+@[^@\s]+$/.test(email)) throw refused(400, 'a valid e-mail address is needed');
    const problem = passwordProblem(input.password, email);
    if (problem) throw refused(400, problem);
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
      mustChangePassword: false,
      createdAt: this.now(),
    };
    await this.accounts.insertStaff(s);
    return s;
  }

  private tooMany(untilMs: number, message: string): HttpError {
    const seconds = Math.max(1, Math.ceil((untilMs - this.now()) / 1000));
    const minutes = Math.ceil(seconds / 60);
    return new HttpError(429, 'TooManyRequests', `${message}; try again in ${minutes} minute${minutes === 1 ? '' : 's'}`, {
      'Retry-After': String(seconds),
    });
  }

  /** Layer 2's record of a pair: verified wrong passwords and the last one's time. */
  private async pairRecord(key: string): Promise<{ n: number; last: number }> {
    const raw = await this.store.kvGet('login-backoff', key);
    return raw ? (JSON.parse(raw) as { n: number; last: number }) : { n: 0, last: 0 };
  }

  private static backoffMs(n: number): number {
    return n < PAIR_FREE_FAILURES ? 0 : Math.min(BACKOFF_BASE_MS * 2 ** (n - PAIR_FREE_FAILURES), BACKOFF_MAX_MS);
  }

  /** Refuses (429 with Retry-After) while the pair is in its backoff or the account over its window's failures. Counts nothing. */
  private async checkLocks(email: string, address: string): Promise<void> {
    const pair = await this.pairRecord(this.counterKey('pair', email, address));
    const until = pair.last + StaffAuth.backoffMs(pair.n);
    if (pair.n >= PAIR_FREE_FAILURES && until > this.now()) throw this.tooMany(until, 'too many wrong passwords for this account from here');
    const acct = await this.counters.get(this.counterKey('acct', email), this.now());
    if (acct && acct.n >= ACCOUNT_FAILURES) throw this.tooMany(acct.resetAt, 'too many wrong passwords for this account');
  }

  /** Counts one verified wrong password for the pair and the account; audits the start of a lock-out. */
  private async countFailure(email: string, address: string, staffId: string | undefined): Promise<void> {
    const key = this.counterKey('pair', email, address);
    const rec = await this.pairRecord(key);
    rec.n += 1;
    rec.last = this.now();
    const lock = StaffAuth.backoffMs(rec.n);
    await this.store.kvPut('login-backoff', key, JSON.stringify(rec), lock + PAIR_QUIET_MS);
    const acct = await this.counters.hit(this.counterKey('acct', email), ACCOUNT_WINDOW_MS, this.now());
    await this.audit(staffId, `sign-in-failed addr=${this.addressTag(address)}`);
    if (lock > 0) await this.audit(staffId, `sign-in-locked scope=pair for=${Math.round(lock / 1000)}s addr=${this.addressTag(address)}`);
    if (acct.n === ACCOUNT_FAILURES) await this.audit(staffId, `sign-in-locked scope=account for=${Math.round((acct.resetAt - this.now()) / 1000)}s`);
  }

  private async newSession(staff: Staff): Promise<{ token: string; csrf: string }> {
    const token = randomBytes(32).toString('base64url');
    const csrf = randomBytes(24).toString('base64url');
    await this.accounts.insertSession(sha256(token), staff.id, csrf, this.now() + this.sessionMs, this.now());
    return { token, csrf };
  }

  async signIn(email: string, password: string, address: string): Promise<{ token: string; csrf: string; staff: Staff }> {
    const e = email.trim().toLowerCase();
    // Before the (costly) hash: a locked pair gets its answer without spending the server's CPU.
    await this.checkLocks(e, address);
    const staff = await this.accounts.staffByEmail(e);
    // Verify even for unknown accounts so that timing does not tell which e-mails exist.
    const ok = await verifyPassword(
      password.slice(0, MAX_PASSWORD * 4),
      staff?.passwordHash ?? 'scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=',
    );
    if (!staff || !ok || !staff.active) {
      // An unknown e-mail is audited without it: it may be a password typed in the wrong field.
      await this.countFailure(e, address, staff?.id);
      throw refused(401, 'e-mail or password is wrong');
    }
    await this.store.kvDelete('login-backoff', this.counterKey('pair', e, address));
    const s = await this.newSession(staff);
    await this.audit(staff.id, `sign-in addr=${this.addressTag(address)}`);
    return { ...s, staff };
  }

  /**
   * The signed-in staff member for a session token, or undefined: the session exists, has not
   * reached its absolute end, was used within the idle timeout, and its account is active.
   * `touch` records the use (requests do; the event stream's own checks do not, so an open tab
   * alone does not keep a session alive).
   */
  async resolve(token: string | undefined, opts: { touch?: boolean } = {}): Promise<Resolved | undefined> {
    if (!token) return undefined;
    const tokenHash = sha256(token);
    const now = this.now();
    const s = await this.accounts.session(tokenHash, now);
    if (!s) return undefined;
    if (s.lastSeenAt <= now - this.idleMs) {
      await this.accounts.deleteSession(tokenHash);
      return undefined;
    }
    const staff = await this.accounts.staffById(s.staffId);
    if (!staff?.active) return undefined;
    if (opts.touch) await this.accounts.touchSession(tokenHash, now);
    return { staff, csrf: s.csrf, tokenHash };
  }

  async signOut(token: string): Promise<void> {
    const tokenHash = sha256(token);
    const s = await this.accounts.session(tokenHash, this.now());
    await this.accounts.deleteSession(tokenHash);
    this.emit({ tokenHash });
    if (s) await this.audit(s.staffId, 'sign-out');
  }

  private emit(r: Revocation): void {
    for (const fn of this.listeners) fn(r);
  }

  /** Ends every session of an account, everywhere (and its open event streams in this process; other instances' streams check their session before each event). */
  async revokeAll(staffId: string, why: string, by?: string): Promise<number> {
    const n = await this.accounts.deleteSessionsOf(staffId);
    this.emit({ staffId });
    // Entered under whoever caused it (the admin; the account itself on a password change; nobody from the CLI).
    await this.audit(by, `sessions-revoked:${staffId} why=${why} n=${n}`);
    return n;
  }

  /**
   * Changes one's own password (the current one is needed): every session of the account ends,
   * then a new one starts for the browser that asked, so the person stays signed in there only.
   * Wrong current passwords count like wrong sign-ins (the same backoff).
   */
  async changePassword(staff: Staff, current: string, next: string, address: string): Promise<{ token: string; csrf: string; staff: Staff }> {
    await this.checkLocks(staff.email, address);
    if (!(await verifyPassword(current.slice(0, MAX_PASSWORD * 4), staff.passwordHash))) {
      await this.countFailure(staff.email, address, staff.id);
      throw refused(403, 'the current password is wrong');
    }
    const problem = passwordProblem(next, staff.email);
    if (problem) throw refused(400, problem);
    if (await verifyPassword(next, staff.passwordHash)) throw refused(400, 'choose a password different from the current one');
    await this.accounts.updateStaff(staff.id, { passwordHash: await hashPassword(next), mustChangePassword: false });
    await this.revokeAll(staff.id, 'password-change', staff.id);
    await this.audit(staff.id, 'password-change');
    const fresh = (await this.accounts.staffById(staff.id))!;
    return { ...(await this.newSession(fresh)), staff: fresh };
  }

  /**
   * Sets a temporary password for an account (an admin in the console, or the CLI): its sessions
   * end, and it must choose its own password at its next sign-in. `password` unset: a random one.
   * Returns the temporary password, to be passed on once, out of band.
   */
  async resetPassword(staffId: string, by: { staffId?: string; via: 'console' | 'cli' }, password?: string): Promise<string> {
    const staff = await this.accounts.staffById(staffId);
    if (!staff) throw refused(404, 'no such account');
    const temp = password ?? temporaryPassword();
    const problem = passwordProblem(temp, staff.email);
    if (problem) throw refused(400, problem);
    await this.accounts.updateStaff(staffId, { passwordHash: await hashPassword(temp), mustChangePassword: true });
    await this.revokeAll(staffId, 'password-reset', by.staffId);
    await this.audit(by.staffId, `password-reset:${staffId} via=${by.via}`);
    return temp;
  }

  /**
   * An admin's change to an account: languages, topics, active, role. The last active admin
   * cannot be deactivated or demoted (409). Deactivation and a role change end the account's
   * sessions (a reactivated account signs in afresh; its old cookie stays dead).
   */
  async updateStaff(by: Staff, id: string, f: { languages?: string[]; topics?: string[]; active?: boolean; role?: Role }): Promise<Staff> {
    const before = await this.accounts.staffById(id);
    if (!before) throw refused(404, 'no such account');
    if (!(await this.accounts.updateStaffKeepingAnAdmin(id, f)))
      throw refused(409, 'this is the last active admin: make another account admin first, or nobody could manage accounts any more');
    const after = (await this.accounts.staffById(id))!;
    await this.audit(by.id, `staff-update:${id}`);
    if (after.role !== before.role) await this.audit(by.id, `staff-role:${id} ${before.role}->${after.role}`);
    if (after.active !== before.active) await this.audit(by.id, `${after.active ? 'staff-reactivate' : 'staff-deactivate'}:${id}`);
    if (after.role !== before.role) await this.revokeAll(id, 'role-change', by.id);
    else if (!after.active && before.active) await this.revokeAll(id, 'deactivated', by.id);
    return after;
  }

  /** Retention: deletes sessions past their end or idle too long; returns how many. */
  sweepSessions(): Promise<number> {
    return this.accounts.deleteExpiredSessions(this.now(), this.idleBefore());
  }
}
