/**
 * The PostgreSQL schema, migration by migration: each mirrors the SQLite
 * migration of the same number (src/store/sqlite.ts, sqlite-handoffs.ts,
 * sqlite-snippets.ts, sqlite-content-versions.ts, sqlite-questions.ts), so a
 * version means the same tables on both. Times are
 * BIGINT ms, flags INTEGER 0/1 and JSON TEXT, as in SQLite, so the record
 * classes map rows the same way and a stored value that is not JSON reads as
 * it does there. Append-only: never edit a migration that has shipped.
 */
import type { PgMigration } from './db.js';

/** Core tables (versions 1-4), applied by `PostgresStore.migrate()`. */
export const pgCoreMigrations: PgMigration[] = [
  {
    version: 1,
    name: 'sessions, feedback, unanswered, kv',
    sql: `
      CREATE TABLE sessions (
        channel TEXT NOT NULL, conversation_id TEXT NOT NULL,
        state TEXT NOT NULL, updated_at BIGINT NOT NULL,
        PRIMARY KEY (channel, conversation_id));
      CREATE INDEX sessions_updated ON sessions(updated_at);
      CREATE TABLE feedback (
        id BIGSERIAL PRIMARY KEY, channel TEXT NOT NULL, conversation_id TEXT NOT NULL,
        topic TEXT NOT NULL, lang TEXT NOT NULL, helpful INTEGER NOT NULL, content_version TEXT NOT NULL, at BIGINT NOT NULL);
      CREATE TABLE unanswered (
        id BIGSERIAL PRIMARY KEY, lang TEXT NOT NULL, text TEXT NOT NULL, content_version TEXT NOT NULL, at BIGINT NOT NULL);
      CREATE TABLE kv (
        ns TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, expires_at BIGINT,
        PRIMARY KEY (ns, key));
      CREATE INDEX kv_expires ON kv(expires_at) WHERE expires_at IS NOT NULL;
      -- SQLite's json_valid: a stored session that is not JSON is left alone by the retention of its text, not an error.
      CREATE FUNCTION lotse_try_jsonb(t TEXT) RETURNS JSONB LANGUAGE plpgsql IMMUTABLE AS $$
        BEGIN RETURN t::jsonb; EXCEPTION WHEN others THEN RETURN NULL; END $$;
    `,
  },
  {
    version: 2,
    name: 'webchat: Direct Line conversations, activity log, rate-limit counters',
    sql: `
      CREATE TABLE webchat_conversations (
        id TEXT PRIMARY KEY, user_id TEXT NOT NULL, base_url TEXT NOT NULL, lang TEXT,
        last_seq INTEGER NOT NULL DEFAULT 0,
        created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, expires_at BIGINT NOT NULL);
      CREATE INDEX webchat_conversations_expires ON webchat_conversations(expires_at);
      CREATE TABLE webchat_activities (
        conversation_id TEXT NOT NULL, seq INTEGER NOT NULL, client_id TEXT, activity TEXT NOT NULL, at BIGINT NOT NULL,
        PRIMARY KEY (conversation_id, seq));
      CREATE UNIQUE INDEX webchat_activities_client ON webchat_activities(conversation_id, client_id) WHERE client_id IS NOT NULL;
      CREATE TABLE webchat_rate (
        key TEXT PRIMARY KEY, n INTEGER NOT NULL, reset_at BIGINT NOT NULL);
    `,
  },
  {
    version: 3,
    name: 'privacy: unanswered questions linked to their conversation (for "delete my data"), indexes for retention',
    sql: `
      ALTER TABLE unanswered ADD COLUMN channel TEXT;
      ALTER TABLE unanswered ADD COLUMN conversation_id TEXT;
      CREATE INDEX unanswered_conv ON unanswered(channel, conversation_id);
      CREATE INDEX unanswered_at ON unanswered(at);
      CREATE INDEX feedback_conv ON feedback(channel, conversation_id);
      CREATE INDEX feedback_at ON feedback(at);
    `,
  },
  {
    version: 4,
    name: 'inbox: incoming messages stored before they are acknowledged, finished after a crash (issue 13.2)',
    sql: `
      CREATE TABLE inbox (
        seq BIGSERIAL PRIMARY KEY, key TEXT NOT NULL UNIQUE, channel TEXT NOT NULL, external_id TEXT NOT NULL,
        conversation_id TEXT NOT NULL, payload TEXT, reply TEXT, sent INTEGER NOT NULL DEFAULT 0, sending INTEGER NOT NULL DEFAULT 0, attempts INTEGER NOT NULL DEFAULT 0,
        received_at BIGINT NOT NULL, done_at BIGINT);
      CREATE INDEX inbox_pending ON inbox(channel, seq) WHERE done_at IS NULL;
      CREATE INDEX inbox_conv ON inbox(channel, conversation_id);
      CREATE INDEX inbox_done ON inbox(done_at) WHERE done_at IS NOT NULL;
    `,
  },
];

