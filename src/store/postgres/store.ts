/**
 * The PostgreSQL `Store`, for deployments that run several instances (or
 * want a database server): chosen when DATABASE_URL is a postgres:// URL
 * (src/store/index.ts). One connection pool per instance; the tables are the
 * SQLite ones, migration by migration (migrations.ts), applied once however
 * many instances start together. Every read that decides a write is either
 * one statement (INSERT ... ON CONFLICT, a conditional UPDATE), a row lock
 * (SELECT ... FOR UPDATE) or a SERIALIZABLE transaction that is retried.
 */
import type pg from 'pg';
import type { ConversationRef } from '../../shared/conversation.js';
import type { ContentVersions } from '../content-versions.js';
import type { Handoffs } from '../handoffs.js';
import type { Inbox } from '../inbox.js';
import type { QuestionRecords } from '../questions.js';
import type { RateCounters } from '../rate-counters.js';
import type { Snippets } from '../snippets.js';
import type { StaffAccounts } from '../staff.js';
import type { FeedbackRecord, ForgetResult, SessionRecord, Store, UnansweredRecord } from '../store.js';
import type { WebchatLog } from '../webchat-log.js';
import { PgContentVersions } from './content-versions.js';
import { createPool, migrate, type PgMigration, type PgOptions, tx } from './db.js';
import { MESSAGE_LOCK, PgHandoffs } from './handoffs.js';
import { PgInbox, PUT_SESSION } from './inbox.js';
import { pgContentVersionMigrations, pgCoreMigrations, pgHandoffMigrations, pgQuestionMigrations, pgSnippetMigrations } from './migrations.js';
import { PgQuestions } from './questions.js';
import { PgRateCounters } from './rate-counters.js';
import { PgSnippets } from './snippets.js';
import { PgStaffAccounts } from './staff.js';
import { PgWebchatLog } from './webchat-log.js';

/** `Store` on a PostgreSQL database (see the file comment). */
export class PostgresStore implements Store {
  /** The connection pool, for the record classes in this folder (and tests); nothing outside src/store writes SQL. */
  readonly pool: pg.Pool;
  /** Each write is a transaction of its own, on whichever pooled connection is free: writes that depend on each other are awaited in order. */
  readonly groupsWritesPerTick = false;
  private closed = false;

  constructor(
    options: PgOptions,
    private readonly now: () => number = Date.now,
  ) {
    this.pool = createPool(options);
  }

  /** Applies the given migrations that this database has not seen yet (once across instances). */
  async migrateWith(migrations: PgMigration[]): Promise<void> {
    await migrate(this.pool, migrations, this.now());
  }

  async migrate(): Promise<void> {
    // The runtime writes the co-creation columns (450) with every question, so they come with the core tables.
    await this.migrateWith([...pgCoreMigrations, ...pgQuestionMigrations]);
  }

  async getSession(ref: ConversationRef): Promise<SessionRecord | undefined> {
    const row = (
      await this.pool.query<{ state: string; updated_at: number }>('SELECT state, updated_at FROM sessions WHERE channel = $1 AND conversation_id = $2', [
        ref.channel,
        ref.conversationId,
      ])
    ).rows[0];
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
    await this.pool.query(PUT_SESSION, [rec.ref.channel, rec.ref.conversationId, JSON.stringify(rec.state), rec.updatedAt]);
  }

  async deleteSession(ref: ConversationRef): Promise<void> {
    await this.pool.query('DELETE FROM sessions WHERE channel = $1 AND conversation_id = $2', [ref.channel, ref.conversationId]);
  }

  async expireSessions(before: number): Promise<number> {
    return (await this.pool.query('DELETE FROM sessions WHERE updated_at < $1', [before])).rowCount ?? 0;
  }

  async addFeedback(r: FeedbackRecord): Promise<void> {
    await this.pool.query('INSERT INTO feedback (channel, conversation_id, topic, lang, helpful, content_version, at) VALUES ($1, $2, $3, $4, $5, $6, $7)', [
      r.ref.channel,
      r.ref.conversationId,
      r.topic,
      r.lang,
      r.helpful ? 1 : 0,
      r.contentVersion,
      r.at,
    ]);
  }

  async listFeedback(limit = 1000): Promise<FeedbackRecord[]> {
    const rows = (await this.pool.query<Record<string, unknown>>('SELECT * FROM feedback ORDER BY id DESC LIMIT $1', [limit])).rows;
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
    await this.pool.query(
      'INSERT INTO unanswered (channel, conversation_id, lang, text, content_version, at, kind, topic) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)',
      [r.ref?.channel ?? null, r.ref?.conversationId ?? null, r.lang, r.text, r.contentVersion, r.at, r.kind ?? 'unanswered', r.topic ?? null],
    );
  }

