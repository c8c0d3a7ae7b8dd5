/**
 * The web chat's conversations, activity logs and rate counters in the core
 * SQLite file (tables from migration 2 in sqlite.ts).
 */
import type Database from 'better-sqlite3';
import type { RateCounters } from './rate-counters.js';
import { WriteBatch } from './sqlite-batch.js';
import { type AppendOptions, activityId, type StoredActivity, type WebchatConversation, type WebchatLog } from './webchat-log.js';

/** `WebchatLog` in the core SQLite file, with its statements prepared once; writes go through the store's group commit (sqlite-batch.ts). */
export class SqliteWebchatLog implements WebchatLog {
  private readonly q;
  private inboxDone?: Database.Statement;

  constructor(
    private readonly db: Database.Database,
    private readonly batch: WriteBatch = new WriteBatch(db),
  ) {
    this.q = {
      getConv: db.prepare('SELECT * FROM webchat_conversations WHERE id = ?'),
      insertConv: db.prepare(
        'INSERT INTO webchat_conversations (id, user_id, base_url, lang, last_seq, created_at, updated_at, expires_at) VALUES (?, ?, ?, ?, 0, ?, ?, ?) ON CONFLICT(id) DO NOTHING',
      ),
      touch: db.prepare('UPDATE webchat_conversations SET updated_at = ?, expires_at = ? WHERE id = ?'),
      setLang: db.prepare('UPDATE webchat_conversations SET lang = ? WHERE id = ?'),
      bumpSeq: db.prepare('UPDATE webchat_conversations SET last_seq = last_seq + 1, updated_at = ?, expires_at = ? WHERE id = ? RETURNING last_seq'),
      insertAct: db.prepare('INSERT INTO webchat_activities (conversation_id, seq, client_id, activity, at) VALUES (?, ?, ?, ?, ?)'),
      byClient: db.prepare('SELECT seq, activity FROM webchat_activities WHERE conversation_id = ? AND client_id = ?'),
      after: db.prepare('SELECT seq, activity FROM webchat_activities WHERE conversation_id = ? AND seq > ? ORDER BY seq LIMIT ?'),
      deleteActs: db.prepare('DELETE FROM webchat_activities WHERE conversation_id = ?'),
      deleteConv: db.prepare('DELETE FROM webchat_conversations WHERE id = ?'),
      expired: db.prepare('SELECT id FROM webchat_conversations WHERE expires_at <= ? LIMIT 500'),
    };
  }

  async getConversation(id: string): Promise<WebchatConversation | undefined> {
    const r = this.q.getConv.get(id) as Record<string, unknown> | undefined;
    if (!r) return undefined;
    return {
      id: r.id as string,
      userId: r.user_id as string,
      baseUrl: r.base_url as string,
      lang: (r.lang as string | null) ?? undefined,
      lastSeq: r.last_seq as number,
      createdAt: r.created_at as number,
      updatedAt: r.updated_at as number,
      expiresAt: r.expires_at as number,
    };
  }

  async createConversation(c: { id: string; userId: string; baseUrl: string; lang?: string; now: number; expiresAt: number }): Promise<boolean> {
    return this.batch.run(() => this.q.insertConv.run(c.id, c.userId, c.baseUrl, c.lang ?? null, c.now, c.now, c.expiresAt).changes === 1);
  }

  async touch(id: string, now: number, expiresAt: number): Promise<void> {
    await this.batch.run(() => this.q.touch.run(now, expiresAt, id));
  }

  async setLang(id: string, lang: string): Promise<void> {
    await this.batch.run(() => this.q.setLang.run(lang, id));
  }

  async append(
    conversationId: string,
    items: { activity: Record<string, unknown>; clientId?: string }[],
    now: number,
    expiresAt: number,
    opts?: AppendOptions,
  ): Promise<{ stored: StoredActivity[]; duplicate: boolean }> {
    // In the batch's IMMEDIATE transaction: the duplicate check and the next sequence number are read
    // under the write lock, so a second server on the same file cannot interleave (issue 17.1).
    return this.batch.run(() => {
      const r = this.appendNow(conversationId, items, now, expiresAt);
      // The inbox's own statement (sqlite-inbox.ts markDone), in the same job: both or neither.
      if (opts?.inboxDone) {
        // Prepared when first used: the log's tables may be created before the inbox's.
        this.inboxDone ??= this.db.prepare('UPDATE inbox SET done_at = ?, payload = NULL, reply = NULL WHERE key = ? AND done_at IS NULL');
        this.inboxDone.run(opts.inboxDone.at, opts.inboxDone.key);
      }
      return r;
    });
  }

