/**
 * Handoffs, their messages, the audit log, staff accounts and staff sessions
 * in the core SQLite file, so one file holds everything. The tables come
 * with their own migrations (versions 100+), applied when the handoff
 * module first opens them.
 */
import type Database from 'better-sqlite3';
import type { ConversationRef } from '../shared/conversation.js';
import type { AuditEntry, AuditQuery, ClosedQuery, Handoff, HandoffMessage, HandoffPatch, Handoffs, NewHandoffMessage } from './handoffs.js';
import type { SqliteMigration } from './sqlite.js';
import type { Staff, StaffAccounts, StaffSession } from './staff.js';
import { type Row, toAudit, toHandoff, toMessage, toStaff } from './handoff-rows.js';

/** Migrations of the handoff tables (versions 100+), applied by `SqliteStore` when handoffs or staff accounts are first asked for. */
export const handoffMigrations: SqliteMigration[] = [
  {
    version: 100,
    name: 'handoff: staff, sessions, handoffs, messages, audit',
    sql: `
      CREATE TABLE staff (
        id TEXT PRIMARY KEY, email TEXT NOT NULL UNIQUE, name TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('admin', 'caseworker')), password_hash TEXT NOT NULL,
        languages TEXT NOT NULL DEFAULT '[]', topics TEXT NOT NULL DEFAULT '[]',
        active INTEGER NOT NULL DEFAULT 1, created_at INTEGER NOT NULL);
      CREATE TABLE staff_sessions (
        token_hash TEXT PRIMARY KEY, staff_id TEXT NOT NULL REFERENCES staff(id) ON DELETE CASCADE,
        csrf TEXT NOT NULL, expires_at INTEGER NOT NULL, created_at INTEGER NOT NULL);
      CREATE TABLE handoffs (
        id TEXT PRIMARY KEY, channel TEXT NOT NULL, conversation_id TEXT NOT NULL, address TEXT,
        lang TEXT NOT NULL, reason TEXT NOT NULL, topic TEXT, priority INTEGER NOT NULL,
        status TEXT NOT NULL, caseworker_id TEXT REFERENCES staff(id), created_at INTEGER NOT NULL,
        taken_at INTEGER, closed_at INTEGER, outcome TEXT, outcome_service TEXT, outcome_note TEXT,
        off_hours INTEGER NOT NULL DEFAULT 0, waiting_notice_at INTEGER, last_position INTEGER,
        transcript_purged INTEGER NOT NULL DEFAULT 0);
      CREATE INDEX handoffs_open ON handoffs(status, priority, created_at);
      CREATE INDEX handoffs_conv ON handoffs(channel, conversation_id, status);
      CREATE TABLE handoff_messages (
        seq INTEGER PRIMARY KEY AUTOINCREMENT, handoff_id TEXT NOT NULL REFERENCES handoffs(id) ON DELETE CASCADE,
        author TEXT NOT NULL, staff_id TEXT, kind TEXT NOT NULL, text TEXT NOT NULL, topic TEXT,
        at INTEGER NOT NULL, delivered_at INTEGER);
      CREATE INDEX handoff_messages_h ON handoff_messages(handoff_id, seq);
      CREATE TABLE handoff_audit (
        id INTEGER PRIMARY KEY AUTOINCREMENT, staff_id TEXT, handoff_id TEXT, action TEXT NOT NULL, at INTEGER NOT NULL);
    `,
  },
  {
    version: 101,
    name: 'handoff: messages the channel could not deliver for good',
    sql: `ALTER TABLE handoff_messages ADD COLUMN undeliverable_at INTEGER;
      ALTER TABLE handoffs ADD COLUMN unreachable_notice_at INTEGER;`,
  },
  {
    version: 102,
    name: 'handoff: first caseworker reply and rating kept on the handoff (statistics outlive the transcript)',
    sql: `ALTER TABLE handoffs ADD COLUMN first_reply_at INTEGER;
      ALTER TABLE handoffs ADD COLUMN rating INTEGER CHECK (rating BETWEEN 1 AND 5);
      UPDATE handoffs SET first_reply_at = (SELECT MIN(at) FROM handoff_messages m
        WHERE m.handoff_id = handoffs.id AND m.author = 'caseworker' AND m.kind = 'message');
      CREATE INDEX handoffs_created ON handoffs(created_at);
      CREATE INDEX handoff_audit_staff ON handoff_audit(staff_id, id);`,
  },
  {
    version: 103,
    name: 'staff security: idle timeout (last use of a session), password change required after a reset',
    sql: `ALTER TABLE staff_sessions ADD COLUMN last_seen_at INTEGER NOT NULL DEFAULT 0;
      UPDATE staff_sessions SET last_seen_at = created_at;
      CREATE INDEX staff_sessions_staff ON staff_sessions(staff_id);
      ALTER TABLE staff ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0;`,
  },
  {
    version: 104,
    name: 'handoff: the person is never in silence (acks, seen, throttled positions) (the rating column came with migration 102)',
    sql: `ALTER TABLE handoffs ADD COLUMN acked_at INTEGER;
      ALTER TABLE handoffs ADD COLUMN position_told_at INTEGER;
      ALTER TABLE handoffs ADD COLUMN seen_seq INTEGER;`,
  },
  {
    version: 105,
    name: 'handoff: a message relayed from a stored incoming message is stored once, also when its turn runs again after a crash',
    sql: `ALTER TABLE handoff_messages ADD COLUMN source TEXT;
      CREATE UNIQUE INDEX handoff_messages_source ON handoff_messages(source) WHERE source IS NOT NULL;`,
  },
  {
    // The content editor's range (400-449): its roles live on the staff table. SQLite cannot change a
    // CHECK in place, so the table is copied into one with the new CHECK (foreign keys off meanwhile:
    // sessions and handoffs keep pointing at the same ids).
    version: 400,
    name: 'content editor (issue 16): roles editor and translator beside admin and caseworker',
    rebuildsTable: true,
    sql: `
      CREATE TABLE staff_new (
        id TEXT PRIMARY KEY, email TEXT NOT NULL UNIQUE, name TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('admin', 'editor', 'translator', 'caseworker')), password_hash TEXT NOT NULL,
        languages TEXT NOT NULL DEFAULT '[]', topics TEXT NOT NULL DEFAULT '[]',
        active INTEGER NOT NULL DEFAULT 1, created_at INTEGER NOT NULL, must_change_password INTEGER NOT NULL DEFAULT 0);
      INSERT INTO staff_new (id, email, name, role, password_hash, languages, topics, active, created_at, must_change_password)
        SELECT id, email, name, role, password_hash, languages, topics, active, created_at, must_change_password FROM staff;
      DROP TABLE staff;
      ALTER TABLE staff_new RENAME TO staff;`,
  },
];

