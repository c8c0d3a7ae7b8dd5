/**
 * Direct Line state in the core SQLite file (tables from migration 2 in
 * src/store/sqlite.ts): conversations, their activity log (the watermark is
 * the sequence number), and fixed-window rate-limit counters. Nothing here
 * lives only in module memory, so any instance can answer any request.
 */
import type Database from 'better-sqlite3';
import { SqliteStore } from '../../store/sqlite.js';
import type { Store } from '../../store/store.js';

export interface ConversationRow {
  id: string;
  userId: string;
  baseUrl: string;
  lang?: string;
  lastSeq: number;
  createdAt: number;
  updatedAt: number;
  expiresAt: number;
}

export interface StoredActivity {
  seq: number;
  activity: Record<string, unknown>;
}

export class WebchatStore {
  private readonly q;

  constructor(readonly db: Database.Database) {
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
      rate: db.prepare(
        'INSERT INTO webchat_rate (key, n, reset_at) VALUES (?, 1, ?) ON CONFLICT(key) DO UPDATE SET n = CASE WHEN reset_at <= ? THEN 1 ELSE n + 1 END, reset_at = CASE WHEN reset_at <= ? THEN excluded.reset_at ELSE reset_at END RETURNING n, reset_at',
      ),
      sweepRate: db.prepare('DELETE FROM webchat_rate WHERE reset_at <= ?'),
    };
  }

  /** Opens the web chat tables on the core store (they come with the core migrations). */
  static of(store: Store): WebchatStore {
    if (!(store instanceof SqliteStore)) throw new Error('the web chat channel needs the SQLite store');
    return new WebchatStore(store.db);
  }

  getConversation(id: string): ConversationRow | undefined {
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

  /** Creates the conversation if it does not exist yet; returns whether it did. */
  createConversation(c: { id: string; userId: string; baseUrl: string; lang?: string; now: number; expiresAt: number }): boolean {
    return this.q.insertConv.run(c.id, c.userId, c.baseUrl, c.lang ?? null, c.now, c.now, c.expiresAt).changes === 1;
  }

  touch(id: string, now: number, expiresAt: number): void {
    this.q.touch.run(now, expiresAt, id);
  }

  setLang(id: string, lang: string): void {
    this.q.setLang.run(lang, id);
  }

  /**
   * Appends activities in one transaction; each gets the next sequence number
   * and its id. A client activity whose clientActivityID is already stored is
   * not appended again: the stored one is returned (a retried POST).
   */
  append(
    conversationId: string,
    items: { activity: Record<string, unknown>; clientId?: string }[],
    now: number,
    expiresAt: number,
  ): { stored: StoredActivity[]; duplicate: boolean } {
    return this.db.transaction(() => {
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
    })();
  }

  /** Activities after `watermark` (exclusive), oldest first. */
  after(conversationId: string, watermark: number, limit: number): StoredActivity[] {
    const rows = this.q.after.all(conversationId, watermark, limit) as { seq: number; activity: string }[];
    return rows.map((r) => ({ seq: r.seq, activity: JSON.parse(r.activity) as Record<string, unknown> }));
  }

  /** Forgets the activity log (the person asked to delete their data); the conversation id stays usable. */
  clearActivities(conversationId: string): void {
    this.q.deleteActs.run(conversationId);
  }

  deleteConversation(id: string): void {
    this.db.transaction(() => {
      this.q.deleteActs.run(id);
      this.q.deleteConv.run(id);
    })();
  }

  /** Deletes conversations (and their activity logs) past their expiry; returns their ids. */
  expire(now: number): string[] {
    const ids = (this.q.expired.all(now) as { id: string }[]).map((r) => r.id);
    for (const id of ids) this.deleteConversation(id);
    this.q.sweepRate.run(now);
    return ids;
  }

  /** Counts one hit in a fixed window; returns the count in the current window and when it resets. */
  hit(key: string, windowMs: number, now: number): { n: number; resetAt: number } {
    const r = this.q.rate.get(key, now + windowMs, now, now) as { n: number; reset_at: number };
    return { n: r.n, resetAt: r.reset_at };
  }
}

/** Direct Line activity ids look like "<conversationId>|0000042". */
export function activityId(conversationId: string, seq: number): string {
  return `${conversationId}|${String(seq).padStart(7, '0')}`;
}
