/**
 * How long a message may be, in one place for the engine and every channel.
 *
 * Two limits, because a person's message has two readers:
 *  - the engine reads at most MAX_TEXT_LENGTH characters: a longer text is
 *    answered politely ("please write it shorter"), not matched, so that a
 *    pasted letter cannot make matching slow or land on a wrong answer;
 *  - a channel accepts, and a handoff relays, up to MAX_MESSAGE_LENGTH: while
 *    a caseworker is in the conversation the person's long message reaches
 *    them whole. So web chat (WEBCHAT_MAX_TEXT_CHARS, default this) takes a
 *    text of 2,001 to 4,000 characters, stores it as typed and answers it
 *    like the engine does; a longer one is neither read nor relayed nor cut:
 *    the page says so before it is sent, and the server answers one that
 *    comes anyway with the limit (a 413 left Web Chat at "Send failed" for
 *    ever). Telegram itself allows 4,096.
 */
export const MAX_TEXT_LENGTH = 2000;

/** The most characters a channel accepts and a handoff relays in one message; above it a channel refuses, never cuts. */
export const MAX_MESSAGE_LENGTH = 4000;