  private appendNow(
    conversationId: string,
    items: { activity: Record<string, unknown>; clientId?: string }[],
    now: number,
    expiresAt: number,
  ): { stored: StoredActivity[]; duplicate: boolean } {
    const stored: StoredActivity[] = [];
    for (const it of items) {
      if (it.clientId) {
        const dup = this.q.byClient.get(conversationId, it.clientId) as { seq: number; activity: string } | undefined;
        if (dup) return { stored: [{ seq: dup.seq, activity: JSON.parse(dup.activity) as Record<string, unknown> }], duplicate: true };
      }
      const row = this.q.bumpSeq.get(now, expiresAt, conversationId) as { last_seq: number } | undefined;
      if (!row) throw new Error('no such conversation');
      const seq = row.last_seq;
      const activity = { ...it.activity, id: activityId(conversationId, seq) };
      this.q.insertAct.run(conversationId, seq, it.clientId ?? null, JSON.stringify(activity), now);
      stored.push({ seq, activity });
    }
    return { stored, duplicate: false };
  }

  async after(conversationId: string, watermark: number, limit: number): Promise<StoredActivity[]> {
    const rows = this.q.after.all(conversationId, watermark, limit) as { seq: number; activity: string }[];
    return rows.map((r) => ({ seq: r.seq, activity: JSON.parse(r.activity) as Record<string, unknown> }));
  }

  async clearActivities(conversationId: string): Promise<void> {
    await this.batch.run(() => this.q.deleteActs.run(conversationId));
  }

  async deleteConversation(id: string): Promise<void> {
    await this.batch.run(() => this.remove(id));
  }

  async expire(now: number): Promise<string[]> {
    return this.batch.run(() => {
      const ids = (this.q.expired.all(now) as { id: string }[]).map((r) => r.id);
      for (const id of ids) this.remove(id);
      return ids;
    });
  }

  private remove(id: string): void {
    this.q.deleteActs.run(id);
    this.q.deleteConv.run(id);
  }
}

/**
 * `RateCounters` in the core SQLite file: one upsert per hit, so instances sharing the file share the
 * counts. The upserts join the group commit of their event-loop turn (sqlite-batch.ts): a hit costs a
 * statement, not a commit of its own.
 */
export class SqliteRateCounters implements RateCounters {
  private readonly q;

  constructor(
    db: Database.Database,
    private readonly batch: WriteBatch = new WriteBatch(db),
  ) {
    this.q = {
      rate: db.prepare(
        'INSERT INTO webchat_rate (key, n, reset_at) VALUES (?, 1, ?) ON CONFLICT(key) DO UPDATE SET n = CASE WHEN reset_at <= ? THEN 1 ELSE n + 1 END, reset_at = CASE WHEN reset_at <= ? THEN excluded.reset_at ELSE reset_at END RETURNING n, reset_at',
      ),
      sweep: db.prepare('DELETE FROM webchat_rate WHERE reset_at <= ?'),
      get: db.prepare('SELECT n, reset_at FROM webchat_rate WHERE key = ? AND reset_at > ?'),
      decrement: db.prepare('UPDATE webchat_rate SET n = MAX(n - 1, 0) WHERE key = ? AND reset_at > ?'),
      reset: db.prepare('DELETE FROM webchat_rate WHERE key = ?'),
    };
  }

  async get(key: string, now: number): Promise<{ n: number; resetAt: number } | undefined> {
    const r = this.q.get.get(key, now) as { n: number; reset_at: number } | undefined;
    return r ? { n: r.n, resetAt: r.reset_at } : undefined;
  }

  async decrement(key: string, now: number): Promise<void> {
    await this.batch.run(() => this.q.decrement.run(key, now));
  }

  async reset(key: string): Promise<void> {
    await this.batch.run(() => this.q.reset.run(key));
  }

  async hit(key: string, windowMs: number, now: number): Promise<{ n: number; resetAt: number }> {
    const r = await this.batch.run(() => this.q.rate.get(key, now + windowMs, now, now) as { n: number; reset_at: number });
    return { n: r.n, resetAt: r.reset_at };
  }

  async hitEach(hits: readonly { key: string; max: number }[], windowMs: number, now: number): Promise<{ n: number; resetAt: number }[]> {
    return this.batch.run(() => {
      const out: { n: number; resetAt: number }[] = [];
      for (const h of hits) {
        const r = this.q.rate.get(h.key, now + windowMs, now, now) as { n: number; reset_at: number };
        out.push({ n: r.n, resetAt: r.reset_at });
        if (r.n > h.max) break;
      }
      return out;
    });
  }

  async sweep(now: number): Promise<void> {
    await this.batch.run(() => this.q.sweep.run(now));
  }
}
