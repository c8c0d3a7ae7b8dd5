/**
 * Handoffs, their messages and the audit log in PostgreSQL (migrations
 * 100-105). Taking a handoff is a conditional UPDATE (the second caseworker's
 * statement waits for the first, re-reads the row and finds it taken).
 * Messages are inserted under a transaction-scoped advisory lock: their `seq`
 * is what the console's live stream resumes after, so a message must never
 * become visible after one with a higher seq (two instances inserting at once
 * could otherwise commit out of order and a stream would skip one).
 */
import type pg from 'pg';
import type { ConversationRef } from '../../shared/conversation.js';
import type { AuditEntry, AuditQuery, ClosedQuery, Handoff, HandoffMessage, HandoffPatch, Handoffs, NewHandoffMessage } from '../handoffs.js';
import { type Queryable, tx } from './db.js';
import { type Row, toAudit, toHandoff, toMessage } from '../handoff-rows.js';

/** Serialises message inserts across instances (see the file comment); one lock per schema, released at commit. */
export const MESSAGE_LOCK = "SELECT pg_advisory_xact_lock(hashtext('lotse:handoff_messages:' || coalesce(current_schema(), '')))";

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

/** LIKE with an escape character, so that % and _ typed into a search match only themselves. */
const prefix = (v: string) => `${v.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** Builds `$n` placeholders while the WHERE clause grows. */
class Args {
  readonly values: unknown[] = [];
  add(v: unknown): string {
    this.values.push(v);
    return `$${this.values.length}`;
  }
}

/** `Handoffs` on a PostgreSQL pool. */
export class PgHandoffs implements Handoffs {
  constructor(private readonly pool: pg.Pool) {}

  // --- handoffs
  async insertHandoff(h: Handoff, first: Omit<NewHandoffMessage, 'handoffId'>[] = []): Promise<void> {
    await tx(this.pool, async (c) => {
      await c.query(
        `INSERT INTO handoffs (id, channel, conversation_id, address, lang, reason, topic, priority, status, created_at, off_hours)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
        [
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
        ],
      );
      if (first.length) await c.query(MESSAGE_LOCK);
      for (const m of first) await insertMessage(c, { ...m, handoffId: h.id });
    });
  }
  async getHandoff(id: string): Promise<Handoff | undefined> {
    const r = (await this.pool.query<Row>('SELECT * FROM handoffs WHERE id = $1', [id])).rows[0];
    return r ? toHandoff(r) : undefined;
  }
  async openFor(ref: ConversationRef): Promise<Handoff | undefined> {
    const r = (
      await this.pool.query<Row>(
        "SELECT * FROM handoffs WHERE channel = $1 AND conversation_id = $2 AND status IN ('queued', 'active') ORDER BY created_at DESC LIMIT 1",
        [ref.channel, ref.conversationId],
      )
    ).rows[0];
    return r ? toHandoff(r) : undefined;
  }
  async open(): Promise<Handoff[]> {
    return (await this.pool.query<Row>("SELECT * FROM handoffs WHERE status IN ('queued', 'active') ORDER BY priority, created_at")).rows.map(toHandoff);
  }
  async closedSince(since: number): Promise<Handoff[]> {
    return (
      await this.pool.query<Row>("SELECT * FROM handoffs WHERE status IN ('closed', 'cancelled') AND closed_at >= $1 ORDER BY closed_at DESC", [since])
    ).rows.map(toHandoff);
  }
  async update(id: string, patch: HandoffPatch): Promise<void> {
    const keys = (Object.keys(patch) as (keyof HandoffPatch)[]).filter((k) => k in COLUMN);
    if (!keys.length) return;
    const value = (k: keyof HandoffPatch) => {
      const v = patch[k];
      return typeof v === 'boolean' ? (v ? 1 : 0) : (v ?? null);
    };
    await this.pool.query(`UPDATE handoffs SET ${keys.map((k, i) => `${COLUMN[k]} = $${i + 1}`).join(', ')} WHERE id = $${keys.length + 1}`, [
      ...keys.map(value),
      id,
    ]);
  }
  async takeIfQueued(id: string, staffId: string, at: number): Promise<boolean> {
    const r = await this.pool.query("UPDATE handoffs SET status = 'active', caseworker_id = $1, taken_at = $2 WHERE id = $3 AND status = 'queued'", [
      staffId,
      at,
      id,
    ]);
    return r.rowCount === 1;
  }

  async rateOnce(id: string, rating: number): Promise<boolean> {
    if (!Number.isInteger(rating) || rating < 1 || rating > 5) return false;
    const r = await this.pool.query("UPDATE handoffs SET rating = $1 WHERE id = $2 AND rating IS NULL AND status IN ('closed', 'cancelled')", [rating, id]);
    return r.rowCount === 1;
  }

  // --- messages
  async addMessage(m: NewHandoffMessage): Promise<HandoffMessage> {
    return tx(this.pool, async (c) => {
      await c.query(MESSAGE_LOCK);
      return insertMessage(c, m);
    });
  }
  async markDelivered(seq: number, at: number): Promise<void> {
    await this.pool.query('UPDATE handoff_messages SET delivered_at = $1, undeliverable_at = NULL WHERE seq = $2', [at, seq]);
  }
  async markUndeliverable(seq: number, at: number): Promise<void> {
    await this.pool.query('UPDATE handoff_messages SET undeliverable_at = $1 WHERE seq = $2 AND delivered_at IS NULL', [at, seq]);
  }
  async retryUndeliverable(handoffId: string): Promise<number> {
    return (
      (
        await this.pool.query(
          'UPDATE handoff_messages SET undeliverable_at = NULL WHERE handoff_id = $1 AND undeliverable_at IS NOT NULL AND delivered_at IS NULL',
          [handoffId],
        )
      ).rowCount ?? 0
    );
  }
  async messages(handoffId: string, afterSeq = 0): Promise<HandoffMessage[]> {
    return (await this.pool.query<Row>('SELECT * FROM handoff_messages WHERE handoff_id = $1 AND seq > $2 ORDER BY seq', [handoffId, afterSeq])).rows.map(
      toMessage,
    );
  }
  async undelivered(): Promise<HandoffMessage[]> {
    return (
      await this.pool.query<Row>(
        "SELECT m.* FROM handoff_messages m WHERE m.author = 'caseworker' AND m.kind = 'message' AND m.delivered_at IS NULL AND m.undeliverable_at IS NULL ORDER BY m.seq",
      )
    ).rows.map(toMessage);
  }
  async maxSeq(): Promise<number> {
    return (await this.pool.query<{ s: number | null }>('SELECT MAX(seq) AS s FROM handoff_messages')).rows[0]?.s ?? 0;
  }
  async purgeTranscripts(before: number): Promise<number> {
    return tx(this.pool, async (c) => {
      // FOR UPDATE: a handoff that "delete my data" or another instance's purge is changing right now is handled once.
      const ids = (
        await c.query<{ id: string }>(
          "SELECT id FROM handoffs WHERE status IN ('closed', 'cancelled') AND closed_at < $1 AND transcript_purged = 0 ORDER BY id FOR UPDATE",
          [before],
        )
      ).rows.map((r) => r.id);
      for (const id of ids) {
        await c.query('DELETE FROM handoff_messages WHERE handoff_id = $1', [id]);
        await c.query('UPDATE handoffs SET transcript_purged = 1, outcome_note = NULL, address = NULL, conversation_id = $1 WHERE id = $2', [
          `purged:${id}`,
          id,
        ]);
      }
      return ids.length;
    });
  }
  async stats(): Promise<{ outcome: string; lang: string; reason: string; n: number }[]> {
    return (
      await this.pool.query<{ outcome: string; lang: string; reason: string; n: number }>(
        "SELECT COALESCE(outcome, status) AS outcome, lang, reason, COUNT(*) AS n FROM handoffs WHERE status IN ('closed', 'cancelled') GROUP BY 1, 2, 3 ORDER BY n DESC",
      )
    ).rows;
  }

  async createdBetween(from: number, to: number): Promise<Handoff[]> {
    return (await this.pool.query<Row>('SELECT * FROM handoffs WHERE created_at >= $1 AND created_at < $2 ORDER BY created_at', [from, to])).rows.map(
      toHandoff,
    );
  }
  async searchClosed(q: ClosedQuery, keptSince: number): Promise<{ items: Handoff[]; total: number }> {
    const a = new Args();
    const where = ["status IN ('closed', 'cancelled')", 'transcript_purged = 0', `closed_at >= ${a.add(keptSince)}`];
    if (q.pseudonym) {
      const p = a.add(prefix(q.pseudonym));
      where.push(`(conversation_id LIKE ${p} ESCAPE '\\' OR id LIKE ${p} ESCAPE '\\')`);
    }
    if (q.lang) where.push(`lang = ${a.add(q.lang)}`);
    if (q.topic) where.push(`(topic = ${a.add(q.topic)} OR topic LIKE ${a.add(prefix(`${q.topic}.`))} ESCAPE '\\')`);
    if (q.outcome === 'cancelled') where.push("status = 'cancelled'");
    else if (q.outcome) where.push(`outcome = ${a.add(q.outcome)}`);
    if (q.caseworkerId) where.push(`caseworker_id = ${a.add(q.caseworkerId)}`);
    if (q.from !== undefined) where.push(`closed_at >= ${a.add(q.from)}`);
    if (q.to !== undefined) where.push(`closed_at < ${a.add(q.to)}`);
    const w = where.join(' AND ');
    const total = (await this.pool.query<{ n: number }>(`SELECT COUNT(*) AS n FROM handoffs WHERE ${w}`, a.values)).rows[0]!.n;
    const page = [...a.values, q.limit, q.offset];
    const rows = (
      await this.pool.query<Row>(`SELECT * FROM handoffs WHERE ${w} ORDER BY closed_at DESC, id LIMIT $${page.length - 1} OFFSET $${page.length}`, page)
    ).rows;
    return { items: rows.map(toHandoff), total };
  }

  // --- audit
  async audit(staffId: string | undefined, handoffId: string | undefined, action: string, at: number): Promise<void> {
    await this.pool.query('INSERT INTO handoff_audit (staff_id, handoff_id, action, at) VALUES ($1, $2, $3, $4)', [
      staffId ?? null,
      handoffId ?? null,
      action,
      at,
    ]);
  }
  async auditLog(handoffId?: string): Promise<AuditEntry[]> {
    const rows = handoffId
      ? (await this.pool.query<Row>('SELECT * FROM handoff_audit WHERE handoff_id = $1 ORDER BY id', [handoffId])).rows
      : (await this.pool.query<Row>('SELECT * FROM handoff_audit ORDER BY id DESC LIMIT 500')).rows;
    return rows.map(toAudit);
  }
  async auditPage(q: AuditQuery): Promise<{ entries: AuditEntry[]; total: number }> {
    const a = new Args();
    const where: string[] = [];
    if (q.staffId) where.push(`staff_id = ${a.add(q.staffId)}`);
    if (q.action) where.push(`action LIKE ${a.add(prefix(q.action))} ESCAPE '\\'`);
    const w = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const total = (await this.pool.query<{ n: number }>(`SELECT COUNT(*) AS n FROM handoff_audit ${w}`, a.values)).rows[0]!.n;
    const page = [...a.values, q.limit, q.offset];
    const rows = (await this.pool.query<Row>(`SELECT * FROM handoff_audit ${w} ORDER BY id DESC LIMIT $${page.length - 1} OFFSET $${page.length}`, page)).rows;
    return { entries: rows.map(toAudit), total };
  }
}