/** Handoff tables (versions 100-105) and the editor's roles on the staff table (400), applied when handoffs or staff accounts are first asked for. */
export const pgHandoffMigrations: PgMigration[] = [
  {
    version: 100,
    name: 'handoff: staff, sessions, handoffs, messages, audit',
    sql: `
      CREATE TABLE staff (
        id TEXT PRIMARY KEY, email TEXT NOT NULL UNIQUE, name TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('admin', 'caseworker')), password_hash TEXT NOT NULL,
        languages TEXT NOT NULL DEFAULT '[]', topics TEXT NOT NULL DEFAULT '[]',
        active INTEGER NOT NULL DEFAULT 1, created_at BIGINT NOT NULL);
      CREATE TABLE staff_sessions (
        token_hash TEXT PRIMARY KEY, staff_id TEXT NOT NULL REFERENCES staff(id) ON DELETE CASCADE,
        csrf TEXT NOT NULL, expires_at BIGINT NOT NULL, created_at BIGINT NOT NULL);
      CREATE TABLE handoffs (
        id TEXT PRIMARY KEY, channel TEXT NOT NULL, conversation_id TEXT NOT NULL, address TEXT,
        lang TEXT NOT NULL, reason TEXT NOT NULL, topic TEXT, priority INTEGER NOT NULL,
        status TEXT NOT NULL, caseworker_id TEXT REFERENCES staff(id), created_at BIGINT NOT NULL,
        taken_at BIGINT, closed_at BIGINT, outcome TEXT, outcome_service TEXT, outcome_note TEXT,
        off_hours INTEGER NOT NULL DEFAULT 0, waiting_notice_at BIGINT, last_position INTEGER,
        transcript_purged INTEGER NOT NULL DEFAULT 0);
      CREATE INDEX handoffs_open ON handoffs(status, priority, created_at);
      CREATE INDEX handoffs_conv ON handoffs(channel, conversation_id, status);
      CREATE TABLE handoff_messages (
        seq BIGSERIAL PRIMARY KEY, handoff_id TEXT NOT NULL REFERENCES handoffs(id) ON DELETE CASCADE,
        author TEXT NOT NULL, staff_id TEXT, kind TEXT NOT NULL, text TEXT NOT NULL, topic TEXT,
        at BIGINT NOT NULL, delivered_at BIGINT);
      CREATE INDEX handoff_messages_h ON handoff_messages(handoff_id, seq);
      CREATE TABLE handoff_audit (
        id BIGSERIAL PRIMARY KEY, staff_id TEXT, handoff_id TEXT, action TEXT NOT NULL, at BIGINT NOT NULL);
    `,
  },
  {
    version: 101,
    name: 'handoff: messages the channel could not deliver for good',
    sql: `ALTER TABLE handoff_messages ADD COLUMN undeliverable_at BIGINT;
      ALTER TABLE handoffs ADD COLUMN unreachable_notice_at BIGINT;`,
  },
  {
    version: 102,
    name: 'handoff: first caseworker reply and rating kept on the handoff (statistics outlive the transcript)',
    sql: `ALTER TABLE handoffs ADD COLUMN first_reply_at BIGINT;
      ALTER TABLE handoffs ADD COLUMN rating INTEGER CHECK (rating BETWEEN 1 AND 5);
      UPDATE handoffs SET first_reply_at = (SELECT MIN(at) FROM handoff_messages m
        WHERE m.handoff_id = handoffs.id AND m.author = 'caseworker' AND m.kind = 'message');
      CREATE INDEX handoffs_created ON handoffs(created_at);
      CREATE INDEX handoff_audit_staff ON handoff_audit(staff_id, id);`,
  },
  {
    version: 103,
    name: 'staff security: idle timeout (last use of a session), password change required after a reset',
    sql: `ALTER TABLE staff_sessions ADD COLUMN last_seen_at BIGINT NOT NULL DEFAULT 0;
      UPDATE staff_sessions SET last_seen_at = created_at;
      CREATE INDEX staff_sessions_staff ON staff_sessions(staff_id);
      ALTER TABLE staff ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0;`,
  },
  {
    version: 104,
    name: 'handoff: the person is never in silence (acks, seen, throttled positions) (the rating column came with migration 102)',
    sql: `ALTER TABLE handoffs ADD COLUMN acked_at BIGINT;
      ALTER TABLE handoffs ADD COLUMN position_told_at BIGINT;
      ALTER TABLE handoffs ADD COLUMN seen_seq INTEGER;`,
  },
  {
    version: 105,
    name: 'handoff: a message relayed from a stored incoming message is stored once, also when its turn runs again after a crash',
    sql: `ALTER TABLE handoff_messages ADD COLUMN source TEXT;
      CREATE UNIQUE INDEX handoff_messages_source ON handoff_messages(source) WHERE source IS NOT NULL;`,
  },
  {
    // The content editor's range (400-449): its roles live on the staff table. Where SQLite copies the
    // table to change its CHECK, PostgreSQL replaces the constraint in place (migration 100 named it
    // staff_role_check), so sessions and handoffs keep their references untouched.
    version: 400,
    name: 'content editor (issue 16): roles editor and translator beside admin and caseworker',
    sql: `ALTER TABLE staff DROP CONSTRAINT staff_role_check,
      ADD CONSTRAINT staff_role_check CHECK (role IN ('admin', 'editor', 'translator', 'caseworker'));`,
  },
];