/** Column of each changeable field (HandoffPatch keys are the only names that reach the SQL). */
const COLUMN: Record<keyof HandoffPatch, string> = {
  status: 'status',
  caseworkerId: 'caseworker_id',
  takenAt: 'taken_at',
  closedAt: 'closed_at',
  outcome: 'outcome',
  outcomeService: 'outcome_service',
  outcomeNote: 'outcome_note',
  priority: 'priority',
  lang: 'lang',
  waitingNoticeAt: 'waiting_notice_at',
  unreachableNoticeAt: 'unreachable_notice_at',
  lastPosition: 'last_position',
  positionToldAt: 'position_told_at',
  ackedAt: 'acked_at',
  seenSeq: 'seen_seq',
  address: 'address',
  offHours: 'off_hours',
  rating: 'rating',
};

/** `Handoffs` in the core SQLite file. Synchronous underneath (better-sqlite3); async to fit the interface. */
export class SqliteHandoffs implements Handoffs {
  constructor(private readonly db: Database.Database) {}

  // --- handoffs
  async insertHandoff(h: Handoff, first: Omit<NewHandoffMessage, 'handoffId'>[] = []): Promise<void> {
    this.db
      .transaction(() => {
        this.db
          .prepare(
            `INSERT INTO handoffs (id, channel, conversation_id, address, lang, reason, topic, priority, status, created_at, off_hours)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(
            h.id,
            h.ref.channel,
            h.ref.conversationId,
            h.address ?? null,
            h.lang,
            h.reason,
            h.topic ?? null,
            h.priority,
            h.status,
            h.createdAt,
            h.offHours ? 1 : 0,
          );
        for (const m of first) this.insertMessage({ ...m, handoffId: h.id });
      })
      .immediate();
  }
  async getHandoff(id: string): Promise<Handoff | undefined> {
    const r = this.db.prepare('SELECT * FROM handoffs WHERE id = ?').get(id) as Row | undefined;
    return r ? toHandoff(r) : undefined;
  }
  async openFor(ref: ConversationRef): Promise<Handoff | undefined> {
    const r = this.db
      .prepare("SELECT * FROM handoffs WHERE channel = ? AND conversation_id = ? AND status IN ('queued', 'active') ORDER BY created_at DESC LIMIT 1")
      .get(ref.channel, ref.conversationId) as Row | undefined;
    return r ? toHandoff(r) : undefined;
  }
  async open(): Promise<Handoff[]> {
    return (this.db.prepare("SELECT * FROM handoffs WHERE status IN ('queued', 'active') ORDER BY priority, created_at").all() as Row[]).map(toHandoff);
  }
  async closedSince(since: number): Promise<Handoff[]> {
    return (
      this.db.prepare("SELECT * FROM handoffs WHERE status IN ('closed', 'cancelled') AND closed_at >= ? ORDER BY closed_at DESC").all(since) as Row[]
    ).map(toHandoff);
  }
  async update(id: string, patch: HandoffPatch): Promise<void> {
    const keys = (Object.keys(patch) as (keyof HandoffPatch)[]).filter((k) => k in COLUMN);
    if (!keys.length) return;
    const value = (k: keyof HandoffPatch) => {
      const v = patch[k];
      return typeof v === 'boolean' ? (v ? 1 : 0) : (v ?? null);
    };
    this.db.prepare(`UPDATE handoffs SET ${keys.map((k) => `${COLUMN[k]} = ?`).join(', ')} WHERE id = ?`).run(...keys.map(value), id);
  }
  async takeIfQueued(id: string, staffId: string, at: number): Promise<boolean> {
    return (
      this.db.prepare("UPDATE handoffs SET status = 'active', caseworker_id = ?, taken_at = ? WHERE id = ? AND status = 'queued'").run(staffId, at, id)
        .changes === 1
    );
  }

  async rateOnce(id: string, rating: number): Promise<boolean> {
    if (!Number.isInteger(rating) || rating < 1 || rating > 5) return false;
    return (
      this.db.prepare("UPDATE handoffs SET rating = ? WHERE id = ? AND rating IS NULL AND status IN ('closed', 'cancelled')").run(rating, id).changes === 1
    );
  }

  // --- messages
  private insertMessage(m: NewHandoffMessage): HandoffMessage {
    if (m.source) {
      const known = this.db.prepare('SELECT * FROM handoff_messages WHERE source = ?').get(m.source) as Row | undefined;
      if (known) return toMessage(known);
    }
    const r = this.db
      .prepare('INSERT INTO handoff_messages (handoff_id, author, staff_id, kind, text, topic, at, delivered_at, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(m.handoffId, m.author, m.staffId ?? null, m.kind, m.text, m.topic ?? null, m.at, m.deliveredAt ?? null, m.source ?? null);
    // The first reply's time goes on the handoff, where it outlives the transcript for the statistics.
    if (m.author === 'caseworker' && m.kind === 'message')
      this.db.prepare('UPDATE handoffs SET first_reply_at = ? WHERE id = ? AND first_reply_at IS NULL').run(m.at, m.handoffId);
    return { ...m, seq: Number(r.lastInsertRowid) };
  }
  async addMessage(m: NewHandoffMessage): Promise<HandoffMessage> {
    return this.insertMessage(m);
  }
  async markDelivered(seq: number, at: number): Promise<void> {
    this.db.prepare('UPDATE handoff_messages SET delivered_at = ?, undeliverable_at = NULL WHERE seq = ?').run(at, seq);
  }
  async markUndeliverable(seq: number, at: number): Promise<void> {
    this.db.prepare('UPDATE handoff_messages SET undeliverable_at = ? WHERE seq = ? AND delivered_at IS NULL').run(at, seq);
  }
  async retryUndeliverable(handoffId: string): Promise<number> {
    return this.db
      .prepare('UPDATE handoff_messages SET undeliverable_at = NULL WHERE handoff_id = ? AND undeliverable_at IS NOT NULL AND delivered_at IS NULL')
      .run(handoffId).changes;
  }
  async messages(handoffId: string, afterSeq = 0): Promise<HandoffMessage[]> {
    return (this.db.prepare('SELECT * FROM handoff_messages WHERE handoff_id = ? AND seq > ? ORDER BY seq').all(handoffId, afterSeq) as Row[]).map(toMessage);
  }
  async undelivered(): Promise<HandoffMessage[]> {
    return (
      this.db
        .prepare(
          "SELECT m.* FROM handoff_messages m WHERE m.author = 'caseworker' AND m.kind = 'message' AND m.delivered_at IS NULL AND m.undeliverable_at IS NULL ORDER BY m.seq",
        )
        .all() as Row[]
    ).map(toMessage);
  }
  async maxSeq(): Promise<number> {
    return ((this.db.prepare('SELECT MAX(seq) AS s FROM handoff_messages').get() as { s: number | null }).s ?? 0) as number;
  }
  async purgeTranscripts(before: number): Promise<number> {
    return this.db
      .transaction(() => {
        const ids = (
          this.db.prepare("SELECT id FROM handoffs WHERE status IN ('closed', 'cancelled') AND closed_at < ? AND transcript_purged = 0").all(before) as {
            id: string;
          }[]
        ).map((r) => r.id);
        for (const id of ids) {
          this.db.prepare('DELETE FROM handoff_messages WHERE handoff_id = ?').run(id);
          this.db
            .prepare('UPDATE handoffs SET transcript_purged = 1, outcome_note = NULL, address = NULL, conversation_id = ? WHERE id = ?')
            .run(`purged:${id}`, id);
        }
        return ids.length;
      })
      .immediate();
  }
  async stats(): Promise<{ outcome: string; lang: string; reason: string; n: number }[]> {
    return this.db
      .prepare(
        "SELECT COALESCE(outcome, status) AS outcome, lang, reason, COUNT(*) AS n FROM handoffs WHERE status IN ('closed', 'cancelled') GROUP BY 1, 2, 3 ORDER BY n DESC",
      )
      .all() as { outcome: string; lang: string; reason: string; n: number }[];
  }

  async createdBetween(from: number, to: number): Promise<Handoff[]> {
    return (this.db.prepare('SELECT * FROM handoffs WHERE created_at >= ? AND created_at < ? ORDER BY created_at').all(from, to) as Row[]).map(toHandoff);
  }
  async searchClosed(q: ClosedQuery, keptSince: number): Promise<{ items: Handoff[]; total: number }> {
    const where = ["status IN ('closed', 'cancelled')", 'transcript_purged = 0', 'closed_at >= ?'];
    const args: unknown[] = [keptSince];
    // LIKE with an escape character, so that % and _ typed into the search match only themselves.
    const prefix = (v: string) => `${v.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    if (q.pseudonym) {
      where.push("(conversation_id LIKE ? ESCAPE '\\' OR id LIKE ? ESCAPE '\\')");
      args.push(prefix(q.pseudonym), prefix(q.pseudonym));
    }
    if (q.lang) {
      where.push('lang = ?');
      args.push(q.lang);
    }
    if (q.topic) {
      where.push("(topic = ? OR topic LIKE ? ESCAPE '\\')");
      args.push(q.topic, prefix(`${q.topic}.`));
    }
    if (q.outcome === 'cancelled') where.push("status = 'cancelled'");
    else if (q.outcome) {
      where.push('outcome = ?');
      args.push(q.outcome);
    }
    if (q.caseworkerId) {
      where.push('caseworker_id = ?');
      args.push(q.caseworkerId);
    }
    if (q.from !== undefined) {
      where.push('closed_at >= ?');
      args.push(q.from);
    }
    if (q.to !== undefined) {
      where.push('closed_at < ?');
      args.push(q.to);
    }
    const w = where.join(' AND ');
    const total = (this.db.prepare(`SELECT COUNT(*) AS n FROM handoffs WHERE ${w}`).get(...args) as { n: number }).n;
    const rows = this.db.prepare(`SELECT * FROM handoffs WHERE ${w} ORDER BY closed_at DESC, id LIMIT ? OFFSET ?`).all(...args, q.limit, q.offset) as Row[];
    return { items: rows.map(toHandoff), total };
  }

  // --- audit
  async audit(staffId: string | undefined, handoffId: string | undefined, action: string, at: number): Promise<void> {
    this.db.prepare('INSERT INTO handoff_audit (staff_id, handoff_id, action, at) VALUES (?, ?, ?, ?)').run(staffId ?? null, handoffId ?? null, action, at);
  }
  async auditLog(handoffId?: string): Promise<AuditEntry[]> {
    const rows = (
      handoffId
        ? this.db.prepare('SELECT * FROM handoff_audit WHERE handoff_id = ? ORDER BY id').all(handoffId)
        : this.db.prepare('SELECT * FROM handoff_audit ORDER BY id DESC LIMIT 500').all()
    ) as Row[];
    return rows.map(toAudit);
  }
  async auditPage(q: AuditQuery): Promise<{ entries: AuditEntry[]; total: number }> {
    const where: string[] = [];
    const args: unknown[] = [];
    if (q.staffId) {
      where.push('staff_id = ?');
      args.push(q.staffId);
    }
    if (q.action) {
      where.push("action LIKE ? ESCAPE '\\'");
      args.push(`${q.action.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    }
    const w = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const total = (this.db.prepare(`SELECT COUNT(*) AS n FROM handoff_audit ${w}`).get(...args) as { n: number }).n;
    const rows = this.db.prepare(`SELECT * FROM handoff_audit ${w} ORDER BY id DESC LIMIT ? OFFSET ?`).all(...args, q.limit, q.offset) as Row[];
    return { entries: rows.map(toAudit), total };
  }
}

/** `StaffAccounts` in the core SQLite file; e-mail addresses are stored lower-case, so look-ups ignore case. */
export class SqliteStaffAccounts implements StaffAccounts {
  constructor(private readonly db: Database.Database) {}

  async insertStaff(s: Staff): Promise<void> {
    this.db
      .prepare(
        'INSERT INTO staff (id, email, name, role, password_hash, languages, topics, active, must_change_password, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run(
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
      );
  }
  async updateStaff(
    id: string,
    f: Partial<Pick<Staff, 'name' | 'role' | 'languages' | 'topics' | 'active' | 'passwordHash' | 'mustChangePassword'>>,
  ): Promise<void> {
    this.apply(id, f);
  }
  private apply(id: string, f: Partial<Pick<Staff, 'name' | 'role' | 'languages' | 'topics' | 'active' | 'passwordHash' | 'mustChangePassword'>>): void {
    const map: Row = {};
    if (f.name !== undefined) map.name = f.name;
    if (f.role !== undefined) map.role = f.role;
    if (f.languages !== undefined) map.languages = JSON.stringify(f.languages);
    if (f.topics !== undefined) map.topics = JSON.stringify(f.topics);
    if (f.active !== undefined) map.active = f.active ? 1 : 0;
    if (f.passwordHash !== undefined) map.password_hash = f.passwordHash;
    if (f.mustChangePassword !== undefined) map.must_change_password = f.mustChangePassword ? 1 : 0;
    const keys = Object.keys(map);
    if (keys.length) this.db.prepare(`UPDATE staff SET ${keys.map((k) => `${k} = ?`).join(', ')} WHERE id = ?`).run(...keys.map((k) => map[k]), id);
  }
  async updateStaffKeepingAnAdmin(id: string, f: Partial<Pick<Staff, 'role' | 'languages' | 'topics' | 'active'>>): Promise<boolean> {
    const noAdminLeft = new Error('no admin left');
    try {
      this.db
        .transaction(() => {
          this.apply(id, f);
          const n = (this.db.prepare("SELECT COUNT(*) AS n FROM staff WHERE role = 'admin' AND active = 1").get() as { n: number }).n;
          if (n === 0) throw noAdminLeft; // rolls the update back
        })
        .immediate();
      return true;
    } catch (err) {
      if (err === noAdminLeft) return false;
      throw err;
    }
  }
  async staffById(id: string): Promise<Staff | undefined> {
    const r = this.db.prepare('SELECT * FROM staff WHERE id = ?').get(id) as Row | undefined;
    return r ? toStaff(r) : undefined;
  }
  async staffByEmail(email: string): Promise<Staff | undefined> {
    const r = this.db.prepare('SELECT * FROM staff WHERE email = ?').get(email.toLowerCase()) as Row | undefined;
    return r ? toStaff(r) : undefined;
  }
  async allStaff(): Promise<Staff[]> {
    return (this.db.prepare('SELECT * FROM staff ORDER BY name').all() as Row[]).map(toStaff);
  }
  async countStaff(): Promise<number> {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM staff').get() as { n: number }).n;
  }

  async insertSession(tokenHash: string, staffId: string, csrf: string, expiresAt: number, at: number): Promise<void> {
    this.db
      .prepare('INSERT INTO staff_sessions (token_hash, staff_id, csrf, expires_at, created_at, last_seen_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(tokenHash, staffId, csrf, expiresAt, at, at);
  }
  async session(tokenHash: string, now: number): Promise<StaffSession | undefined> {
    const r = this.db
      .prepare('SELECT staff_id, csrf, created_at, last_seen_at, expires_at FROM staff_sessions WHERE token_hash = ? AND expires_at > ?')
      .get(tokenHash, now) as Row | undefined;
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
    this.db.prepare('UPDATE staff_sessions SET last_seen_at = MAX(last_seen_at, ?) WHERE token_hash = ?').run(at, tokenHash);
  }
  async deleteSession(tokenHash: string): Promise<void> {
    this.db.prepare('DELETE FROM staff_sessions WHERE token_hash = ?').run(tokenHash);
  }
  async deleteSessionsOf(staffId: string): Promise<number> {
    return this.db.prepare('DELETE FROM staff_sessions WHERE staff_id = ?').run(staffId).changes;
  }
  async deleteExpiredSessions(now: number, idleBefore?: number): Promise<number> {
    return this.db.prepare('DELETE FROM staff_sessions WHERE expires_at <= ? OR last_seen_at < ?').run(now, idleBefore ?? Number.MIN_SAFE_INTEGER).changes;
  }
}
