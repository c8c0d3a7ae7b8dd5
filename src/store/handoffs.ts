/**
 * What the handoff module keeps: handoffs, their messages and the audit log.
 * Every handoff message is written here before anyone is told it arrived.
 * `SqliteHandoffs` is the implementation in the core SQLite file; methods
 * return Promises so that a network-backed store (PostgreSQL) fits too.
 */
import type { ConversationRef } from '../shared/conversation.js';

/** Where a handoff is: waiting for a caseworker, taken by one, closed with an outcome, or cancelled by the person. */
export type HandoffStatus = 'queued' | 'active' | 'closed' | 'cancelled';
/** How a caseworker closed a handoff: answered, referred to a service, or the person did not respond. */
export type Outcome = 'answered' | 'referred' | 'no-response';

/** One request for a person: who asked, in which language and why, who took it and how it ended. */
export interface Handoff {
  id: string;
  ref: ConversationRef;
  /** Raw delivery address (Telegram chat id) — kept only while a reply may still be owed. */
  address?: string;
  lang: string;
  reason: string;
  topic?: string;
  /** 0 urgent (distress), 1 normal. */
  priority: number;
  status: HandoffStatus;
  caseworkerId?: string;
  createdAt: number;
  takenAt?: number;
  closedAt?: number;
  outcome?: Outcome;
  /** The service the person was referred to (outcome `referred`). */
  outcomeService?: string;
  outcomeNote?: string;
  /** Opened outside office hours: the person left a message to be answered later. */
  offHours: boolean;
  /** When the person was told nobody has answered yet (after HANDOFF_UNANSWERED_MINUTES). */
  waitingNoticeAt?: number;
  /** When the caseworker was told the person cannot be reached (cleared when they write again). */
  unreachableNoticeAt?: number;
  /** The queue position the person was last told, so they hear again only when it changes. */
  lastPosition?: number;
  /** When the person was last told their place: updates are throttled so that a busy queue does not ring their phone every minute. */
  positionToldAt?: number;
  /** When a typed message of the person was last acknowledged ("received, a person will read it"), for the same throttling. */
  ackedAt?: number;
  /** The last of the person's messages the person was told a caseworker has read (the "seen" mark), so each read is said once. */
  seenSeq?: number;
  /** The person's answer to "Was this help good?" after the close, 1 (bad) to 5 (very good); unset until they answer, and only once. */
  rating?: number;
  /** Retention removed the messages; only the outcome remains for statistics. */
  transcriptPurged: boolean;
  /**
   * When a caseworker first wrote to the person (set by the store as the first caseworker message is
   * stored), kept on the handoff so the waiting time survives retention of the messages.
   */
  firstReplyAt?: number;
}

/** One entry of a handoff's conversation, numbered by `seq` across all handoffs (the console's live updates resume from it). */
export interface HandoffMessage {
  /** Increasing across all handoffs: the console's live stream resumes after the last seq it saw. */
  seq: number;
  handoffId: string;
  author: 'person' | 'caseworker' | 'bot' | 'system';
  staffId?: string;
  /** message: seen by both sides; note: internal; transcript: the bot conversation before the handoff; event: status change; alert: distress */
  kind: 'message' | 'note' | 'transcript' | 'event' | 'alert';
  text: string;
  topic?: string;
  at: number;
  /** When the channel delivered it to the person (caseworker messages); unset ones are retried by the sweep. */
  deliveredAt?: number;
  /** The channel said the person cannot be reached (blocked the bot): not retried until they write again. */
  undeliverableAt?: number;
  /**
   * The stored incoming message it was relayed from (its inbox key, with a suffix for what of
   * it): a turn run again after a crash stores the same message once (`addMessage` returns the
   * stored one).
   */
  source?: string;
}

/** A handoff message before it is stored; the store gives it its `seq`. */
export type NewHandoffMessage = Omit<HandoffMessage, 'seq'>;

type Changeable =
  | 'status'
  | 'caseworkerId'
  | 'takenAt'
  | 'closedAt'
  | 'outcome'
  | 'outcomeService'
  | 'outcomeNote'
  | 'priority'
  | 'lang'
  | 'waitingNoticeAt'
  | 'unreachableNoticeAt'
  | 'lastPosition'
  | 'positionToldAt'
  | 'ackedAt'
  | 'seenSeq'
  | 'address'
  | 'offHours'
  | 'rating';
