/** Content versions, drafts and review marks in the core SQLite file (see content-versions.ts). Migrations 410+ of the editor's range 400-449. */
import type Database from 'better-sqlite3';
import { sha256Hex } from '../util/hash.js';
import type { ContentVersion, ContentVersions, Draft, MediaFile, NewVersion, ReviewMark, VersionFile, VersionKind } from './content-versions.js';
import type { SqliteMigration } from './sqlite.js';

/** The editor's tables, applied by `SqliteStore` when content versions are first asked for. */
export const contentVersionMigrations: SqliteMigration[] = [
  {
    version: 410,
    name: 'content editor (issue 16): immutable versions of content-addressed files, drafts, review marks',
    sql: `
      CREATE TABLE content_blobs (hash TEXT PRIMARY KEY, text TEXT NOT NULL);
      CREATE TABLE content_versions (
        id INTEGER PRIMARY KEY, parent INTEGER REFERENCES content_versions(id),
        kind TEXT NOT NULL CHECK (kind IN ('import', 'publish', 'restore')), restored_from INTEGER REFERENCES content_versions(id),
        pack_version TEXT NOT NULL, author_id TEXT, author_name TEXT NOT NULL, why TEXT NOT NULL, created_at INTEGER NOT NULL);
      CREATE TABLE content_version_files (
        version_id INTEGER NOT NULL REFERENCES content_versions(id), path TEXT NOT NULL, hash TEXT NOT NULL REFERENCES content_blobs(hash),
        PRIMARY KEY (version_id, path));
      CREATE TABLE content_drafts (
        path TEXT PRIMARY KEY, text TEXT, base_version INTEGER NOT NULL, author_id TEXT NOT NULL, author_name TEXT NOT NULL,
        why TEXT NOT NULL, updated_at INTEGER NOT NULL);
      CREATE TABLE content_reviews (
        id INTEGER PRIMARY KEY AUTOINCREMENT, lang TEXT NOT NULL, path TEXT NOT NULL, version_id INTEGER NOT NULL REFERENCES content_versions(id),
        hash TEXT NOT NULL, staff_id TEXT NOT NULL, staff_name TEXT NOT NULL, at INTEGER NOT NULL);
      CREATE INDEX content_reviews_lang ON content_reviews(lang, path, id);
    `,
  },
  {
    version: 460,
    name: 'podcast recordings in the store (issue 16.5): content-addressed audio every instance serves',
    sql: `
      CREATE TABLE content_media (
        path TEXT PRIMARY KEY, sha256 TEXT NOT NULL, type TEXT NOT NULL, size INTEGER NOT NULL, bytes BLOB NOT NULL, created_at INTEGER NOT NULL);
    `,
  },
];

type VersionRow = {
  id: number;
  parent: number | null;
  kind: string;
  restored_from: number | null;
  pack_version: string;
  author_id: string | null;
  author_name: string;
  why: string;
  created_at: number;
};
const toVersion = (r: VersionRow): ContentVersion => ({
  id: r.id,
  ...(r.parent !== null ? { parent: r.parent } : {}),
  kind: r.kind as VersionKind,
  ...(r.restored_from !== null ? { restoredFrom: r.restored_from } : {}),
  packVersion: r.pack_version,
  ...(r.author_id !== null ? { authorId: r.author_id } : {}),
  authorName: r.author_name,
  why: r.why,
  createdAt: r.created_at,
});

type DraftRow = { path: string; text: string | null; base_version: number; author_id: string; author_name: string; why: string; updated_at: number };
const toDraft = (r: DraftRow): Draft => ({
  path: r.path,
  text: r.text,
  baseVersion: r.base_version,
  authorId: r.author_id,
  authorName: r.author_name,
  why: r.why,
  updatedAt: r.updated_at,
});

type ReviewRow = { lang: string; path: string; version_id: number; hash: string; staff_id: string; staff_name: string; at: number };
const toReview = (r: ReviewRow): ReviewMark => ({
  lang: r.lang,
  path: r.path,
  versionId: r.version_id,
  hash: r.hash,
  staffId: r.staff_id,
  staffName: r.staff_name,
  at: r.at,
});

/** SQLite variables per statement are limited; blobs are read in chunks of this many hashes. */
const CHUNK = 500;

/** The `ContentVersions` records on one better-sqlite3 database. */
export class SqliteContentVersions implements ContentVersions {
  constructor(private readonly db: Database.Database) {}

  async head(): Promise<ContentVersion | undefined> {
    const r = this.db.prepare('SELECT * FROM content_versions ORDER BY id DESC LIMIT 1').get() as VersionRow | undefined;
    return r ? toVersion(r) : undefined;
  }

  async version(id: number): Promise<ContentVersion | undefined> {
    const r = this.db.prepare('SELECT * FROM content_versions WHERE id = ?').get(id) as VersionRow | undefined;
    return r ? toVersion(r) : undefined;
  }

  async versions(limit: number, beforeId?: number): Promise<ContentVersion[]> {
    const rows = this.db
      .prepare('SELECT * FROM content_versions WHERE id < ? ORDER BY id DESC LIMIT ?')
      .all(beforeId ?? Number.MAX_SAFE_INTEGER, limit) as VersionRow[];
    return rows.map(toVersion);
  }

