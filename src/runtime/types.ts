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

/** Whether an error means "cannot be reached until they write again"; also for errors from another copy of this module (duck-typed). */
export function isUndeliverable(err: unknown): err is UndeliverableError {
  return err instanceof UndeliverableError || (typeof err === 'object' && err !== null && (err as { undeliverable?: unknown }).undeliverable === true);
}

/** How a channel sends a message on its own initiative (caseworker reply, late answer). Registered with `BotRuntime.registerChannel`. */
export interface Deliverer {
  /**
   * Deliver messages that nobody asked for right now (caseworker relay, late answers).
   * Throws UndeliverableError when the person cannot be reached until they write again,
   * any other error when delivery failed for now and may be retried.
   */
  deliver(ref: ConversationRef, reply: Reply, address?: string): Promise<void>;
  /**
   * Shows "typing…" to the person (a caseworker is writing), where the channel has it. Best effort:
   * never throws, never retried. `name`: who is typing. Channels without typing leave it out.
   */
  typing?(ref: ConversationRef, address: string | undefined, name: string): Promise<void>;
}

/**
 * The stored incoming message a turn answers (its inbox key, src/store/inbox.ts). With it a turn
 * is exactly-once: the session and the reply are committed together, a second run (after a crash,
 * or a retried delivery) returns the committed reply without running the engine again, and the
 * hooks store what they do under the key (the handoff relay stores a message once).
 */
export interface Turn {
  key: string;
  /**
   * The item's first processing attempt (the inbox counted 1): no earlier run of it can have
   * committed a reply, so the runtime does not look for one.
   */
  firstTry?: boolean;
}

/** What a channel sees of the bot: hand in an event, get a reply; and register to deliver messages later. */
export interface BotRuntime {
  /** Answer one event; the channel renders the reply. Events of one conversation are answered in order. `turn`: the inbox item it answers. */
  handle(ref: ConversationRef, event: InEvent, turn?: Turn): Promise<Reply>;
  /** handle(), with an apology in `lang` instead of an error when the turn fails (for channels that answer in the request). */
  handleOrApologise(ref: ConversationRef, event: InEvent, lang?: string, turn?: Turn): Promise<Reply>;
  /** Channels that can push register here; the runtime calls it for relayed messages. */
  registerChannel(channel: ChannelId, deliverer: Deliverer): void;
  /** The person is typing (web chat tells us): passed on to whoever listens (a caseworker's console). Best effort. */
  personTyping?(ref: ConversationRef): void;
}
