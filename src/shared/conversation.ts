/**
 * Who a message belongs to: shared by the runtime, the channels, the stores
 * and the handoff module, so none of them depends on another for it.
 */

/**
 * A channel's name ("webchat", "telegram", "azure", "cli", ...). Open on
 * purpose: a new channel picks its own name and registers a deliverer under
 * it, without a change to the runtime or the stores.
 */
export type ChannelId = string;

/** Which conversation an event or a stored record belongs to: a channel and that channel's id for the conversation. */
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
