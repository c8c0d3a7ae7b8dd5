/**
 * Embedded SQLite store (better-sqlite3): one file under DATA_DIR, created on
 * first start, with versioned migrations recorded in `schema_migrations`.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { ConversationRef } from '../shared/conversation.js';
import type { ContentVersions } from './content-versions.js';
import { contentVersionMigrations, SqliteContentVersions } from './sqlite-content-versions.js';
import type { Handoffs } from './handoffs.js';
import { WriteBatch } from './sqlite-batch.js';
import { Checkpointer } from './sqlite-checkpoint.js';
import type { RateCounters } from './rate-counters.js';
import { handoffMigrations, SqliteHandoffs, SqliteStaffAccounts } from './sqlite-handoffs.js';
import type { Inbox } from './inbox.js';
import { SqliteInbox } from './sqlite-inbox.js';
import type { QuestionRecords } from './questions.js';
import { questionMigrations, SqliteQuestions } from './sqlite-questions.js';
import { SqliteRateCounters, SqliteWebchatLog } from './sqlite-webchat-log.js';
import { SqliteSnippets, snippetMigrations } from './sqlite-snippets.js';
import type { Snippets } from './snippets.js';
import type { StaffAccounts } from './staff.js';
import type { FeedbackRecord, ForgetResult, SessionRecord, Store, UnansweredRecord } from './store.js';
import type { WebchatLog } from './webchat-log.js';

/** One schema change; `rebuildsTable`: it copies a table into a new one (see `SqliteStore.migrateWith`). */
export interface SqliteMigration {
  version: number;
  name: string;
  sql: string;
  rebuildsTable?: boolean;
}

/** Append-only: never edit a migration that has shipped; add the next one. */
export const sqliteMigrations: SqliteMigration[] = [
  {
    version: 1,
    name: 'sessions, feedback, unanswered, kv',
    sql: `
      CREATE TABLE sessions (
        channel TEXT NOT NULL, conversation_id TEXT NOT NULL,
        state TEXT NOT NULL, updated_at INTEGER NOT NULL,
        PRIMARY KEY (channel, conversation_id));
      CREATE INDEX sessions_updated ON sessions(updated_at);
      CREATE TABLE feedback (
        id INTEGER PRIMARY KEY AUTOINCREMENT, channel TEXT NOT NULL, conversation_id TEXT NOT NULL,
        topic TEXT NOT NULL, lang TEXT NOT NULL, helpful INTEGER NOT NULL, content_version TEXT NOT NULL, at INTEGER NOT NULL);
      CREATE TABLE unanswered (
        id INTEGER PRIMARY KEY AUTOINCREMENT, lang TEXT NOT NULL, text TEXT NOT NULL, content_version TEXT NOT NULL, at INTEGER NOT NULL);
      CREATE TABLE kv (
        ns TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, expires_at INTEGER,
        PRIMARY KEY (ns, key));
      CREATE INDEX kv_expires ON kv(expires_at) WHERE expires_at IS NOT NULL;
    `,
  },
  {
    version: 2,
    name: 'webchat: Direct Line conversations, activity log, rate-limit counters',
    sql: `
      CREATE TABLE webchat_conversations (
        id TEXT PRIMARY KEY, user_id TEXT NOT NULL, base_url TEXT NOT NULL, lang TEXT,
        last_seq INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, expires_at INTEGER NOT NULL);
      CREATE INDEX webchat_conversations_expires ON webchat_conversations(expires_at);
      CREATE TABLE webchat_activities (
        conversation_id TEXT NOT NULL, seq INTEGER NOT NULL, client_id TEXT, activity TEXT NOT NULL, at INTEGER NOT NULL,
        PRIMARY KEY (conversation_id, seq));
      CREATE UNIQUE INDEX webchat_activities_client ON webchat_activities(conversation_id, client_id) WHERE client_id IS NOT NULL;
      CREATE TABLE webchat_rate (
        key TEXT PRIMARY KEY, n INTEGER NOT NULL, reset_at INTEGER NOT NULL);
    `,
  },
  {
    version: 3,
    name: 'privacy: unanswered questions linked to their conversation (for "delete my data"), indexes for retention',
    sql: `
      ALTER TABLE unanswered ADD COLUMN channel TEXT;
      ALTER TABLE unanswered ADD COLUMN conversation_id TEXT;
      CREATE INDEX unanswered_conv ON unanswered(channel, conversation_id);
      CREATE INDEX unanswered_at ON unanswered(at);
      CREATE INDEX feedback_conv ON feedback(channel, conversation_id);
      CREATE INDEX feedback_at ON feedback(at);
    `,
  },
  {
    version: 4,
    name: 'inbox: incoming messages stored before they are acknowledged, finished after a crash (issue 13.2)',
    sql: `
      CREATE TABLE inbox (
        seq INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT NOT NULL UNIQUE, channel TEXT NOT NULL, external_id TEXT NOT NULL,
        conversation_id TEXT NOT NULL, payload TEXT, reply TEXT, sent INTEGER NOT NULL DEFAULT 0, sending INTEGER NOT NULL DEFAULT 0, attempts INTEGER NOT NULL DEFAULT 0,
        received_at INTEGER NOT NULL, done_at INTEGER);
      CREATE INDEX inbox_pending ON inbox(channel, seq) WHERE done_at IS NULL;
      CREATE INDEX inbox_conv ON inbox(channel, conversation_id);
      CREATE INDEX inbox_done ON inbox(done_at) WHERE done_at IS NOT NULL;
    `,
  },
];

