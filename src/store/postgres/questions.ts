/** The co-creation dashboard's reads in PostgreSQL (columns from migration 450; see questions.ts), the same rows in the same order as SQLite's. */
import type pg from 'pg';
import type { FeedbackRow, QuestionKind, QuestionRecords, QuestionRow } from '../questions.js';

/** The most rows one request reads (30 days of a busy pack fit; more is cut at the oldest), as on SQLite. */
const MAX_ROWS = 50_000;

/** `QuestionRecords` on a PostgreSQL pool. */
export class PgQuestions implements QuestionRecords {
  constructor(private readonly pool: pg.Pool) {}

  async questionsBetween(from: number, to: number, limit = MAX_ROWS): Promise<QuestionRow[]> {
    // A question kept without its conversation counts as a person of its own ('row' || id), as on SQLite.
    const rows = (
      await this.pool.query<{ kind: string; lang: string; text: string; topic: string | null; who: string; at: number }>(
        `SELECT * FROM (SELECT id, kind, lang, text, topic, COALESCE(channel, '') || ':' || COALESCE(conversation_id, 'row' || id) AS who, at
         FROM unanswered WHERE at >= $1 AND at < $2 ORDER BY at DESC, id DESC LIMIT $3) newest ORDER BY at, id`,
        [from, to, Math.min(limit, MAX_ROWS)],
      )
    ).rows;
    return rows.map((r) => ({
      kind: (r.kind === 'not-helpful' ? 'not-helpful' : 'unanswered') satisfies QuestionKind,
      lang: r.lang,
      text: r.text,
      ...(r.topic ? { topic: r.topic } : {}),
      who: r.who,
      at: r.at,
    }));
  }

  async feedbackBetween(from: number, to: number, limit = MAX_ROWS): Promise<FeedbackRow[]> {
    const rows = (
      await this.pool.query<{ topic: string; lang: string; helpful: number; who: string; at: number }>(
        `SELECT * FROM (SELECT id, topic, lang, helpful, channel || ':' || conversation_id AS who, at
         FROM feedback WHERE at >= $1 AND at < $2 ORDER BY at DESC, id DESC LIMIT $3) newest ORDER BY at, id`,
        [from, to, Math.min(limit, MAX_ROWS)],
      )
    ).rows;
    return rows.map((r) => ({ topic: r.topic, lang: r.lang, helpful: r.helpful === 1, who: r.who, at: r.at }));
  }
}
