/**
 * Content versions, drafts and review marks in PostgreSQL (tables from
 * migration 410; see content-versions.ts). Publishing is the one read that
 * decides a write: "is the head still the version I built on?". Version ids
 * are consecutive (head + 1), so the new version's row is inserted with
 * ON CONFLICT (id) DO NOTHING: of two instances publishing on the same head at
 * once, the second one's insert waits for the first one's transaction and,
 * once that commits, inserts nothing, so exactly one wins and the other
 * rolls back everything it wrote (texts, file list, dropped drafts).
 */
import type pg from 'pg';
import { sha256Hex } from '../../util/hash.js';
import type { ContentVersion, ContentVersions, Draft, MediaFile, NewVersion, ReviewMark, VersionFile, VersionKind } from '../content-versions.js';
import { tx } from './db.js';

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

/** Thrown inside the publishing transaction to roll it back: another version came first. */
class HeadMoved extends Error {}

/** Whether a number can be a version id (the column is INTEGER: a fraction or a huge number from a request names no version, rather than failing the query). */
const isVersionId = (id: number): boolean => Number.isInteger(id) && id >= -2_147_483_648 && id <= 2_147_483_647;

/** Paths compared byte by byte, as SQLite's default collation orders them, whatever the database's locale. */
const BY_PATH = 'path COLLATE "C"';

/** The `ContentVersions` records on a PostgreSQL pool. */
export class PgContentVersions implements ContentVersions {
  constructor(private readonly pool: pg.Pool) {}

  async head(): Promise<ContentVersion | undefined> {
    const r = (await this.pool.query<VersionRow>('SELECT * FROM content_versions ORDER BY id DESC LIMIT 1')).rows[0];
    return r ? toVersion(r) : undefined;
  }

  async version(id: number): Promise<ContentVersion | undefined> {
    if (!isVersionId(id)) return undefined;
    const r = (await this.pool.query<VersionRow>('SELECT * FROM content_versions WHERE id = $1', [id])).rows[0];
    return r ? toVersion(r) : undefined;
  }

  async versions(limit: number, beforeId?: number): Promise<ContentVersion[]> {
    const rows = (
      await this.pool.query<VersionRow>('SELECT * FROM content_versions WHERE id < $1::float8 ORDER BY id DESC LIMIT $2', [
        // float8: any number compares as it does on SQLite (the default, MAX_SAFE_INTEGER, is past INTEGER's range).
        beforeId ?? Number.MAX_SAFE_INTEGER,
        Math.max(0, Math.floor(limit)),
      ])
    ).rows;
    return rows.map(toVersion);
  }

  async files(versionId: number): Promise<VersionFile[]> {
    if (!isVersionId(versionId)) return [];
    return (await this.pool.query<VersionFile>(`SELECT path, hash FROM content_version_files WHERE version_id = $1 ORDER BY ${BY_PATH}`, [versionId])).rows;
  }

  async blobs(hashes: string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    const unique = [...new Set(hashes)];
    if (!unique.length) return out;
    // One array parameter, however many hashes (PostgreSQL has no per-statement variable limit to chunk for).
    const rows = (await this.pool.query<{ hash: string; text: string }>('SELECT hash, text FROM content_blobs WHERE hash = ANY($1::text[])', [unique])).rows;
    for (const r of rows) out.set(r.hash, r.text);
    return out;
  }

