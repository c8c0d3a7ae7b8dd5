/**
 * The inbox in PostgreSQL (table from migration 4). `accept` is one INSERT
 * ... ON CONFLICT DO NOTHING: of two copies arriving at once on two
 * instances, PostgreSQL lets one insert and makes the other wait for it, so
 * exactly one is `fresh`. Counters only move forward (GREATEST), so a late
 * write of an older count changes nothing.
 */
import type pg from 'pg';
import type { ChannelId } from '../../shared/conversation.js';
import type { Inbox, InboxItem, InboxStatus } from '../inbox.js';
import type { SessionRecord } from '../store.js';
import { tx } from './db.js';

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

/** The session upsert `commitTurn` shares with `PostgresStore.putSession`. */
export const PUT_SESSION =
  'INSERT INTO sessions (channel, conversation_id, state, updated_at) VALUES ($1, $2, $3, $4) ON CONFLICT (channel, conversation_id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at';

/** `Inbox` on a PostgreSQL pool. */
export class PgInbox implements Inbox {
  constructor(private readonly pool: pg.Pool) {}

  async accept(m: { channel: ChannelId; externalId: string; conversationId: string; payload: unknown; now: number; attempt?: boolean }): Promise<{
    item: InboxItem;
    status: InboxStatus;
  }> {
    const key = `${m.channel}:${m.externalId}`;
    const inserted = (
      await this.pool.query<Row>(
        'INSERT INTO inbox (key, channel, external_id, conversation_id, payload, received_at, attempts) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (key) DO NOTHING RETURNING *',
        [key, m.channel, m.externalId, m.conversationId, JSON.stringify(m.payload ?? null), m.now, m.attempt ? 1 : 0],
      )
    ).rows[0];
    if (inserted) return { item: toItem(inserted), status: 'fresh' };
    // The conflicting row is committed (ON CONFLICT waited for it), so this read sees it; retention may have just deleted it.
    const row = (await this.pool.query<Row>('SELECT * FROM inbox WHERE key = $1', [key])).rows[0];
    if (!row) return this.accept(m);
    return { item: toItem(row), status: row.done_at !== null ? 'done' : 'pending' };
  }

  async pending(channel: ChannelId, limit = 10_000): Promise<InboxItem[]> {
    return (await this.pool.query<Row>('SELECT * FROM inbox WHERE channel = $1 AND done_at IS NULL ORDER BY seq LIMIT $2', [channel, limit])).rows.map(toItem);
  }

  async attempt(key: string): Promise<number> {
    return (
      (await this.pool.query<{ attempts: number }>('UPDATE inbox SET attempts = attempts + 1 WHERE key = $1 AND done_at IS NULL RETURNING attempts', [key]))
        .rows[0]?.attempts ?? 0
    );
  }
  async unfinished(key: string): Promise<number> {
    return (await this.pool.query<{ attempts: number }>('SELECT attempts FROM inbox WHERE key = $1 AND done_at IS NULL', [key])).rows[0]?.attempts ?? 0;
  }

  async committedReply(key: string): Promise<unknown> {
    const r = (await this.pool.query<{ reply: string | null }>('SELECT reply FROM inbox WHERE key = $1', [key])).rows[0];
    return r?.reply ? (JSON.parse(r.reply) as unknown) : undefined;
  }

  async commitTurn(key: string, session: SessionRecord | undefined, reply: unknown): Promise<void> {
    await tx(this.pool, async (c) => {
      if (session) await c.query(PUT_SESSION, [session.ref.channel, session.ref.conversationId, JSON.stringify(session.state), session.updatedAt]);
      await c.query('UPDATE inbox SET reply = $1 WHERE key = $2', [JSON.stringify(reply), key]);
    });
  }

  async markSending(key: string, n: number, sent = 0): Promise<void> {
    await this.pool.query('UPDATE inbox SET sending = GREATEST(sending, $1), sent = GREATEST(sent, $2) WHERE key = $3', [n, sent, key]);
  }

  async markSent(key: string, sent: number): Promise<void> {
    await this.pool.query('UPDATE inbox SET sent = GREATEST(sent, $1) WHERE key = $2', [sent, key]);
  }

  async markDone(key: string, now: number): Promise<void> {
    await this.pool.query('UPDATE inbox SET done_at = $1, payload = NULL, reply = NULL WHERE key = $2 AND done_at IS NULL', [now, key]);
  }

  async expire(doneBefore: number, pendingBefore: number): Promise<number> {
    return (
      (
        await this.pool.query('DELETE FROM inbox WHERE (done_at IS NOT NULL AND done_at < $1) OR (done_at IS NULL AND received_at < $2)', [
          doneBefore,
          pendingBefore,
        ])
      ).rowCount ?? 0
    );
  }
}
