/**
 * The inbox in the core SQLite file (table from migration 4 in sqlite.ts).
 * Every write is one statement or one transaction, so a process killed at
 * any instant leaves a consistent row.
 */
import type Database from 'better-sqlite3';
import type { ChannelId } from '../shared/conversation.js';
import type { Inbox, InboxItem, InboxStatus } from './inbox.js';
import { WriteBatch } from './sqlite-batch.js';
import type { SessionRecord } from './store.js';

type Row = {
  key: string;
  channel: string;
  external_id: string;
  conversation_id: string;
  payload: string | null;
  sent: number;
  sending: number;
  attempts: number;
  received_at: number;
  done_at: number | null;
};

function toItem(r: Row): InboxItem {
  return {
    key: r.key,
    channel: r.channel,
    externalId: r.external_id,
    conversationId: r.conversation_id,
    ...(r.payload !== null ? { payload: JSON.parse(r.payload) as unknown } : {}),
    attempts: r.attempts,
    sent: r.sent,
    sending: r.sending,
    receivedAt: r.received_at,
  };
}

/** `Inbox` in the core SQLite file, with its statements prepared once; writes go through the store's group commit (sqlite-batch.ts). */
export class SqliteInbox implements Inbox {
  private readonly q;

  constructor(
    db: Database.Database,
    private readonly batch: WriteBatch = new WriteBatch(db),
  ) {
    this.q = {
      get: db.prepare('SELECT * FROM inbox WHERE key = ?'),
      insert: db.prepare(
        'INSERT INTO inbox (key, channel, external_id, conversation_id, payload, received_at, attempts) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(key) DO NOTHING',
      ),
      unfinished: db.prepare('SELECT attempts FROM inbox WHERE key = ? AND done_at IS NULL'),
      pending: db.prepare('SELECT * FROM inbox WHERE channel = ? AND done_at IS NULL ORDER BY seq LIMIT ?'),
      attempt: db.prepare('UPDATE inbox SET attempts = attempts + 1 WHERE key = ? AND done_at IS NULL RETURNING attempts'),
      reply: db.prepare('SELECT reply FROM inbox WHERE key = ?'),
      setReply: db.prepare('UPDATE inbox SET reply = ? WHERE key = ?'),
      putSession: db.prepare(
        'INSERT INTO sessions (channel, conversation_id, state, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT(channel, conversation_id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at',
      ),
      sent: db.prepare('UPDATE inbox SET sent = MAX(sent, ?) WHERE key = ?'),
      sending: db.prepare('UPDATE inbox SET sending = MAX(sending, ?), sent = MAX(sent, ?) WHERE key = ?'),
      done: db.prepare('UPDATE inbox SET done_at = ?, payload = NULL, reply = NULL WHERE key = ? AND done_at IS NULL'),
      expire: db.prepare('DELETE FROM inbox WHERE (done_at IS NOT NULL AND done_at < ?) OR (done_at IS NULL AND received_at < ?)'),
    };
  }

  async accept(m: { channel: ChannelId; externalId: string; conversationId: string; payload: unknown; now: number; attempt?: boolean }): Promise<{
    item: InboxItem;
    status: InboxStatus;
  }> {
    const key = `${m.channel}:${m.externalId}`;
    const payload = JSON.stringify(m.payload ?? null);
    const attempts = m.attempt ? 1 : 0;
    return this.batch.run(() => {
      const fresh = this.q.insert.run(key, m.channel, m.externalId, m.conversationId, payload, m.now, attempts).changes === 1;
      if (fresh)
        // What was just inserted, without reading it back and parsing the payload again.
        return {
          item: {
            key,
            channel: m.channel,
            externalId: m.externalId,
            conversationId: m.conversationId,
            payload: m.payload ?? null,
            attempts,
            sent: 0,
            sending: 0,
            receivedAt: m.now,
          },
          status: 'fresh',
        } as const;
      const row = this.q.get.get(key) as Row;
      return { item: toItem(row), status: row.done_at !== null ? 'done' : 'pending' } as const;
    });
  }

  async pending(channel: ChannelId, limit = 10_000): Promise<InboxItem[]> {
    return (this.q.pending.all(channel, limit) as Row[]).map(toItem);
  }

  async attempt(key: string): Promise<number> {
    return this.batch.run(() => (this.q.attempt.get(key) as { attempts: number } | undefined)?.attempts ?? 0);
  }

  async unfinished(key: string): Promise<number> {
    return (this.q.unfinished.get(key) as { attempts: number } | undefined)?.attempts ?? 0;
  }

  async committedReply(key: string): Promise<unknown> {
    const r = this.q.reply.get(key) as { reply: string | null } | undefined;
    return r?.reply ? (JSON.parse(r.reply) as unknown) : undefined;
  }

  async commitTurn(key: string, session: SessionRecord | undefined, reply: unknown): Promise<void> {
    const state = session ? JSON.stringify(session.state) : undefined;
    const replyJson = JSON.stringify(reply);
    await this.batch.run(() => {
      if (session) this.q.putSession.run(session.ref.channel, session.ref.conversationId, state, session.updatedAt);
      this.q.setReply.run(replyJson, key);
    });
  }

  async markSending(key: string, n: number, sent = 0): Promise<void> {
    await this.batch.run(() => this.q.sending.run(n, sent, key));
  }

  async markSent(key: string, sent: number): Promise<void> {
    await this.batch.run(() => this.q.sent.run(sent, key));
  }

  async markDone(key: string, now: number): Promise<void> {
    await this.batch.run(() => this.q.done.run(now, key));
  }

  async expire(doneBefore: number, pendingBefore: number): Promise<number> {
    return this.batch.run(() => this.q.expire.run(doneBefore, pendingBefore).changes);
  }
}
