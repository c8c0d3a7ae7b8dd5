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
import type { ChannelId, ConversationRef } from '../shared/conversation.js';

export type { ChannelId, ConversationRef } from '../shared/conversation.js';

/**
 * Delivery is impossible until the person does something (they blocked the
 * bot, deleted their account, the chat is gone). Callers must not retry it on
 * a timer: they wait until the person writes again. Any other error is
 * passing (network, 5xx) and worth retrying.
 */
export class UndeliverableError extends Error {
  readonly undeliverable = true;
  constructor(
    message: string,
    readonly channel: ChannelId,
  ) {
    super(message);
    this.name = 'UndeliverableError';
  }
}

export function isUndeliverable(err: unknown): err is UndeliverableError {
  return err instanceof UndeliverableError || (typeof err === 'object' && err !== null && (err as { undeliverable?: unknown }).undeliverable === true);
}

export interface Deliverer {
  /**
   * Deliver messages that nobody asked for right now (caseworker relay, late answers).
   * Throws UndeliverableError when the person cannot be reached until they write again,
   * any other error when delivery failed for now and may be retried.
   */
  deliver(ref: ConversationRef, reply: Reply, address?: string): Promise<void>;
}

export interface BotRuntime {
  handle(ref: ConversationRef, event: InEvent): Promise<Reply>;
  /** Channels that can push register here; the runtime calls it for relayed messages. */
  registerChannel(channel: ChannelId, deliverer: Deliverer): void;
}