/** Fields of a handoff to change; `null` clears an optional field. */
export type HandoffPatch = { [K in Changeable]?: Handoff[K] | null };

/** Who did what to which handoff and when (taking, opening, closing): every opening of a conversation is logged. */
export interface AuditEntry {
  staffId?: string;
  handoffId?: string;
  action: string;
  at: number;
}

/** What the admin's search of closed conversations filters by; every field optional, all given ones must match. */
export interface ClosedQuery {
  /** Prefix of the conversation pseudonym or of the handoff id. */
  pseudonym?: string;
  lang?: string;
  /** A topic id, or a flow (the part before the dot) matching all its topics. */
  topic?: string;
  /** An outcome, or `cancelled` for handoffs the person ended. */
  outcome?: string;
  caseworkerId?: string;
  /** Closed at or after (ms). */
  from?: number;
  /** Closed before (ms). */
  to?: number;
  limit: number;
  offset: number;
}

/** What the admin's audit log filters by. */
export interface AuditQuery {
  staffId?: string;
  /** Prefix of the action (`close` finds `close:answered`). */
  action?: string;
  limit: number;
  offset: number;
}

/** The handoff module's records; ask the store for them with `await store.handoffs()`. */
export interface Handoffs {
  /** Stores a new handoff together with its first messages (transcript, "opened"), all or nothing. */
  insertHandoff(h: Handoff, first?: Omit<NewHandoffMessage, 'handoffId'>[]): Promise<void>;
  getHandoff(id: string): Promise<Handoff | undefined>;
  /** The conversation's queued or active handoff, if any. */
  openFor(ref: ConversationRef): Promise<Handoff | undefined>;
  /** Open handoffs, most urgent first, then longest waiting. */
  open(): Promise<Handoff[]>;
  /** Handoffs closed or cancelled at or after `since` (the console's recent list). */
  closedSince(since: number): Promise<Handoff[]>;
  /** Change the given fields; `null` clears one. */
  update(id: string, patch: HandoffPatch): Promise<void>;
  /** Compare-and-set on status, so two caseworkers cannot both take one handoff. */
  takeIfQueued(id: string, staffId: string, at: number): Promise<boolean>;

  /** Stores the person's rating (1..5) of a closed handoff if it has none yet; false when it was rated already or is not closed (a rating counts once). */
  rateOnce(id: string, rating: number): Promise<boolean>;

  /** Store a message and return it with its `seq`; store first, then tell anyone (so nothing is lost). One with a known `source` is not stored again: the stored one is returned. */
  addMessage(m: NewHandoffMessage): Promise<HandoffMessage>;
  markDelivered(seq: number, at: number): Promise<void>;
  /** The person cannot be reached for now: the sweep leaves the message alone until `retryUndeliverable`. */
  markUndeliverable(seq: number, at: number): Promise<void>;
  /** The person wrote again: their undelivered messages are worth another try. Returns how many. */
  retryUndeliverable(handoffId: string): Promise<number>;
  messages(handoffId: string, afterSeq?: number): Promise<HandoffMessage[]>;
  /** Caseworker messages not delivered yet and not waiting for the person, oldest first. */
  undelivered(): Promise<HandoffMessage[]>;
  /** The highest message seq so far (0 without messages): where a fresh live stream starts. */
  maxSeq(): Promise<number>;
  /** Retention: drop transcripts of handoffs closed before `before`; outcome rows stay for statistics. Returns how many. */
  purgeTranscripts(before: number): Promise<number>;
  /** Outcome statistics (what remains after retention). */
  stats(): Promise<{ outcome: string; lang: string; reason: string; n: number }[]>;

  /** Handoffs created in [from, to), any status, oldest first: the admin's statistics are computed from them. */
  createdBetween(from: number, to: number): Promise<Handoff[]>;
  /** Closed or cancelled handoffs whose transcript is still kept, closed at or after `keptSince`, newest first, one page. */
  searchClosed(q: ClosedQuery, keptSince: number): Promise<{ items: Handoff[]; total: number }>;

  /** Append an audit entry (who did what, to which handoff). */
  audit(staffId: string | undefined, handoffId: string | undefined, action: string, at: number): Promise<void>;
  /** One handoff's audit entries in order, or the latest 500 of all. */
  auditLog(handoffId?: string): Promise<AuditEntry[]>;
  /** One page of the audit log, newest first, with the number of entries that match. */
  auditPage(q: AuditQuery): Promise<{ entries: AuditEntry[]; total: number }>;
}
