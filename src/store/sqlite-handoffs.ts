/**
 * Handoffs, their messages, the audit log, staff accounts and staff sessions
 * in the core SQLite file, so one file holds everything. The tables come
 * with their own migrations (versions 100+), applied when the handoff
 * module first opens them.
 */
import type Database from 'better-sqlite3';
import type { ConversationRef } from '../shared/conversation.js';
import type { AuditEntry, Handoff, HandoffMessage, HandoffPatch, HandoffStatus, Handoffs, NewHandoffMessage } from './handoffs.js';
import type { Role, Staff, StaffAccounts } from './staff.js';

/** Migrations of the handoff tables (versions 100+), applied by `SqliteStore` when handoffs or staff accounts are first asked for. */
export const handoffMigrations = [
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
    name: 'handoff: a message relayed from a stored incoming message is stored once, also when its turn runs again after a crash',
    sql: `ALTER TABLE handoff_messages ADD COLUMN source TEXT;
      CREATE UNIQUE INDEX handoff_messages_source ON handoff_messages(source) WHERE source IS NOT NULL;`,
  },
];

type Row = Record<string, unknown>;
const opt = <T>(v: unknown): T | undefined => (v === null || v === undefined ? undefined : (v as T));

function toHandoff(r: Row): Handoff {
  return {
    id: r.id as string,
    ref: { channel: r.channel as string, conversationId: r.conversation_id as string },
    address: opt(r.address),
    lang: r.lang as string,
    reason: r.reason as string,
    topic: opt(r.topic),
    priority: r.priority as number,
    status: r.status as HandoffStatus,
    caseworkerId: opt(r.caseworker_id),
    createdAt: r.created_at as number,
    takenAt: opt(r.taken_at),
    closedAt: opt(r.closed_at),
    outcome: opt(r.outcome),
    outcomeService: opt(r.outcome_service),
    outcomeNote: opt(r.outcome_note),
    offHours: r.off_hours === 1,
    waitingNoticeAt: opt(r.waiting_notice_at),
    unreachableNoticeAt: opt(r.unreachable_notice_at),
    lastPosition: opt(r.last_position),
    transcriptPurged: r.transcript_purged === 1,
  };
}
function toMessage(r: Row): HandoffMessage {
  return {
    seq: r.seq as number,
    handoffId: r.handoff_id as string,
    author: r.author as HandoffMessage['author'],
    staffId: opt(r.staff_id),
    kind: r.kind as HandoffMessage['kind'],
    text: r.text as string,
    topic: opt(r.topic),
    at: r.at as number,
    deliveredAt: opt(r.delivered_at),
    undeliverableAt: opt(r.undeliverable_at),
    source: opt(r.source),
  };
}
function toStaff(r: Row): Staff {
  return {
    id: r.id as string,
    email: r.email as string,
    name: r.name as string,
    role: r.role as Role,
    passwordHash: r.password_hash as string,
    languages: JSON.parse(r.languages as string) as string[],
    topics: JSON.parse(r.topics as string) as string[],
    active: r.active === 1,
    createdAt: r.created_at as number,
  };
}

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
  waitingNoticeAt: 'waiting_notice_at',
  unreachableNoticeAt: 'unreachable_notice_at',
  lastPosition: 'last_position',
  address: 'address',
  offHours: 'off_hours',
};

/** `Handoffs` in the core SQLite file. Synchronous underneath (better-sqlite3); async to fit the interface. */
export class SqliteHandoffs implements Handoffs {
  constructor(private readonly db: Database.Database) {}

  // --- handoffs
  async insertHandoff(h: Handoff, first: Omit<NewHandoffMessage, 'handoffId'>[] = []): Promise<void> {
    this.db.transaction(() => {
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
    })();
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

  // --- messages
  private insertMessage(m: NewHandoffMessage): HandoffMessage {
    if (m.source) {
      const known = this.db.prepare('SELECT * FROM handoff_messages WHERE source = ?').get(m.source) as Row | undefined;
      if (known) return toMessage(known);
    }
    const r = this.db
      .prepare('INSERT INTO handoff_messages (handoff_id, author, staff_id, kind, text, topic, at, delivered_at, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(m.handoffId, m.author, m.staffId ?? null, m.kind, m.text, m.topic ?? null, m.at, m.deliveredAt ?? null, m.source ?? null);
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
    return this.db.transaction(() => {
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
    })();
  }
  async stats(): Promise<{ outcome: string; lang: string; reason: string; n: number }[]> {
    return this.db
      .prepare(
        "SELECT COALESCE(outcome, status) AS outcome, lang, reason, COUNT(*) AS n FROM handoffs WHERE status IN ('closed', 'cancelled') GROUP BY 1, 2, 3 ORDER BY n DESC",
      )
      .all() as { outcome: string; lang: string; reason: string; n: number }[];
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
    return rows.map((r) => ({ staffId: opt(r.staff_id), handoffId: opt(r.handoff_id), action: r.action as string, at: r.at as number }));
  }
}

/** `StaffAccounts` in the core SQLite file; e-mail addresses are stored lower-case, so look-ups ignore case. */
export class SqliteStaffAccounts implements StaffAccounts {
  constructor(private readonly db: Database.Database) {}

  async insertStaff(s: Staff): Promise<void> {
    this.db
      .prepare('INSERT INTO staff (id, email, name, role, password_hash, languages, topics, active, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(s.id, s.email.toLowerCase(), s.name, s.role, s.passwordHash, JSON.stringify(s.languages), JSON.stringify(s.topics), s.active ? 1 : 0, s.createdAt);
  }
  async updateStaff(id: string, f: Partial<Pick<Staff, 'name' | 'role' | 'languages' | 'topics' | 'active' | 'passwordHash'>>): Promise<void> {
    const map: Row = {};
    if (f.name !== undefined) map.name = f.name;
    if (f.role !== undefined) map.role = f.role;
    if (f.languages !== undefined) map.languages = JSON.stringify(f.languages);
    if (f.topics !== undefined) map.topics = JSON.stringify(f.topics);
    if (f.active !== undefined) map.active = f.active ? 1 : 0;
    if (f.passwordHash !== undefined) map.password_hash = f.passwordHash;
    const keys = Object.keys(map);
    if (keys.length) this.db.prepare(`UPDATE staff SET ${keys.map((k) => `${k} = ?`).join(', ')} WHERE id = ?`).run(...keys.map((k) => map[k]), id);
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
      .prepare('INSERT INTO staff_sessions (token_hash, staff_id, csrf, expires_at, created_at) VALUES (?, ?, ?, ?, ?)')
      .run(tokenHash, staffId, csrf, expiresAt, at);
  }
  async session(tokenHash: string, now: number): Promise<{ staffId: string; csrf: string } | undefined> {
    const r = this.db.prepare('SELECT staff_id, csrf FROM staff_sessions WHERE token_hash = ? AND expires_at > ?').get(tokenHash, now) as
      | { staff_id: string; csrf: string }
      | undefined;
    return r ? { staffId: r.staff_id, csrf: r.csrf } : undefined;
  }
  async deleteSession(tokenHash: string): Promise<void> {
    this.db.prepare('DELETE FROM staff_sessions WHERE token_hash = ?').run(tokenHash);
  }
  async deleteExpiredSessions(now: number): Promise<void> {
    this.db.prepare('DELETE FROM staff_sessions WHERE expires_at <= ?').run(now);
  }
}