/** Database files are readable by the server's user only (the journal files too: SQLite gives them the database file's mode). */
const FILE_MODE = 0o600;

/** Creates the database file with mode 0600 if it does not exist, and tightens an existing one (and its -wal/-shm). */
function protectFiles(file: string): void {
  fs.closeSync(fs.openSync(file, 'a', FILE_MODE));
  for (const f of [file, `${file}-wal`, `${file}-shm`, `${file}-journal`]) {
    try {
      if ((fs.statSync(f).mode & 0o777) !== FILE_MODE) fs.chmodSync(f, FILE_MODE);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
}

/** The statements used on every message, prepared once (after migrate: a statement on a missing table cannot be prepared). */
function coreStatements(db: Database.Database) {
  return {
    getSession: db.prepare('SELECT state, updated_at FROM sessions WHERE channel = ? AND conversation_id = ?'),
    putSession: db.prepare(
      'INSERT INTO sessions (channel, conversation_id, state, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT(channel, conversation_id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at',
    ),
    deleteSession: db.prepare('DELETE FROM sessions WHERE channel = ? AND conversation_id = ?'),
    addFeedback: db.prepare('INSERT INTO feedback (channel, conversation_id, topic, lang, helpful, content_version, at) VALUES (?, ?, ?, ?, ?, ?, ?)'),
    addUnanswered: db.prepare(
      'INSERT INTO unanswered (channel, conversation_id, lang, text, content_version, at, kind, topic) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    ),
    kvGet: db.prepare('SELECT value, expires_at FROM kv WHERE ns = ? AND key = ?'),
    kvPut: db.prepare(
      'INSERT INTO kv (ns, key, value, expires_at) VALUES (?, ?, ?, ?) ON CONFLICT(ns, key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at',
    ),
    kvDelete: db.prepare('DELETE FROM kv WHERE ns = ? AND key = ?'),
  };
}

/**
 * The default `Store`: one SQLite file in WAL mode, migrated on `migrate()`. `":memory:"` gives a
 * throw-away store for tests.
 */
export class SqliteStore implements Store {
  /** The open database, for the record classes in this folder (and tests); nothing outside src/store writes SQL. */
  readonly db: Database.Database;
  /** Group commit: the writes of one event-loop turn in one transaction (sqlite-batch.ts). */
  readonly batch: WriteBatch;
  /** Every write of the records below goes through `batch`: the writes of one tick commit together. */
  readonly groupsWritesPerTick = true;
  private readonly checkpointer?: Checkpointer;
  /** Statements used on every message, prepared once (preparing one cost about as much as running it). */
  private statements?: ReturnType<typeof coreStatements>;
  private get q(): ReturnType<typeof coreStatements> {
    return (this.statements ??= coreStatements(this.db));
  }

  constructor(
    file: string,
    private readonly now: () => number = Date.now,
  ) {
    if (file !== ':memory:') {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      protectFiles(file);
    }
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.pragma('foreign_keys = ON');
    // Deleted records are overwritten, not left in free pages of the file for anyone who reads it raw.
    this.db.pragma('secure_delete = ON');
    this.batch = new WriteBatch(this.db);
    // The log is copied back into the file on a thread of its own, not in a commit (sqlite-checkpoint.ts).
    if (file !== ':memory:') this.checkpointer = new Checkpointer(this.db, file);
  }

  /**
   * Applies the migrations this file has not seen yet, each in a transaction. A migration that
   * rebuilds a table others refer to (SQLite cannot change a CHECK in place) sets `rebuildsTable`:
   * it runs with foreign keys off, as SQLite's documented table rebuild needs (dropping the old
   * table would otherwise cascade into the rows that refer to it), and is checked before it commits.
   */
  migrateWith(migrations: SqliteMigration[]): void {
    this.db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)');
    const done = new Set((this.db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((r) => r.version));
    for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
      if (done.has(m.version)) continue;
      if (m.rebuildsTable) this.db.pragma('foreign_keys = OFF');
      try {
        // IMMEDIATE, and asked again inside: a second server starting on the same file at the same
        // moment waits for this one's migration and then finds it applied.
        this.db
          .transaction(() => {
            if (this.db.prepare('SELECT 1 FROM schema_migrations WHERE version = ?').get(m.version)) return;
            this.db.exec(m.sql);
            if (m.rebuildsTable && (this.db.pragma('foreign_key_check') as unknown[]).length)
              throw new Error(`migration ${m.version} would break references between tables`);
            this.db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(m.version, m.name, this.now());
          })
          .immediate();
      } finally {
        if (m.rebuildsTable) this.db.pragma('foreign_keys = ON');
      }
    }
  }

  async migrate(): Promise<void> {
    this.migrateWith(sqliteMigrations);
    // The runtime writes the co-creation columns with every question, so they come with the core tables.
    this.migrateWith(questionMigrations);
  }

  async getSession(ref: ConversationRef): Promise<SessionRecord | undefined> {
    const row = this.q.getSession.get(ref.channel, ref.conversationId) as { state: string; updated_at: number } | undefined;
    if (!row) return undefined;
    // A row that is not JSON (a broken write, a hand edit) reads as no state: the runtime starts afresh and says so.
    let state: unknown;
    try {
      state = JSON.parse(row.state);
    } catch {
      state = undefined;
    }
    return { ref, state, updatedAt: row.updated_at };
  }

  async putSession(rec: SessionRecord): Promise<void> {
    const state = JSON.stringify(rec.state);
    await this.batch.run(() => this.q.putSession.run(rec.ref.channel, rec.ref.conversationId, state, rec.updatedAt));
  }

  async deleteSession(ref: ConversationRef): Promise<void> {
    await this.batch.run(() => this.q.deleteSession.run(ref.channel, ref.conversationId));
  }

  async expireSessions(before: number): Promise<number> {
    return this.db.prepare('DELETE FROM sessions WHERE updated_at < ?').run(before).changes;
  }

  async addFeedback(r: FeedbackRecord): Promise<void> {
    await this.batch.run(() => this.q.addFeedback.run(r.ref.channel, r.ref.conversationId, r.topic, r.lang, r.helpful ? 1 : 0, r.contentVersion, r.at));
  }

  async listFeedback(limit = 1000): Promise<FeedbackRecord[]> {
    const rows = this.db.prepare('SELECT * FROM feedback ORDER BY id DESC LIMIT ?').all(limit) as Record<string, unknown>[];
    return rows.map((r) => ({
      ref: { channel: r.channel as ConversationRef['channel'], conversationId: r.conversation_id as string },
      topic: r.topic as string,
      lang: r.lang as string,
      helpful: r.helpful === 1,
      contentVersion: r.content_version as string,
      at: r.at as number,
    }));
  }

  async addUnanswered(r: UnansweredRecord): Promise<void> {
    await this.batch.run(() =>
      this.q.addUnanswered.run(
        r.ref?.channel ?? null,
        r.ref?.conversationId ?? null,
        r.lang,
        r.text,
        r.contentVersion,
        r.at,
        r.kind ?? 'unanswered',
        r.topic ?? null,
      ),
    );
  }

  async listUnanswered(limit = 1000): Promise<UnansweredRecord[]> {
    const rows = this.db.prepare('SELECT lang, text, content_version, at FROM unanswered ORDER BY id DESC LIMIT ?').all(limit) as Record<string, unknown>[];
    return rows.map((r) => ({ lang: r.lang as string, text: r.text as string, contentVersion: r.content_version as string, at: r.at as number }));
  }

  async deleteConversationData(ref: ConversationRef): Promise<void> {
    await this.forgetPerson(ref);
  }

  async forgetPerson(ref: ConversationRef): Promise<ForgetResult> {
    const { channel, conversationId: id } = ref;
    const run = (sql: string, ...args: unknown[]) => this.db.prepare(sql).run(...args).changes;
    // What is queued goes first (a message of this person's stored a moment ago is erased too), and the
    // checkpoint below must not run inside a transaction.
    this.batch.flush();
    const result = this.db
      .transaction((): ForgetResult => {
        const r: ForgetResult = {
          sessions: run('DELETE FROM sessions WHERE channel = ? AND conversation_id = ?', channel, id),
          feedback: run('DELETE FROM feedback WHERE channel = ? AND conversation_id = ?', channel, id),
          unanswered: run('DELETE FROM unanswered WHERE channel = ? AND conversation_id = ?', channel, id),
          // Messages stored for processing: their text, and the keys of finished ones.
          inbox: run('DELETE FROM inbox WHERE channel = ? AND conversation_id = ?', channel, id),
          webchatConversations: 0,
          handoffs: 0,
          handoffMessages: 0,
          // Keyed records that name the conversation (Telegram's "blocked" mark, channel state): by key, or in the value.
          kv: run("DELETE FROM kv WHERE key = ? OR substr(key, 1, ?) = ? || ':' OR instr(value, ?) > 0", id, id.length + 1, id, id),
        };
        if (channel === 'webchat') {
          run('DELETE FROM webchat_activities WHERE conversation_id = ?', id);
          run("DELETE FROM webchat_rate WHERE key = 'conv:' || ?", id);
          r.webchatConversations = run('DELETE FROM webchat_conversations WHERE id = ?', id);
        }
        if (this.hasTable('handoffs')) {
          const ids = (this.db.prepare('SELECT id FROM handoffs WHERE channel = ? AND conversation_id = ?').all(channel, id) as { id: string }[]).map(
            (x) => x.id,
          );
          const now = this.now();
          for (const h of ids) {
            r.handoffMessages += run('DELETE FROM handoff_messages WHERE handoff_id = ?', h);
            // What stays is a count for the statistics: language, reason, topic id, outcome, times. Nothing the person or a caseworker wrote.
            run(
              `UPDATE handoffs SET status = CASE WHEN status IN ('queued', 'active') THEN 'cancelled' ELSE status END, closed_at = COALESCE(closed_at, ?),
             outcome_note = NULL, address = NULL, conversation_id = 'deleted:' || id, transcript_purged = 1 WHERE id = ?`,
              now,
              h,
            );
            run("INSERT INTO handoff_messages (handoff_id, author, kind, text, at) VALUES (?, 'system', 'event', 'deleted by the person', ?)", h, now);
            r.handoffs++;
          }
        }
        return r;
      })
      .immediate();
    // The write-ahead log still holds the pages as they were: copy the new ones into the file and empty it.
    this.db.pragma('wal_checkpoint(TRUNCATE)');
    return result;
  }

  async expireRecords(before: number): Promise<number> {
    const del = (table: 'feedback' | 'unanswered') => this.db.prepare(`DELETE FROM ${table} WHERE at < ?`).run(before).changes;
    return this.db.transaction(() => del('feedback') + del('unanswered')).immediate();
  }

  async forgetRecentText(before: number): Promise<number> {
    return this.db
      .prepare(
        "UPDATE sessions SET state = json_remove(state, '$.recent') WHERE updated_at < ? AND json_valid(state) AND json_type(state, '$.recent') IS NOT NULL",
      )
      .run(before).changes;
  }

  private hasTable(name: string): boolean {
    return this.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined;
  }

  private live(row: { value: string; expires_at: number | null } | undefined): string | undefined {
    if (!row) return undefined;
    if (row.expires_at !== null && row.expires_at <= this.now()) return undefined;
    return row.value;
  }

  async kvGet(ns: string, key: string): Promise<string | undefined> {
    return this.live(this.q.kvGet.get(ns, key) as never);
  }

  async kvPut(ns: string, key: string, value: string, ttlMs?: number): Promise<void> {
    const expires = ttlMs ? this.now() + ttlMs : null;
    await this.batch.run(() => this.q.kvPut.run(ns, key, value, expires));
  }

  async kvPutIfAbsent(ns: string, key: string, value: string, ttlMs?: number): Promise<boolean> {
    // Read and write in the batch's IMMEDIATE transaction: no other process can insert the key in between
    // (a deferred read-then-write was refused with "database is locked" by a second instance, issue 17.1).
    const expires = ttlMs ? this.now() + ttlMs : null;
    return this.batch.run(() => {
      if (this.live(this.q.kvGet.get(ns, key) as never) !== undefined) return false;
      this.q.kvPut.run(ns, key, value, expires);
      return true;
    });
  }

  async kvDelete(ns: string, key: string): Promise<void> {
    await this.batch.run(() => this.q.kvDelete.run(ns, key));
  }

  async kvList(ns: string, prefix = ''): Promise<{ key: string; value: string }[]> {
    const rows = this.db
      .prepare('SELECT key, value, expires_at FROM kv WHERE ns = ? AND substr(key, 1, ?) = ? ORDER BY key')
      .all(ns, prefix.length, prefix) as { key: string; value: string; expires_at: number | null }[];
    const now = this.now();
    return rows.filter((r) => r.expires_at === null || r.expires_at > now).map((r) => ({ key: r.key, value: r.value }));
  }

  /** Housekeeping: drop expired kv rows. */
  async kvSweep(): Promise<number> {
    return this.db.prepare('DELETE FROM kv WHERE expires_at IS NOT NULL AND expires_at <= ?').run(this.now()).changes;
  }

  /** Opened once each, on first request. */
  private readonly records: {
    webchatLog?: WebchatLog;
    rateCounters?: RateCounters;
    inbox?: Inbox;
    handoffs?: Handoffs;
    staffAccounts?: StaffAccounts;
    snippets?: Snippets;
    questions?: QuestionRecords;
    contentVersions?: ContentVersions;
  } = {};

  inbox(): Inbox {
    return (this.records.inbox ??= new SqliteInbox(this.db, this.batch));
  }

  webchatLog(): WebchatLog {
    return (this.records.webchatLog ??= new SqliteWebchatLog(this.db, this.batch));
  }

  rateCounters(): RateCounters {
    return (this.records.rateCounters ??= new SqliteRateCounters(this.db, this.batch));
  }

  async handoffs(): Promise<Handoffs> {
    this.migrateWith(handoffMigrations);
    return (this.records.handoffs ??= new SqliteHandoffs(this.db));
  }

  async staffAccounts(): Promise<StaffAccounts> {
    this.migrateWith(handoffMigrations);
    return (this.records.staffAccounts ??= new SqliteStaffAccounts(this.db));
  }

  async snippets(): Promise<Snippets> {
    this.migrateWith(snippetMigrations);
    return (this.records.snippets ??= new SqliteSnippets(this.db));
  }

  async questions(): Promise<QuestionRecords> {
    return (this.records.questions ??= new SqliteQuestions(this.db));
  }

  async contentVersions(): Promise<ContentVersions> {
    this.migrateWith(contentVersionMigrations);
    return (this.records.contentVersions ??= new SqliteContentVersions(this.db));
  }

  async ping(): Promise<boolean> {
    try {
      return (this.db.prepare('SELECT 1 AS ok').get() as { ok: number }).ok === 1;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    if (this.db.open) this.batch.flush();
    // Its connection closed first: the main one is then the last, and SQLite empties the log as it closes.
    await this.checkpointer?.close();
    if (this.db.open) this.db.close();
  }
}
