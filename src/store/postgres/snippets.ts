/** The console's saved replies in PostgreSQL (table from migration 300; see snippets.ts). */
import type pg from 'pg';
import type { Snippet, Snippets } from '../snippets.js';

type Row = { id: string; owner_id: string | null; author_id: string; title: string; text: string; created_at: number };
const fromRow = (r: Row): Snippet => ({
  id: r.id,
  ...(r.owner_id ? { ownerId: r.owner_id } : {}),
  authorId: r.author_id,
  title: r.title,
  text: r.text,
  createdAt: r.created_at,
});

/** `Snippets` on a PostgreSQL pool. */
export class PgSnippets implements Snippets {
  constructor(private readonly pool: pg.Pool) {}

  async visibleTo(staffId: string): Promise<Snippet[]> {
    // lower(): SQLite's COLLATE NOCASE, so both stores list titles in the same order.
    const rows = (
      await this.pool.query<Row>('SELECT * FROM console_snippets WHERE owner_id = $1 OR owner_id IS NULL ORDER BY owner_id IS NULL, lower(title), created_at', [
        staffId,
      ])
    ).rows;
    return rows.map(fromRow);
  }

  async get(id: string): Promise<Snippet | undefined> {
    const r = (await this.pool.query<Row>('SELECT * FROM console_snippets WHERE id = $1', [id])).rows[0];
    return r ? fromRow(r) : undefined;
  }

  async add(s: Snippet): Promise<void> {
    await this.pool.query('INSERT INTO console_snippets (id, owner_id, author_id, title, text, created_at) VALUES ($1, $2, $3, $4, $5, $6)', [
      s.id,
      s.ownerId ?? null,
      s.authorId,
      s.title,
      s.text,
      s.createdAt,
    ]);
  }

  async remove(id: string): Promise<boolean> {
    return ((await this.pool.query('DELETE FROM console_snippets WHERE id = $1', [id])).rowCount ?? 0) > 0;
  }
}
