/**
 * What the web chat (Direct Line) keeps: its conversations and each
 * conversation's activity log, whose sequence number is the watermark.
 * Nothing of it lives only in one process's memory, so any instance can
 * answer any request. `SqliteWebchatLog` is the implementation in the core
 * SQLite file; the methods return Promises so that a network-backed store
 * (PostgreSQL) fits the same interface.
 */

/** A web chat (Direct Line) conversation: its user, the base URL its client uses, and its last activity number. */
export interface WebchatConversation {
  id: string;
  /** The Direct Line user id the token was issued for. */
  userId: string;
  /** The server address the client used, to make audio and transcript links absolute. */
  baseUrl: string;
  lang?: string;
  /** The sequence number of the last stored activity. */
  lastSeq: number;
  createdAt: number;
  updatedAt: number;
  /** When the conversation and its log are deleted (WEBCHAT_CONVERSATION_DAYS after the last message). */
  expiresAt: number;
}

/** A Direct Line activity with its sequence number in the conversation (the watermark clients resume from). */
export interface StoredActivity {
  seq: number;
  activity: Record<string, unknown>;
}

/** What else an append does in its transaction. */
export interface AppendOptions {
  /** The inbox item whose reply this is: marked done with it (payload and reply dropped, the key kept). */
  inboxDone?: { key: string; at: number };
}

/** The web chat's records; ask the store for them with `store.webchatLog()`. */
export interface WebchatLog {
  getConversation(id: string): Promise<WebchatConversation | undefined>;
  /** Creates the conversation if it does not exist yet; returns whether it did. */
  createConversation(c: { id: string; userId: string; baseUrl: string; lang?: string; now: number; expiresAt: number }): Promise<boolean>;
  /** The conversation was used: move its expiry on. */
  touch(id: string, now: number, expiresAt: number): Promise<void>;
  setLang(id: string, lang: string): Promise<void>;
  /**
   * Appends activities atomically; each gets the next sequence number and
   * the id `activityId(conversationId, seq)`. A client activity whose
   * clientActivityID is already stored is not appended again: the stored one
   * is returned (a retried POST). Rejects when the conversation does not exist.
   * `inboxDone`: in the same transaction, the inbox item `key` is marked done (Inbox.markDone),
   * also when the activities were there already: a reply and the end of its message's turn are
   * stored together or not at all.
   */
  append(
    conversationId: string,
    items: { activity: Record<string, unknown>; clientId?: string }[],
    now: number,
    expiresAt: number,
    opts?: AppendOptions,
  ): Promise<{ stored: StoredActivity[]; duplicate: boolean }>;
  /** Activities after `watermark` (exclusive), oldest first. */
  after(conversationId: string, watermark: number, limit: number): Promise<StoredActivity[]>;
  /** Forgets the activity log (the person asked to delete their data); the conversation id stays usable. */
  clearActivities(conversationId: string): Promise<void>;
  deleteConversation(id: string): Promise<void>;
  /** Deletes conversations (and their activity logs) past their expiry; returns their ids. */
  expire(now: number): Promise<string[]>;
}

/** Direct Line activity ids look like "<conversationId>|0000042". */
export function activityId(conversationId: string, seq: number): string {
  return `${conversationId}|${String(seq).padStart(7, '0')}`;
}
