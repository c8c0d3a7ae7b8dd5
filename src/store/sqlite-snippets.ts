/** Snippets in the core SQLite file (see snippets.ts). Their migrations use versions 300+, apart from the handoff tables' 100+. */
import type Database from 'better-sqlite3';
import type { Snippet, Snippets } from './snippets.js';

/** The snippets table, applied by `SqliteStore` when snippets are first asked for. */
export const snippetMigrations = [
  {
    version: 300,
    name: 'console snippets',
    sql: `
      CREATE TABLE console_snippets (
        id TEXT PRIMARY KEY, owner_id TEXT, author_id TEXT NOT NULL,
        title TEXT NOT NULL, text TEXT NOT NULL, created_at INTEGER NOT NULL
      );
      CREATE INDEX console_snippets_owner ON console_snippets(owner_id);
    `,
  },
];

type Row = { id: string; owner_id: string | null; author_id: string; title: string; text: string; created_at: number };
const fromRow = (r: Row): Snippet => ({
  id: r.id,
  ...(r.owner_id ? { ownerId: r.owner_id } : {}),
  authorId: r.author_id,
  title: r.title,
  text: r.text,
  createdAt: r.created_at,
});

/** The `Snippets` records on one better-sqlite3 database. */
export class SqliteSnippets implements Snippets {
  constructor(private readonly db: Database.Database) {}

  async visibleTo(staffId: string): Promise<Snippet[]> {
    const rows = this.db
      .prepare('SELECT * FROM console_snippets WHERE owner_id = ? OR owner_id IS NULL ORDER BY owner_id IS NULL, title COLLATE NOCASE, created_at')
      .all(staffId) as Row[];
    return rows.map(fromRow);
  }

  async get(id: string): Promise<Snippet | undefined> {
    const r = this.db.prepare('SELECT * FROM console_snippets WHERE id = ?').get(id) as Row | undefined;
    return r ? fromRow(r) : undefined;
  }

  async add(s: Snippet): Promise<void> {
    this.db
      .prepare('INSERT INTO console_snippets (id, owner_id, author_id, title, text, created_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(s.id, s.ownerId ?? null, s.authorId, s.title, s.text, s.createdAt);
  }

  async remove(id: string): Promise<boolean> {
    return this.db.prepare('DELETE FROM console_snippets WHERE id = ?').run(id).changes > 0;
  }
}
