/**
 * The contract between channels and the bot runtime.
 *
 * A channel adapter (Telegram, Direct Line, Azure Bot Service) turns what it
 * receives into an `InEvent` for one `ConversationRef` and calls
 * `BotRuntime.handle`; it renders the `Reply` it gets back. Messages that are
 * not answers to an incoming event (a caseworker's reply, an out-of-hours
 * answer) arrive through the channel's registered `Deliverer`.
 */
import type { InEvent, Reply } from '../engine/messages.js';

export type ChannelId = 'webchat' | 'telegram' | 'azure' | 'cli';

export interface ConversationRef {
  channel: ChannelId;
  /**
   * The channel's stable id of this conversation. Telegram passes a keyed hash
   * of the user id (never the raw id); Direct Line its conversation id.
   */
  conversationId: string;
  /**
   * Where a later, unasked-for message must be delivered (Telegram: the chat
   * id). Passed by the channel with each event; the runtime never stores it
   * except where a reply is owed (an open handoff).
   */
  address?: string;
}

export interface Deliverer {
  /** Deliver messages that nobody asked for right now (caseworker relay, late answers). Throws when delivery failed for good. */
  deliver(ref: ConversationRef, reply: Reply, address?: string): Promise<void>;
}

export interface BotRuntime {
  handle(ref: ConversationRef, event: InEvent): Promise<Reply>;
  /** Channels that can push register here; the runtime calls it for relayed messages. */
  registerChannel(channel: ChannelId, deliverer: Deliverer): void;
}
