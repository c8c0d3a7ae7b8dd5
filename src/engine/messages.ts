/**
 * The neutral message model: what the engine says and hears, independent of
 * any channel. Channels (src/channels/*) translate these to Telegram messages
 * or Direct Line activities and back; nothing here knows about either.
 */
import type { Command } from './payload.js';

/**
 * A button. `payload` is opaque to channels: they send it back unchanged in a
 * `button` event. It is built and read only in ./payload.ts.
 */
export interface Button {
  label: string;
  payload: string;
  /**
   * The language the label is written in, when it is not the reply's (a language button says
   * "العربية" in an English reply): channels that can mark text with a language and direction do.
   */
  lang?: TextLanguage;
}

/** A language and its writing direction, for a piece of text in another language than the reply's. */
export interface TextLanguage {
  lang: string;
  dir: 'ltr' | 'rtl';
}

/** Light markup in `text`: **bold**, *italic*, [label](https://url), "- " list lines. Nothing else. */
export interface TextMessage {
  kind: 'text';
  text: string;
  buttons?: Button[];
  /**
   * Written by a person of the team (a caseworker), not the bot. Channels then show `text` exactly
   * as typed (no markup: "<Reisepass>" and "*" stay what they are) and say who wrote it, in the
   * reply's language: `name` the caseworker's display name, `label` the bubble's heading
   * ("Samira (caseworker)"), `said` what a screen reader says first ("Samira (caseworker) said:").
   */
  from?: { name: string; label: string; said: string };
  /**
   * One entry per line of `text` (split at "\n") when the lines are in different languages (the
   * first question, in every language). Channels give each line its own language and direction,
   * so a right-to-left line keeps its full stop on its left in a left-to-right chat.
   */
  lines?: TextLanguage[];
}

/**
 * A podcast episode to play. Channels that can upload files (Telegram) use `file`; the others
 * link `url`. `synthetic` marks a generated voice, which the engine also says in text.
 */
export interface AudioMessage {
  kind: 'audio';
  episodeId: string;
  /** Language of this recording (may differ from the session's when none exists in it). */
  lang: string;
  title: string;
  /** Shown as the artist by players that have one (Telegram). */
  performer: string;
  description: string;
  /** Path on Lotse's own server, e.g. /media/audio/hearing.ar.mp3 (channels make it absolute). */
  url: string;
  /** Path relative to the content root's content/ folder, for channels that upload the file. */
  file: string;
  /** audio/mpeg, audio/mp4 or audio/ogg, from the file's extension. */
  mime: string;
  durationSec?: number;
  /** Path of the transcript page on Lotse's server. */
  transcriptUrl: string;
  /** A generated voice rather than a recorded person (content/podcasts.yaml `synthetic`). */
  synthetic: boolean;
  buttons?: Button[];
}

/** A short text and a list of links. No built-in step makes one yet, but channels must render it (web chat: a Markdown list). */
export interface LinksMessage {
  kind: 'links';
  text?: string;
  links: { label: string; url: string }[];
  buttons?: Button[];
}

/** Everything the engine can say: text, audio or links. A channel must render all three (text-only channels: as text). */
export type OutMessage = TextMessage | AudioMessage | LinksMessage;

/** What a channel hands the engine. */
export type InEvent =
  /** First contact or an explicit restart (/start). `langHint`: the channel's guess (Telegram language_code, browser locale). */
  | { kind: 'start'; langHint?: string; topic?: string }
  /**
   * Typed text. `media`: it came as the caption of a photo, file, video... (Telegram's `photo`,
   * `document`): the words are read, the attachment is not, and the reply says so. `langHint`: the
   * channel's guess of the person's language (Telegram's language_code), read only before a
   * language is chosen (one the pack does not serve gets the language list and a person).
   */
  | { kind: 'text'; text: string; media?: string; langHint?: string }
  | { kind: 'button'; payload: string }
  /** Channel commands (/menu, /language, /help, /human, /back, /stop): ./payload.ts SLASH_COMMANDS. */
  | { kind: 'command'; command: Command }
  /** A photo, sticker, file or voice note: the engine answers politely that it reads text. */
  | { kind: 'unsupported'; what: string };

/** What the engine hands back, with the language and direction to render it in. */
export interface Reply {
  lang: string;
  dir: 'ltr' | 'rtl';
  messages: OutMessage[];
  /** A status note nobody needs to be woken for (a receipt, a new place in the queue): channels that can, send it without a notification. */
  quiet?: boolean;
}
