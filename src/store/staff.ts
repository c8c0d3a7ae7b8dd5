/**
 * Staff accounts of the caseworker console and their sign-in sessions
 * (stored only as token hashes). `SqliteStaffAccounts` is the implementation
 * in the core SQLite file; methods return Promises so that a network-backed
 * store (PostgreSQL) fits too.
 */

/**
 * An admin manages staff accounts, answers handoffs and edits content; a caseworker answers
 * handoffs; an editor edits and publishes content (issue 16); a translator edits and reviews the
 * content of its `languages` only. Editors and translators never see a person's conversation.
 */
export type Role = 'admin' | 'editor' | 'translator' | 'caseworker';

/** Every role, for input checks. */
export const ROLES: readonly Role[] = ['admin', 'editor', 'translator', 'caseworker'];

/** Whether a role works with people's conversations (queue, handoffs, paging, transfers). */
export function doesCasework(role: Role): boolean {
  return role === 'admin' || role === 'caseworker';
}

/** A staff account of the caseworker console. `languages` and `topics` decide which handoffs reach them first. */
export interface Staff {
  id: string;
  email: string;
  name: string;
  role: Role;
  /** scrypt hash with its salt; never the password. */
  passwordHash: string;
  /** Language codes the person speaks: handoffs in these languages reach them first; for a translator, the languages it may edit and review. */
  languages: string[];
  /** Flows or topic ids they specialise in; empty: all. */
  topics: string[];
  /** False: cannot sign in and gets no handoffs; the account stays for the audit log. */
  active: boolean;
  /** Set by an admin's or the CLI's password reset: the account may do nothing but choose a new password until it has. */
  mustChangePassword: boolean;
  createdAt: number;
}

/** A stored sign-in session (looked up by the hash of its cookie token). */
export interface StaffSession {
  staffId: string;
  csrf: string;
  createdAt: number;
  /** The last request the person made with it (the idle timeout goes by it). */
  lastSeenAt: number;
  /** The absolute end of the session, however active it is. */
  expiresAt: number;
}

/** Staff accounts and console sign-in sessions; ask the store for them with `await store.staffAccounts()`. */
export interface StaffAccounts {
  insertStaff(s: Staff): Promise<void>;
  updateStaff(id: string, f: Partial<Pick<Staff, 'name' | 'role' | 'languages' | 'topics' | 'active' | 'passwordHash' | 'mustChangePassword'>>): Promise<void>;
  /**
   * `updateStaff`, unless afterwards no active admin would be left: then nothing changes and the
   * answer is false. Atomic, so two admins demoting each other at the same moment cannot both win.
   */
  updateStaffKeepingAnAdmin(id: string, f: Partial<Pick<Staff, 'role' | 'languages' | 'topics' | 'active'>>): Promise<boolean>;
  staffById(id: string): Promise<Staff | undefined>;
  /** Case-insensitive. */
  staffByEmail(email: string): Promise<Staff | undefined>;
  /** By name. */
  allStaff(): Promise<Staff[]>;
  countStaff(): Promise<number>;

  /** Store a sign-in session under the hash of its cookie token, with its CSRF token. */
  insertSession(tokenHash: string, staffId: string, csrf: string, expiresAt: number, at: number): Promise<void>;
  /** The session of a token hash while it has not reached its absolute end (the caller applies the idle timeout). */
  session(tokenHash: string, now: number): Promise<StaffSession | undefined>;
  /** Records activity on a session, for the idle timeout. */
  touchSession(tokenHash: string, at: number): Promise<void>;
  deleteSession(tokenHash: string): Promise<void>;
  /** Revocation: deletes every session of one account (sign-out everywhere, deactivation, role or password change); returns how many. */
  deleteSessionsOf(staffId: string): Promise<number>;
  /** Retention: deletes sessions past their absolute end, and those not used since `idleBefore`; returns how many. */
  deleteExpiredSessions(now: number, idleBefore?: number): Promise<number>;
}