  async files(versionId: number): Promise<VersionFile[]> {
    return this.db.prepare('SELECT path, hash FROM content_version_files WHERE version_id = ? ORDER BY path').all(versionId) as VersionFile[];
  }

  async blobs(hashes: string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    const unique = [...new Set(hashes)];
    for (let i = 0; i < unique.length; i += CHUNK) {
      const part = unique.slice(i, i + CHUNK);
      const rows = this.db.prepare(`SELECT hash, text FROM content_blobs WHERE hash IN (${part.map(() => '?').join(',')})`).all(...part) as {
        hash: string;
        text: string;
      }[];
      for (const r of rows) out.set(r.hash, r.text);
    }
    return out;
  }

  async addVersion(v: NewVersion): Promise<ContentVersion | undefined> {
    return this.db
      .transaction((): ContentVersion | undefined => {
        const head = (this.db.prepare('SELECT MAX(id) AS id FROM content_versions').get() as { id: number | null }).id ?? undefined;
        if (head !== v.expectHead) return undefined;
        const id = (head ?? 0) + 1;
        this.db
          .prepare(
            'INSERT INTO content_versions (id, parent, kind, restored_from, pack_version, author_id, author_name, why, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
          )
          .run(id, head ?? null, v.kind, v.restoredFrom ?? null, v.packVersion, v.authorId ?? null, v.authorName, v.why, v.createdAt);
        const blob = this.db.prepare('INSERT INTO content_blobs (hash, text) VALUES (?, ?) ON CONFLICT(hash) DO NOTHING');
        const file = this.db.prepare('INSERT INTO content_version_files (version_id, path, hash) VALUES (?, ?, ?)');
        for (const f of v.files) {
          const hash = sha256Hex(f.text);
          blob.run(hash, f.text);
          file.run(id, f.path, hash);
        }
        // A draft edited again after the publisher read it is newer than what was published: it stays.
        const drop = this.db.prepare('DELETE FROM content_drafts WHERE path = ? AND updated_at = ?');
        for (const d of v.publishedDrafts ?? []) drop.run(d.path, d.updatedAt);
        return toVersion(this.db.prepare('SELECT * FROM content_versions WHERE id = ?').get(id) as VersionRow);
        // IMMEDIATE: the write lock first, so the head read above is the newest (two instances publishing at once queue here).
      })
      .immediate();
  }

  async drafts(): Promise<Draft[]> {
    return (this.db.prepare('SELECT * FROM content_drafts ORDER BY path').all() as DraftRow[]).map(toDraft);
  }

  async draft(path: string): Promise<Draft | undefined> {
    const r = this.db.prepare('SELECT * FROM content_drafts WHERE path = ?').get(path) as DraftRow | undefined;
    return r ? toDraft(r) : undefined;
  }

  async putDraft(d: Draft): Promise<void> {
    this.db
      .prepare(
        `INSERT INTO content_drafts (path, text, base_version, author_id, author_name, why, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(path) DO UPDATE SET text = excluded.text, base_version = excluded.base_version, author_id = excluded.author_id,
           author_name = excluded.author_name, why = excluded.why, updated_at = excluded.updated_at`,
      )
      .run(d.path, d.text, d.baseVersion, d.authorId, d.authorName, d.why, d.updatedAt);
  }

  async deleteDraft(path: string): Promise<boolean> {
    return this.db.prepare('DELETE FROM content_drafts WHERE path = ?').run(path).changes > 0;
  }

  async addReview(m: ReviewMark): Promise<void> {
    this.db
      .prepare('INSERT INTO content_reviews (lang, path, version_id, hash, staff_id, staff_name, at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(m.lang, m.path, m.versionId, m.hash, m.staffId, m.staffName, m.at);
  }

  async reviews(lang: string): Promise<ReviewMark[]> {
    const rows = this.db
      .prepare(
        `SELECT r.* FROM content_reviews r
         JOIN (SELECT path, MAX(id) AS id FROM content_reviews WHERE lang = ? GROUP BY path) latest ON latest.id = r.id
         ORDER BY r.path`,
      )
      .all(lang) as ReviewRow[];
    return rows.map(toReview);
  }

  async putMedia(m: MediaFile): Promise<void> {
    this.db
      .prepare('INSERT INTO content_media (path, sha256, type, size, bytes, created_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(path) DO NOTHING')
      .run(m.path, m.sha256, m.type, m.bytes.length, m.bytes, m.createdAt);
  }

  async mediaSizes(): Promise<Map<string, number>> {
    const rows = this.db.prepare('SELECT path, size FROM content_media ORDER BY path').all() as { path: string; size: number }[];
    return new Map(rows.map((r) => [r.path, r.size]));
  }

  async media(path: string): Promise<MediaFile | undefined> {
    const r = this.db.prepare('SELECT path, sha256, type, bytes, created_at FROM content_media WHERE path = ?').get(path) as
      | { path: string; sha256: string; type: string; bytes: Buffer; created_at: number }
      | undefined;
    return r ? { path: r.path, sha256: r.sha256, type: r.type, bytes: r.bytes, createdAt: r.created_at } : undefined;
  }
}