/**
 * Stores one message inside the caller's transaction (which holds MESSAGE_LOCK). One with a known
 * `source` returns the stored one: ON CONFLICT on the partial unique index, so two instances relaying
 * the same incoming message store it once.
 */
async function insertMessage(c: Queryable, m: NewHandoffMessage): Promise<HandoffMessage> {
  const r = (
    await c.query<{ seq: number }>(
      `INSERT INTO handoff_messages (handoff_id, author, staff_id, kind, text, topic, at, delivered_at, source) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (source) WHERE source IS NOT NULL DO NOTHING RETURNING seq`,
      [m.handoffId, m.author, m.staffId ?? null, m.kind, m.text, m.topic ?? null, m.at, m.deliveredAt ?? null, m.source ?? null],
    )
  ).rows[0];
  if (!r) {
    const known = (await c.query<Row>('SELECT * FROM handoff_messages WHERE source = $1', [m.source])).rows[0];
    if (known) return toMessage(known);
    throw new Error('handoff message neither stored nor found');
  }
  // The first reply's time goes on the handoff, where it outlives the transcript for the statistics.
  if (m.author === 'caseworker' && m.kind === 'message')
    await c.query('UPDATE handoffs SET first_reply_at = $1 WHERE id = $2 AND first_reply_at IS NULL', [m.at, m.handoffId]);
  return { ...m, seq: r.seq };
}
