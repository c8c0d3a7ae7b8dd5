/**
 * Staff accounts and console sign-in sessions in PostgreSQL (migrations
 * 100 and 103). E-mail addresses are stored lower-case, so look-ups ignore
 * case. "Keep an admin" is a read (how many active admins remain?) that
 * decides a write on another row: it runs SERIALIZABLE, so two admins
 * demoting each other at once cannot both succeed (PostgreSQL aborts one,
 * which is retried and then sees no admin would be left).
 */
import type pg from 'pg';
import type { Staff, StaffAccounts, StaffSession } from '../staff.js';
import { type Queryable, tx } from './db.js';
import { type Row, toStaff } from '../handoff-rows.js';

type Fields = Partial<Pick<Staff, 'name' | 'role' | 'languages' | 'topics' | 'active' | 'passwordHash' | 'mustChangePassword'>>;

/** Thrown inside the transaction to roll the change back. */
class NoAdminLeft extends Error {}

/** `StaffAccounts` on a PostgreSQL pool. */
export class PgStaffAccounts implements StaffAccounts {
  constructor(private readonly pool: pg.Pool) {}

  async insertStaff(s: Staff): Promise<void> {
    await this.pool.query(
      'INSERT INTO staff (id, email, name, role, password_hash, languages, topics, active, must_change_password, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)',
      [
        s.id,
        s.email.toLowerCase(),
        s.name,
        s.role,
        s.passwordHash,
        JSON.stringify(s.languages),
        JSON.stringify(s.topics),
        s.active ? 1 : 0,
        s.mustChangePassword ? 1 : 0,
        s.createdAt,
      ],
    );
  }
  async updateStaff(id: string, f: Fields): Promise<void> {
    await apply(this.pool, id, f);
  }
  async updateStaffKeepingAnAdmin(id: string, f: Partial<Pick<Staff, 'role' | 'languages' | 'topics' | 'active'>>): Promise<boolean> {
    try {
      await tx(
        this.pool,
        async (c) => {
          await apply(c, id, f);
          const n = (await c.query<{ n: number }>("SELECT COUNT(*) AS n FROM staff WHERE role = 'admin' AND active = 1")).rows[0]!.n;
          if (n === 0) throw new NoAdminLeft(); // rolls the update back
        },
        { serializable: true },
      );
      return true;
    } catch (err) {
      if (err instanceof NoAdminLeft) return false;
      throw err;
    }
  }
  async staffById(id: string): Promise<Staff | undefined> {
    const r = (await this.pool.query<Row>('SELECT * FROM staff WHERE id = $1', [id])).rows[0];
    return r ? toStaff(r) : undefined;
  }
  async staffByEmail(email: string): Promise<Staff | undefined> {
    const r = (await this.pool.query<Row>('SELECT * FROM staff WHERE email = $1', [email.toLowerCase()])).rows[0];
    return r ? toStaff(r) : undefined;
  }
  async allStaff(): Promise<Staff[]> {
    // COLLATE "C": byte order, as SQLite's default (BINARY) sorts, whatever the database's locale.
    return (await this.pool.query<Row>('SELECT * FROM staff ORDER BY name COLLATE "C"')).rows.map(toStaff);
  }
  async countStaff(): Promise<number> {
    return (await this.pool.query<{ n: number }>('SELECT COUNT(*) AS n FROM staff')).rows[0]!.n;
  }

  async insertSession(tokenHash: string, staffId: string, csrf: string, expiresAt: number, at: number): Promise<void> {
    await this.pool.query('INSERT INTO staff_sessions (token_hash, staff_id, csrf, expires_at, created_at, last_seen_at) VALUES ($1, $2, $3, $4, $5, $5)', [
      tokenHash,
      staffId,
      csrf,
      expiresAt,
      at,
    ]);
  }
  async session(tokenHash: string, now: number): Promise<StaffSession | undefined> {
    const r = (
      await this.pool.query<Row>('SELECT staff_id, csrf, created_at, last_seen_at, expires_at FROM staff_sessions WHERE token_hash = $1 AND expires_at > $2', [
        tokenHash,
        now,
      ])
    ).rows[0];
    return r
      ? {
          staffId: r.staff_id as string,
          csrf: r.csrf as string,
          createdAt: r.created_at as number,
          lastSeenAt: r.last_seen_at as number,
          expiresAt: r.expires_at as number,
        }
      : undefined;
  }
  async touchSession(tokenHash: string, at: number): Promise<void> {
    await this.pool.query('UPDATE staff_sessions SET last_seen_at = GREATEST(last_seen_at, $1) WHERE token_hash = $2', [at, tokenHash]);
  }
  async deleteSession(tokenHash: string): Promise<void> {
    await this.pool.query('DELETE FROM staff_sessions WHERE token_hash = $1', [tokenHash]);
  }
  async deleteSessionsOf(staffId: string): Promise<number> {
    return (await this.pool.query('DELETE FROM staff_sessions WHERE staff_id = $1', [staffId])).rowCount ?? 0;
  }
  async deleteExpiredSessions(now: number, idleBefore?: number): Promise<number> {
    return (
      (await this.pool.query('DELETE FROM staff_sessions WHERE expires_at <= $1 OR last_seen_at < $2', [now, idleBefore ?? Number.MIN_SAFE_INTEGER]))
        .rowCount ?? 0
    );
  }
}

/** The UPDATE of `updateStaff`, on the pool or inside a transaction. */
async function apply(q: Queryable, id: string, f: Fields): Promise<void> {
  const map: Row = {};
  if (f.name !== undefined) map.name = f.name;
  if (f.role !== undefined) map.role = f.role;
  if (f.languages !== undefined) map.languages = JSON.stringify(f.languages);
  if (f.topics !== undefined) map.topics = JSON.stringify(f.topics);
  if (f.active !== undefined) map.active = f.active ? 1 : 0;
  if (f.passwordHash !== undefined) map.password_hash = f.passwordHash;
  if (f.mustChangePassword !== undefined) map.must_change_password = f.mustChangePassword ? 1 : 0;
  const keys = Object.keys(map);
  if (keys.length)
    await q.query(`UPDATE staff SET ${keys.map((k, i) => `${k} = $${i + 1}`).join(', ')} WHERE id = $${keys.length + 1}`, [...keys.map((k) => map[k]), id]);
}
