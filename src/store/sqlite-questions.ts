/** The co-creation dashboard's reads on the core SQLite file (see questions.ts). Migrations 450-499 are this module's. */
import type Database from 'better-sqlite3';
import type { FeedbackRow, QuestionKind, QuestionRecords, QuestionRow } from './questions.js';

/**
 * Applied with the core migrations (the runtime writes the new columns on every
 * "not helpful"): `kind` says why a question is kept, `topic` which answer did
 * not help. Rows from before are unanswered questions.
 */
export const questionMigrations = [
  {
    version: 450,
    name: 'co-creation: questions whose answer was not helpful, beside the unanswered ones (issue 16.4)',
    sql: `
      ALTER TABLE unanswered ADD COLUMN kind TEXT NOT NULL DEFAULT 'unanswered';
      ALTER TABLE unanswered ADD COLUMN topic TEXT;
    `,
  },
];

/** The most rows one request reads (30 days of a busy pack fit; more is cut at the oldest). */
const MAX_ROWS = 50_000;

/** `QuestionRecords` on one better-sqlite3 database. */
export class SqliteQuestions implements QuestionRecords {
  constructor(private readonly db: Database.Database) {}

  async questionsBetween(from: number, to: number, limit = MAX_ROWS): Promise<QuestionRow[]> {
    const rows = this.db
      .prepare(
        `SELECT * FROM (SELECT id, kind, lang, text, topic, COALESCE(channel, '') || ':' || COALESCE(conversation_id, 'row' || id) AS who, at
         FROM unanswered WHERE at >= ? AND at < ? ORDER BY at DESC, id DESC LIMIT ?) ORDER BY at, id`,
      )
      .all(from, to, Math.min(limit, MAX_ROWS)) as { kind: string; lang: string; text: string; topic: string | null; who: string; at: number }[];
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
    const rows = this.db
      .prepare(
        `SELECT * FROM (SELECT id, topic, lang, helpful, channel || ':' || conversation_id AS who, at
         FROM feedback WHERE at >= ? AND at < ? ORDER BY at DESC, id DESC LIMIT ?) ORDER BY at, id`,
      )
      .all(from, to, Math.min(limit, MAX_ROWS)) as { topic: string; lang: string; helpful: number; who: string; at: number }[];
    return rows.map((r) => ({ topic: r.topic, lang: r.lang, helpful: r.helpful === 1, who: r.who, at: r.at }));
  }
}
