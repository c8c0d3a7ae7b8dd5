/**
 * The storage interface. Everything that must survive a restart, or that a
 * second instance would need, goes through here: no module keeps such state
 * in its own memory. `SqliteStore` is the default; a PostgreSQL
 * implementation follows the same interface for larger deployments.
 *
 * Methods are async so that network-backed stores fit the same interface.
 */
import type { ConversationRef } from '../shared/conversation.js';
import type { ContentVersions } from './content-versions.js';
import type { Handoffs } from './handoffs.js';
import type { Inbox } from './inbox.js';
import type { QuestionKind, QuestionRecords } from './questions.js';
import type { RateCounters } from './rate-counters.js';
import type { Snippets } from './snippets.js';
import type { StaffAccounts } from './staff.js';
import type { WebchatLog } from './webchat-log.js';

/** A conversation's stored engine session, with when it was last saved (for expiry). */
export interface SessionRecord {
  ref: ConversationRef;
  /** Engine session state (JSON). */
  state: unknown;
  /** When the session was last saved (ms epoch); `expireSessions` goes by it. */
  updatedAt: number;
}

/** One answer to "Was this helpful?", with the content version it was about. */
export interface FeedbackRecord {
  ref: ConversationRef;
  topic: string;
  lang: string;
  helpful: boolean;
  /** The content pack's version hash at the time, so feedback can be read against what the bot said then. */
  contentVersion: string;
  at: number;
}

/** A question the bot could not answer, kept (masked, linked to its conversation for "delete my data") so content writers can add it. */
export interface UnansweredRecord {
  /** The conversation it came from, so that "delete my data" finds it (a pseudonymous id; see PRIVACY.md). */
  ref?: ConversationRef;
  lang: string;
  /** Already masked: phone numbers, e-mail addresses and long digit runs replaced. */
  text: string;
  contentVersion: string;
  at: number;
  /** Why it is kept: the bot had no answer (the default), or the person said the answer was not helpful. */
  kind?: QuestionKind;
  /** For `not-helpful`: the topic whose answer did not help. */
  topic?: string;
}

/** What `forgetPerson` erased: counts only. */
export interface ForgetResult {
  sessions: number;
  feedback: number;
  unanswered: number;
  /** Incoming messages stored for processing (the inbox), finished or not. */
  inbox: number;
  webchatConversations: number;
  handoffs: number;
  handoffMessages: number;
  kv: number;
}

/** The storage interface (see the file comment). Modules outside src/store see only this and the interfaces it hands out. */
export interface Store {
  /** Create tables / run pending migrations. Safe to call on every start. */
  migrate(): Promise<void>;
  getSession(ref: ConversationRef): Promise<SessionRecord | undefined>;
  putSession(rec: SessionRecord): Promise<void>;
  deleteSession(ref: ConversationRef): Promise<void>;
  /** Remove sessions not touched since `before` (ms epoch); returns how many. */
  expireSessions(before: number): Promise<number>;

  addFeedback(rec: FeedbackRecord): Promise<void>;
  listFeedback(limit?: number): Promise<FeedbackRecord[]>;
  addUnanswered(rec: UnansweredRecord): Promise<void>;
  listUnanswered(limit?: number): Promise<UnansweredRecord[]>;
  /** Delete everything kept about one conversation (the "delete my data" command): `forgetPerson` without the counts. */
  deleteConversationData(ref: ConversationRef): Promise<void>;
  /**
   * "Delete my data": erases everything kept about one person, on every
   * table of every module (session, feedback, unanswered questions, the web
   * chat conversation and its activity log, handoff messages, notes and
   * outcome notes, keyed records named by the conversation id), in one
   * transaction. A handoff row stays as an anonymous count (language,
   * reason, outcome, times), its conversation id replaced; an open one ends
   * as cancelled with the single event "deleted by the person".
   * Returns how many records went, never what they said.
   */
  forgetPerson(ref: ConversationRef): Promise<ForgetResult>;
  /** Retention: delete feedback and unanswered questions recorded before `before`; returns how many. */
  expireRecords(before: number): Promise<number>;
  /**
   * Retention: drop the raw text the sessions remember for a caseworker
   * (`recent`) from sessions not touched since `before`; returns how many.
   */
  forgetRecentText(before: number): Promise<number>;

  /**
   * Generic keyed records for channel and handoff modules (update ids, tokens,
   * file ids, queues): namespaced, optionally expiring. `putIfAbsent` is the
   * atomic primitive for de-duplication across instances.
   */
  kvGet(ns: string, key: string): Promise<string | undefined>;
  /** Insert or replace; `ttlMs` makes the record expire (reads ignore it after that). */
  kvPut(ns: string, key: string, value: string, ttlMs?: number): Promise<void>;
  /** Insert only when no live record has the key; true when this call inserted it. Atomic: use it to de-duplicate (e.g. Telegram update ids). */
  kvPutIfAbsent(ns: string, key: string, value: string, ttlMs?: number): Promise<boolean>;
  kvDelete(ns: string, key: string): Promise<void>;
  /** The live records of a namespace, optionally only keys starting with `prefix`. */
  kvList(ns: string, prefix?: string): Promise<{ key: string; value: string }[]>;
  /** Delete keyed records whose time is up (reads already ignore them); returns how many. Run by the server's housekeeping. */
  kvSweep(): Promise<number>;

  /**
   * The records of the modules that need their own tables, from the same
   * store (one file, one database): channels and handoff ask for these and
   * never for a concrete store. The handoff tables are created when first
   * asked for, so a deployment without handoff has none.
   */
  webchatLog(): WebchatLog;
  rateCounters(): RateCounters;
  /**
   * True when the writes asked for in one turn of the event loop, of any of this store's records
   * (sessions, inbox, web chat log ...), commit in one transaction in the order they were asked for
   * (SQLite's group commit: sqlite-batch.ts). A caller may then ask for writes that follow one
   * another at once and await them together: one commit round instead of one per write, and they
   * are atomic together. False (PostgreSQL: a statement a transaction on a pool of connections):
   * each must be awaited before the next that depends on it is asked for.
   */
  readonly groupsWritesPerTick: boolean;
  /** Incoming messages, stored before they are acknowledged and finished after a crash (inbox.ts). */
  inbox(): Inbox;
  handoffs(): Promise<Handoffs>;
  staffAccounts(): Promise<StaffAccounts>;
  /** The console's saved replies (own and team); the table is created when first asked for. */
  snippets(): Promise<Snippets>;
  /** The co-creation dashboard's reads of questions and feedback over a time range (questions.ts). */
  questions(): Promise<QuestionRecords>;
  /** The content editor's versions, drafts and review marks (issue 16); the tables are created when first asked for. */
  contentVersions(): Promise<ContentVersions>;

  /** Readiness: can we read and write right now? */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

/** Masks what must never be stored from an unanswered question. */
export function maskPersonalData(text: string): string {
  return text
    .replace(/[\p{L}\p{N}._%+-]+@[\p{L}\p{N}.-]+\.[\p{L}]{2,}/gu, '[email]')
    .replace(/(?:\+|00)?[\d\u0660-\u0669\u06F0-\u06F9][\d\u0660-\u0669\u06F0-\u06F9 ()/.-]{6,}[\d\u0660-\u0669\u06F0-\u06F9]/g, (m) =>
      m.replace(/[^\d\u0660-\u0669\u06F0-\u06F9]/g, '').length >= 6 ? '[number]' : m,
    )
    .replace(/[\d\u0660-\u0669\u06F0-\u06F9]{5,}/g, '[number]');
}
