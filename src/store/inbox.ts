/**
 * The inbox: every incoming message (a web chat activity, a Telegram update)
 * is stored here before the channel acknowledges it, processed, then marked
 * done. What is acknowledged but not done when the process dies is finished
 * at the next start: at-least-once processing.
 *
 * Effects are exactly-once per inbox item because everything a turn does is
 * keyed by the item's `key`: the runtime saves the session and the turn's
 * reply together (`commitTurn`), so a turn run again after a crash returns
 * the committed reply instead of running the engine a second time; the web
 * chat appends replies under ids derived from the key (its log refuses them
 * twice); Telegram records how many messages of the reply were sent
 * (`markSent`) and skips those; the handoff relay stores a person's message
 * under the key (stored once).
 *
 * A done item keeps its key for `INBOX_DONE_KEEP_MS` (Telegram may send an
 * update again for 24 hours) but not what the person wrote: `markDone`
 * drops the payload and the reply. Methods are async so that a
 * network-backed store fits the same interface.
 */
import type { ChannelId } from '../shared/conversation.js';
import type { SessionRecord } from './store.js';

/** Where an accepted message stands: just stored (`fresh`), stored earlier and not finished (`pending`), or finished (`done`). */
export type InboxStatus = 'fresh' | 'pending' | 'done';

/** One stored incoming message. */
export interface InboxItem {
  /** `<channel>:<externalId>`: the turn key every effect of the turn is de-duplicated by. */
  key: string;
  channel: ChannelId;
  /** The channel's own id of the message (web chat: conversation and clientActivityID; Telegram: bot and update id). */
  externalId: string;
  /** The conversation it belongs to (web chat conversation id, Telegram pseudonym), for "delete my data" and for order. */
  conversationId: string;
  /** What the channel needs to process it again (JSON); undefined once done. */
  payload?: unknown;
  /** How many times processing started (a message that fails again and again is given up on). */
  attempts: number;
  /** How many outgoing messages of the reply were delivered already (Telegram re-sends skip them). */
  sent: number;
  /**
   * The number of the outgoing message last handed to the network. Higher than `sent`: that
   * message is in doubt (the process died while it was on its way; it may have arrived).
   */
  sending: number;
  receivedAt: number;
}

/** How long a done item's key is kept, so that a retried delivery is recognised: twice Telegram's 24 hours. */
export const INBOX_DONE_KEEP_MS = 48 * 3_600_000;
/** An item that never finished is given up after this long (and its text deleted). */
export const INBOX_PENDING_KEEP_MS = 7 * 86_400_000;

/** The inbox records; ask the store for them with `store.inbox()`. */
export interface Inbox {
  /**
   * Stores an incoming message unless its key is known. Returns the stored
   * item and whether it is new, known and unfinished, or known and done.
   * Atomic: two copies arriving at once get one `fresh`. `attempt`: a new
   * item is stored with its first processing attempt counted (the caller
   * starts on it now and checks it with `unfinished` instead of `attempt`:
   * one write, not two); a crash before it started still counts that one.
   */
  accept(m: {
    channel: ChannelId;
    externalId: string;
    conversationId: string;
    payload: unknown;
    now: number;
    attempt?: boolean;
  }): Promise<{ item: InboxItem; status: InboxStatus }>;
  /** The unfinished items of a channel, in the order they arrived (recovery at start). */
  pending(channel: ChannelId, limit?: number): Promise<InboxItem[]>;
  /**
   * Processing of the item starts: counts the attempt and returns the count; 0 when the item is
   * gone or already done (another instance finished it: nothing to do).
   */
  attempt(key: string): Promise<number>;
  /** The attempts counted so far, without counting one; 0 when the item is gone or done (as `attempt`). */
  unfinished(key: string): Promise<number>;
  /** The reply committed for the item by an earlier run of its turn, if any. */
  committedReply(key: string): Promise<unknown>;
  /**
   * The turn is over: saves the conversation's session (none after "delete
   * my data") and the reply together, in one transaction, so that a crash
   * leaves either both or neither.
   */
  commitTurn(key: string, session: SessionRecord | undefined, reply: unknown): Promise<void>;
  /**
   * Outgoing message number `n` (from 1) of the item's reply is about to go out; `sent` (default
   * 0), the messages before it that were delivered, is recorded in the same write (as `markSent`).
   */
  markSending(key: string, n: number, sent?: number): Promise<void>;
  /** `sent` outgoing messages of the item's reply have been delivered. */
  markSent(key: string, sent: number): Promise<void>;
  /** Finished: the payload and reply are dropped, the key stays (retries are recognised). */
  markDone(key: string, now: number): Promise<void>;
  /** Retention: deletes done items finished before `doneBefore` and unfinished ones received before `pendingBefore`; returns how many. */
  expire(doneBefore: number, pendingBefore: number): Promise<number>;
}
