/**
 * Staff accounts of the caseworker console and their sign-in sessions
 * (stored only as token hashes). `SqliteStaffAccounts` is the implementation
 * in the core SQLite file; methods return Promises so that a network-backed
 * store (PostgreSQL) fits too.
 */

export type Role = 'admin' | 'caseworker';

export interface Staff {
  id: string;
  email: string;
  name: string;
  role: Role;
  passwordHash: string;
  languages: string[];
  topics: string[];
  active: boolean;
  createdAt: number;
}

export interface StaffAccounts {
  insertStaff(s: Staff): Promise<void>;
  updateStaff(id: string, f: Partial<Pick<Staff, 'name' | 'role' | 'languages' | 'topics' | 'active' | 'passwordHash'>>): Promise<void>;
  staffById(id: string): Promise<Staff | undefined>;
  /** Case-insensitive. */
  staffByEmail(email: string): Promise<Staff | undefined>;
  /** By name. */
  allStaff(): Promise<Staff[]>;
  countStaff(): Promise<number>;

  insertSession(tokenHash: string, staffId: string, csrf: string, expiresAt: number, at: number): Promise<void>;
  /** The session of a token hash while it has not expired. */
  session(tokenHash: string, now: number): Promise<{ staffId: string; csrf: string } | undefined>;
  deleteSession(tokenHash: string): Promise<void>;
  deleteExpiredSessions(now: number): Promise<void>;
}