/** The snippets table (version 300), applied when snippets are first asked for. */
export const pgSnippetMigrations: PgMigration[] = [
  {
    version: 300,
    name: 'console snippets',
    sql: `
      CREATE TABLE console_snippets (
        id TEXT PRIMARY KEY, owner_id TEXT, author_id TEXT NOT NULL,
        title TEXT NOT NULL, text TEXT NOT NULL, created_at BIGINT NOT NULL
      );
      CREATE INDEX console_snippets_owner ON console_snippets(owner_id);
    `,
  },
];

/** The content editor's tables (version 410 of its range 400-449), applied when content versions are first asked for. */
export const pgContentVersionMigrations: PgMigration[] = [
  {
    version: 410,
    name: 'content editor (issue 16): immutable versions of content-addressed files, drafts, review marks',
    sql: `
      CREATE TABLE content_blobs (hash TEXT PRIMARY KEY, text TEXT NOT NULL);
      CREATE TABLE content_versions (
        id INTEGER PRIMARY KEY, parent INTEGER REFERENCES content_versions(id),
        kind TEXT NOT NULL CHECK (kind IN ('import', 'publish', 'restore')), restored_from INTEGER REFERENCES content_versions(id),
        pack_version TEXT NOT NULL, author_id TEXT, author_name TEXT NOT NULL, why TEXT NOT NULL, created_at BIGINT NOT NULL);
      CREATE TABLE content_version_files (
        version_id INTEGER NOT NULL REFERENCES content_versions(id), path TEXT NOT NULL, hash TEXT NOT NULL REFERENCES content_blobs(hash),
        PRIMARY KEY (version_id, path));
      CREATE TABLE content_drafts (
        path TEXT PRIMARY KEY, text TEXT, base_version INTEGER NOT NULL, author_id TEXT NOT NULL, author_name TEXT NOT NULL,
        why TEXT NOT NULL, updated_at BIGINT NOT NULL);
      CREATE TABLE content_reviews (
        id BIGSERIAL PRIMARY KEY, lang TEXT NOT NULL, path TEXT NOT NULL, version_id INTEGER NOT NULL REFERENCES content_versions(id),
        hash TEXT NOT NULL, staff_id TEXT NOT NULL, staff_name TEXT NOT NULL, at BIGINT NOT NULL);
      CREATE INDEX content_reviews_lang ON content_reviews(lang, path, id);
    `,
  },
  {
    version: 460,
    name: 'podcast recordings in the store (issue 16.5): content-addressed audio every instance serves',
    sql: `
      CREATE TABLE content_media (
        path TEXT PRIMARY KEY, sha256 TEXT NOT NULL, type TEXT NOT NULL, size INTEGER NOT NULL, bytes BYTEA NOT NULL, created_at BIGINT NOT NULL);
    `,
  },
];

/**
 * The co-creation columns (version 450 of its range 450-499), applied with the core tables because the
 * runtime writes them with every question: `kind` says why a question is kept, `topic` which answer did
 * not help. Rows from before are unanswered questions.
 */
export const pgQuestionMigrations: PgMigration[] = [
  {
    version: 450,
    name: 'co-creation: questions whose answer was not helpful, beside the unanswered ones (issue 16.4)',
    sql: `
      ALTER TABLE unanswered ADD COLUMN kind TEXT NOT NULL DEFAULT 'unanswered';
      ALTER TABLE unanswered ADD COLUMN topic TEXT;
    `,
  },
];