  async listUnanswered(limit = 1000): Promise<UnansweredRecord[]> {
    const rows = (await this.pool.query<Record<string, unknown>>('SELECT lang, text, content_version, at FROM unanswered ORDER BY id DESC LIMIT $1', [limit]))
      .rows;
    return rows.map((r) => ({ lang: r.lang as string, text: r.text as string, contentVersion: r.content_version as string, at: r.at as number }));
  }

  async deleteConversationData(ref: ConversationRef): Promise<void> {
    await this.forgetPerson(ref);
  }

  async forgetPerson(ref: ConversationRef): Promise<ForgetResult> {
    const { channel, conversationId: id } = ref;
    const now = this.now();
    return tx(this.pool, async (c) => {
      const run = async (sql: string, args: unknown[]) => (await c.query(sql, args)).rowCount ?? 0;
      const r: ForgetResult = {
        sessions: await run('DELETE FROM sessions WHERE channel = $1 AND conversation_id = $2', [channel, id]),
        feedback: await run('DELETE FROM feedback WHERE channel = $1 AND conversation_id = $2', [channel, id]),
        unanswered: await run('DELETE FROM unanswered WHERE channel = $1 AND conversation_id = $2', [channel, id]),
        // Messages stored for processing: their text, and the keys of finished ones.
        inbox: await run('DELETE FROM inbox WHERE channel = $1 AND conversation_id = $2', [channel, id]),
        webchatConversations: 0,
        handoffs: 0,
        handoffMessages: 0,
        // Keyed records that name the conversation (Telegram's "blocked" mark, channel state): by key, or in the value.
        kv: await run("DELETE FROM kv WHERE key = $1 OR left(key, length($1) + 1) = $1 || ':' OR strpos(value, $1) > 0", [id]),
      };
      if (channel === 'webchat') {
        await run('DELETE FROM webchat_activities WHERE conversation_id = $1', [id]);
        await run("DELETE FROM webchat_rate WHERE key = 'conv:' || $1", [id]);
        r.webchatConversations = await run('DELETE FROM webchat_conversations WHERE id = $1', [id]);
      }
      if ((await c.query("SELECT to_regclass('handoffs') IS NOT NULL AS t")).rows[0]?.t) {
        // The message lock before the handoff rows, in the order addMessage takes them, so the two never wait for each other.
        await c.query(MESSAGE_LOCK);
        const ids = (
          await c.query<{ id: string }>('SELECT id FROM handoffs WHERE channel = $1 AND conversation_id = $2 ORDER BY id FOR UPDATE', [channel, id])
        ).rows.map((x) => x.id);
        for (const h of ids) {
          r.handoffMessages += await run('DELETE FROM handoff_messages WHERE handoff_id = $1', [h]);
          // What stays is a count for the statistics: language, reason, topic id, outcome, times. Nothing the person or a caseworker wrote.
          await run(
            `UPDATE handoffs SET status = CASE WHEN status IN ('queued', 'active') THEN 'cancelled' ELSE status END, closed_at = COALESCE(closed_at, $1),
             outcome_note = NULL, address = NULL, conversation_id = 'deleted:' || id, transcript_purged = 1 WHERE id = $2`,
            [now, h],
          );
          await run("INSERT INTO handoff_messages (handoff_id, author, kind, text, at) VALUES ($1, 'system', 'event', 'deleted by the person', $2)", [h, now]);
          r.handoffs++;
        }
      }
      return r;
    });
  }

  async expireRecords(before: number): Promise<number> {
    return tx(this.pool, async (c) => {
      const del = async (table: 'feedback' | 'unanswered') => (await c.query(`DELETE FROM ${table} WHERE at < $1`, [before])).rowCount ?? 0;
      return (await del('feedback')) + (await del('unanswered'));
    });
  }

  async forgetRecentText(before: number): Promise<number> {
    const r = await this.pool.query(
      `UPDATE sessions SET state = (lotse_try_jsonb(state) - 'recent')::text
       WHERE updated_at < $1 AND jsonb_typeof(lotse_try_jsonb(state)) = 'object' AND lotse_try_jsonb(state) ? 'recent'`,
      [before],
    );
    return r.rowCount ?? 0;
  }

  async kvGet(ns: string, key: string): Promise<string | undefined> {
    const r = (
      await this.pool.query<{ value: string }>('SELECT value FROM kv WHERE ns = $1 AND key = $2 AND (expires_at IS NULL OR expires_at > $3)', [
        ns,
        key,
        this.now(),
      ])
    ).rows[0];
    return r?.value;
  }

