/**
 * The web chat's conversations and activity logs in PostgreSQL (tables from
 * migration 2). An append locks its conversation's row first (SELECT ... FOR
 * UPDATE): appends to one conversation from several instances then take
 * their turns, so sequence numbers are gapless, in commit order, and a
 * retried client activity is found by the second writer instead of stored
 * twice.
 */
import type pg from 'pg';
import { type AppendOptions, activityId, type StoredActivity, type WebchatConversation, type WebchatLog } from '../webchat-log.js';
import { tx } from './db.js';

type Row = Record<string, unknown>;

/** `WebchatLog` on a PostgreSQL pool. */
export class PgWebchatLog implements WebchatLog {
  constructor(private readonly pool: pg.Pool) {}

  async getConversation(id: string): Promise<WebchatConversation | undefined> {
    const r = (await this.pool.query<Row>('SELECT * FROM webchat_conversations WHERE id = $1', [id])).rows[0];
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
    const r = await this.pool.query(
      'INSERT INTO webchat_conversations (id, user_id, base_url, lang, last_seq, created_at, updated_at, expires_at) VALUES ($1, $2, $3, $4, 0, $5, $5, $6) ON CONFLICT (id) DO NOTHING',
      [c.id, c.userId, c.baseUrl, c.lang ?? null, c.now, c.expiresAt],
    );
    return r.rowCount === 1;
  }

  async touch(id: string, now: number, expiresAt: number): Promise<void> {
    await this.pool.query('UPDATE webchat_conversations SET updated_at = $1, expires_at = $2 WHERE id = $3', [now, expiresAt, id]);
  }

  async setLang(id: string, lang: string): Promise<void> {
    await this.pool.query('UPDATE webchat_conversations SET lang = $1 WHERE id = $2', [lang, id]);
  }

  async append(
    conversationId: string,
    items: { activity: Record<string, unknown>; clientId?: string }[],
    now: number,
    expiresAt: number,
    opts?: AppendOptions,
  ): Promise<{ stored: StoredActivity[]; duplicate: boolean }> {
    return tx(this.pool, async (c) => {
      // The inbox's own statement (inbox.ts markDone), in the same transaction: both or neither.
      const done = async () => {
        if (opts?.inboxDone)
          await c.query('UPDATE inbox SET done_at = $1, payload = NULL, reply = NULL WHERE key = $2 AND done_at IS NULL', [
            opts.inboxDone.at,
            opts.inboxDone.key,
          ]);
      };
      const conv = (await c.query<{ last_seq: number }>('SELECT last_seq FROM webchat_conversations WHERE id = $1 FOR UPDATE', [conversationId])).rows[0];
      if (!conv) throw new Error('no such conversation');
      let seq = conv.last_seq;
      const stored: StoredActivity[] = [];
      const bump = async () => {
        if (stored.length)
          await c.query('UPDATE webchat_conversations SET last_seq = $1, updated_at = $2, expires_at = $3 WHERE id = $4', [
            seq,
            now,
            expiresAt,
            conversationId,
          ]);
      };
      for (const it of items) {
        if (it.clientId) {
          const dup = (
            await c.query<{ seq: number; activity: string }>('SELECT seq, activity FROM webchat_activities WHERE conversation_id = $1 AND client_id = $2', [
              conversationId,
              it.clientId,
            ])
          ).rows[0];
          // A retried POST: the stored copy answers it (what came before it in this call stays, as in SQLite).
          if (dup) {
            await bump();
            await done();
            return { stored: [{ seq: dup.seq, activity: JSON.parse(dup.activity) as Record<string, unknown> }], duplicate: true };
          }
        }
        seq++;
        const activity = { ...it.activity, id: activityId(conversationId, seq) };
        await c.query('INSERT INTO webchat_activities (conversation_id, seq, client_id, activity, at) VALUES ($1, $2, $3, $4, $5)', [
          conversationId,
          seq,
          it.clientId ?? null,
          JSON.stringify(activity),
          now,
        ]);
        stored.push({ seq, activity });
      }
      await bump();
      await done();
      return { stored, duplicate: false };
    });
  }

  async after(conversationId: string, watermark: number, limit: number): Promise<StoredActivity[]> {
    const rows = (
      await this.pool.query<{ seq: number; activity: string }>(
        'SELECT seq, activity FROM webchat_activities WHERE conversation_id = $1 AND seq > $2 ORDER BY seq LIMIT $3',
        [conversationId, watermark, limit],
      )
    ).rows;
    return rows.map((r) => ({ seq: r.seq, activity: JSON.parse(r.activity) as Record<string, unknown> }));
  }

  async clearActivities(conversationId: string): Promise<void> {
    await this.pool.query('DELETE FROM webchat_activities WHERE conversation_id = $1', [conversationId]);
  }

  async deleteConversation(id: string): Promise<void> {
    await this.remove(id);
  }

  async expire(now: number): Promise<string[]> {
    const ids = (await this.pool.query<{ id: string }>('SELECT id FROM webchat_conversations WHERE expires_at <= $1 LIMIT 500', [now])).rows.map((r) => r.id);
    for (const id of ids) await this.remove(id);
    return ids;
  }

  private async remove(id: string): Promise<void> {
    await tx(this.pool, async (c) => {
      await c.query('DELETE FROM webchat_activities WHERE conversation_id = $1', [id]);
      await c.query('DELETE FROM webchat_conversations WHERE id = $1', [id]);
    });
  }
}
