/**
 * The content pack as the web editor keeps it (issue 16): immutable
 * published versions, drafts per file, and review marks per language and
 * file. Once the editor is used, the store is the source of truth; the files
 * on disk are import and export. Every instance polls `head()` and serves the
 * newest version within seconds, without a restart.
 *
 * File texts are stored once, content-addressed by their SHA-256 (a version
 * is a list of path -> hash), so a version that changes one file costs one
 * file. Methods are async and the SQL plain, so a PostgreSQL store fits too.
 * Nothing here holds data about a person: staff ids and names of who changed
 * what are the team's own audit trail ("delete my data" does not touch it).
 */

/** How a version came to be. */
export type VersionKind = 'import' | 'publish' | 'restore';

/** One immutable published version of the whole pack. */
export interface ContentVersion {
  /** 1, 2, 3...: the newest is the one served. */
  id: number;
  /** The version it was made from; absent for the first. */
  parent?: number;
  kind: VersionKind;
  /** For a restore: the version whose files it copies. */
  restoredFrom?: number;
  /** The compiled pack's content hash (`ContentPack.version`) of these files. */
  packVersion: string;
  /** Staff id of who published it; absent for the import at first start. */
  authorId?: string;
  /** Shown in the history. */
  authorName: string;
  /** Why, in the author's words. */
  why: string;
  createdAt: number;
}

/** A file of a version: its path and the SHA-256 (hex) of its text. */
export interface VersionFile {
  path: string;
  hash: string;
}

/** An unpublished edit of one file (one per file: a later edit replaces it, with its author). */
export interface Draft {
  path: string;
  /** The whole new text; `null`: the next version removes the file. */
  text: string | null;
  /** The version the author was looking at when they edited. */
  baseVersion: number;
  authorId: string;
  authorName: string;
  why: string;
  updatedAt: number;
}

/** "A reviewer for `lang` read `path` as it was in version `versionId` and finds it right." */
export interface ReviewMark {
  lang: string;
  path: string;
  versionId: number;
  /** SHA-256 of the text reviewed. */
  hash: string;
  staffId: string;
  staffName: string;
  at: number;
}

/** What a new version needs; the store gives it the next id. */
export interface NewVersion {
  /** The head the caller built on: refused (`false`) when another version came first. */
  expectHead: number | undefined;
  kind: VersionKind;
  restoredFrom?: number;
  packVersion: string;
  authorId?: string;
  authorName: string;
  why: string;
  createdAt: number;
  /** Every file of the new version (the whole pack, not a delta). */
  files: { path: string; text: string }[];
  /** Drafts this version publishes: deleted in the same transaction, each only if unchanged since (same `updatedAt`). */
  publishedDrafts?: { path: string; updatedAt: number }[];
}

/**
 * A recording of the pack (issue 16.5), kept in the store so every instance serves it, not only
 * the one whose disk the upload landed on. Its path names its content (the file name carries a
 * prefix of the SHA-256), so a path never changes its bytes: old versions that name it keep working.
 */
export interface MediaFile {
  /** Pack path, e.g. "content/audio/hearing.ar.3f2a9c1b04de.mp3". */
  path: string;
  sha256: string;
  /** MIME type, e.g. "audio/mpeg". */
  type: string;
  bytes: Buffer;
  createdAt: number;
}

/** Versions, drafts, review marks and recordings; ask the store with `await store.contentVersions()`. */
export interface ContentVersions {
  /** The newest version (the one to serve), or undefined while the store holds none. */
  head(): Promise<ContentVersion | undefined>;
  version(id: number): Promise<ContentVersion | undefined>;
  /** Newest first. */
  versions(limit: number, beforeId?: number): Promise<ContentVersion[]>;
  /** The files of a version, by path. */
  files(versionId: number): Promise<VersionFile[]>;
  /** Texts by hash (those that exist). */
  blobs(hashes: string[]): Promise<Map<string, string>>;
  /**
   * Adds a version atomically: stores the texts, the file list and the
   * version, and deletes the published drafts. Returns undefined (and
   * changes nothing) when the head is no longer `expectHead`.
   */
  addVersion(v: NewVersion): Promise<ContentVersion | undefined>;

  /** All drafts, by path. */
  drafts(): Promise<Draft[]>;
  draft(path: string): Promise<Draft | undefined>;
  /** Insert or replace the draft of `d.path`. */
  putDraft(d: Draft): Promise<void>;
  /** Discards a draft; true when there was one. */
  deleteDraft(path: string): Promise<boolean>;

  /** Records a review mark (the history keeps every one). */
  addReview(m: ReviewMark): Promise<void>;
  /** The latest mark of each file of a language, by path. */
  reviews(lang: string): Promise<ReviewMark[]>;

  /** Stores a recording under its path; a path stored already keeps its first bytes (paths are content-addressed). */
  putMedia(m: MediaFile): Promise<void>;
  /** Every stored recording's path and size in bytes: the pack's assets besides those on disk. */
  mediaSizes(): Promise<Map<string, number>>;
  /** One recording, or undefined. */
  media(path: string): Promise<MediaFile | undefined>;
}

/** SHA-256 hex of a text: the key a file's text is stored under. */
export { sha256Hex } from '../util/hash.js';