  async kvPut(ns: string, key: string, value: string, ttlMs?: number): Promise<void> {
    await this.pool.query(
      'INSERT INTO kv (ns, key, value, expires_at) VALUES ($1, $2, $3, $4) ON CONFLICT (ns, key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at',
      [ns, key, value, ttlMs ? this.now() + ttlMs : null],
    );
  }

  async kvPutIfAbsent(ns: string, key: string, value: string, ttlMs?: number): Promise<boolean> {
    // One statement: inserted, or replaced a record whose time is up; a live record stays and nothing is returned.
    const now = this.now();
    const r = await this.pool.query(
      `INSERT INTO kv AS k (ns, key, value, expires_at) VALUES ($1, $2, $3, $4) ON CONFLICT (ns, key) DO UPDATE
       SET value = excluded.value, expires_at = excluded.expires_at WHERE k.expires_at IS NOT NULL AND k.expires_at <= $5`,
      [ns, key, value, ttlMs ? now + ttlMs : null, now],
    );
    return r.rowCount === 1;
  }

  async kvDelete(ns: string, key: string): Promise<void> {
    await this.pool.query('DELETE FROM kv WHERE ns = $1 AND key = $2', [ns, key]);
  }

  async kvList(ns: string, prefix = ''): Promise<{ key: string; value: string }[]> {
    // COLLATE "C": byte order, as SQLite sorts the keys.
    return (
      await this.pool.query<{ key: string; value: string }>(
        'SELECT key, value FROM kv WHERE ns = $1 AND left(key, length($2)) = $2 AND (expires_at IS NULL OR expires_at > $3) ORDER BY key COLLATE "C"',
        [ns, prefix, this.now()],
      )
    ).rows;
  }

  async kvSweep(): Promise<number> {
    return (await this.pool.query('DELETE FROM kv WHERE expires_at IS NOT NULL AND expires_at <= $1', [this.now()])).rowCount ?? 0;
  }

  /** Opened once each, on first request; the migrations of a part's tables run once (the promise is kept). */
  private readonly records: {
    webchatLog?: WebchatLog;
    rateCounters?: RateCounters;
    inbox?: Inbox;
    handoffs?: Promise<Handoffs>;
    staffAccounts?: Promise<StaffAccounts>;
    snippets?: Promise<Snippets>;
    questions?: QuestionRecords;
    contentVersions?: Promise<ContentVersions>;
  } = {};
  private handoffTables?: Promise<void>;

  inbox(): Inbox {
    return (this.records.inbox ??= new PgInbox(this.pool));
  }

  webchatLog(): WebchatLog {
    return (this.records.webchatLog ??= new PgWebchatLog(this.pool));
  }

  rateCounters(): RateCounters {
    return (this.records.rateCounters ??= new PgRateCounters(this.pool));
  }

  private migrateHandoffTables(): Promise<void> {
    const p = (this.handoffTables ??= this.migrateWith(pgHandoffMigrations));
    // A failed attempt (the database was down) is tried again on the next request.
    p.catch(() => {
      if (this.handoffTables === p) this.handoffTables = undefined;
    });
    return p;
  }

  async handoffs(): Promise<Handoffs> {
    await this.migrateHandoffTables();
    return (this.records.handoffs ??= Promise.resolve(new PgHandoffs(this.pool)));
  }

  async staffAccounts(): Promise<StaffAccounts> {
    await this.migrateHandoffTables();
    return (this.records.staffAccounts ??= Promise.resolve(new PgStaffAccounts(this.pool)));
  }

  async snippets(): Promise<Snippets> {
    const p = (this.records.snippets ??= this.migrateWith(pgSnippetMigrations).then(() => new PgSnippets(this.pool)));
    p.catch(() => {
      if (this.records.snippets === p) this.records.snippets = undefined;
    });
    return p;
  }

  async questions(): Promise<QuestionRecords> {
    return (this.records.questions ??= new PgQuestions(this.pool));
  }

  async contentVersions(): Promise<ContentVersions> {
    const p = (this.records.contentVersions ??= this.migrateWith(pgContentVersionMigrations).then(() => new PgContentVersions(this.pool)));
    // A failed attempt (the database was down) is tried again on the next request.
    p.catch(() => {
      if (this.records.contentVersions === p) this.records.contentVersions = undefined;
    });
    return p;
  }

  async ping(): Promise<boolean> {
    try {
      return (await this.pool.query<{ ok: number }>('SELECT 1 AS ok')).rows[0]?.ok === 1;
    } catch {
      return false;
    }
  }

  /** Waits for queries under way, then closes every connection of the pool. Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}