  async addVersion(v: NewVersion): Promise<ContentVersion | undefined> {
    try {
      return await tx(this.pool, async (c) => {
        const head = (await c.query<{ id: number | null }>('SELECT MAX(id) AS id FROM content_versions')).rows[0]?.id ?? undefined;
        if (head !== v.expectHead) return undefined;
        const id = (head ?? 0) + 1;
        // The decision: this row goes in only if no other version took the id. A concurrent insert of the same
        // id makes this one wait for that transaction; when it commits, nothing is inserted and we lose.
        const inserted = await c.query<VersionRow>(
          `INSERT INTO content_versions (id, parent, kind, restored_from, pack_version, author_id, author_name, why, created_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (id) DO NOTHING RETURNING *`,
          [id, head ?? null, v.kind, v.restoredFrom ?? null, v.packVersion, v.authorId ?? null, v.authorName, v.why, v.createdAt],
        );
        const row = inserted.rows[0];
        if (!row) throw new HeadMoved();
        const texts = new Map<string, string>();
        const paths: string[] = [];
        const hashes: string[] = [];
        for (const f of v.files) {
          const hash = sha256Hex(f.text);
          texts.set(hash, f.text);
          paths.push(f.path);
          hashes.push(hash);
        }
        if (texts.size) {
          // In hash order, so two transactions storing the same new texts take their row locks in the same order.
          const sorted = [...texts.keys()].sort();
          await c.query('INSERT INTO content_blobs (hash, text) SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT (hash) DO NOTHING', [
            sorted,
            sorted.map((h) => texts.get(h)!),
          ]);
          await c.query('INSERT INTO content_version_files (version_id, path, hash) SELECT $1::integer, * FROM unnest($2::text[], $3::text[])', [
            id,
            paths,
            hashes,
          ]);
        }
        // A draft edited again after the publisher read it is newer than what was published: it stays.
        const drafts = v.publishedDrafts ?? [];
        if (drafts.length)
          await c.query(
            'DELETE FROM content_drafts d USING unnest($1::text[], $2::bigint[]) AS p(path, updated_at) WHERE d.path = p.path AND d.updated_at = p.updated_at',
            [drafts.map((d) => d.path), drafts.map((d) => d.updatedAt)],
          );
        return toVersion(row);
      });
    } catch (err) {
      if (err instanceof HeadMoved) return undefined;
      throw err;
    }
  }

  async drafts(): Promise<Draft[]> {
    return (await this.pool.query<DraftRow>(`SELECT * FROM content_drafts ORDER BY ${BY_PATH}`)).rows.map(toDraft);
  }

  async draft(path: string): Promise<Draft | undefined> {
    const r = (await this.pool.query<DraftRow>('SELECT * FROM content_drafts WHERE path = $1', [path])).rows[0];
    return r ? toDraft(r) : undefined;
  }

  async putDraft(d: Draft): Promise<void> {
    await this.pool.query(
      `INSERT INTO content_drafts (path, text, base_version, author_id, author_name, why, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (path) DO UPDATE SET text = excluded.text, base_version = excluded.base_version, author_id = excluded.author_id,
         author_name = excluded.author_name, why = excluded.why, updated_at = excluded.updated_at`,
      [d.path, d.text, d.baseVersion, d.authorId, d.authorName, d.why, d.updatedAt],
    );
  }

  async deleteDraft(path: string): Promise<boolean> {
    return ((await this.pool.query('DELETE FROM content_drafts WHERE path = $1', [path])).rowCount ?? 0) > 0;
  }

  async addReview(m: ReviewMark): Promise<void> {
    await this.pool.query('INSERT INTO content_reviews (lang, path, version_id, hash, staff_id, staff_name, at) VALUES ($1, $2, $3, $4, $5, $6, $7)', [
      m.lang,
      m.path,
      m.versionId,
      m.hash,
      m.staffId,
      m.staffName,
      m.at,
    ]);
  }

  async reviews(lang: string): Promise<ReviewMark[]> {
    const rows = (
      await this.pool.query<ReviewRow>(
        `SELECT r.* FROM content_reviews r
         JOIN (SELECT path, MAX(id) AS id FROM content_reviews WHERE lang = $1 GROUP BY path) latest ON latest.id = r.id
         ORDER BY r.${BY_PATH}`,
        [lang],
      )
    ).rows;
    return rows.map(toReview);
  }

  async putMedia(m: MediaFile): Promise<void> {
    await this.pool.query(
      'INSERT INTO content_media (path, sha256, type, size, bytes, created_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (path) DO NOTHING',
      [m.path, m.sha256, m.type, m.bytes.length, m.bytes, m.createdAt],
    );
  }

  async mediaSizes(): Promise<Map<string, number>> {
    const rows = (await this.pool.query<{ path: string; size: number }>(`SELECT path, size FROM content_media ORDER BY ${BY_PATH}`)).rows;
    return new Map(rows.map((r) => [r.path, Number(r.size)]));
  }

  async media(path: string): Promise<MediaFile | undefined> {
    const r = (
      await this.pool.query<{ path: string; sha256: string; type: string; bytes: Buffer; created_at: string | number }>(
        'SELECT path, sha256, type, bytes, created_at FROM content_media WHERE path = $1',
        [path],
      )
    ).rows[0];
    return r ? { path: r.path, sha256: r.sha256, type: r.type, bytes: r.bytes, createdAt: Number(r.created_at) } : undefined;
  }
}
