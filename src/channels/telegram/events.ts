/**
 * Telegram updates -> the engine's events.
 *
 *  - `/start` (also with a deep-link payload, t.me/<bot>?start=<topic>) -> start, with the person's
 *    Telegram `language_code` as the first guess for their language;
 *  - `/menu`, `/language`, `/help`, `/human` (and `/back`) -> command (the table every channel
 *    shares: src/engine/payload.ts `SLASH_COMMANDS`);
 *  - any other text -> text (an unknown /command is text too: the engine may understand it);
 *  - photos, stickers, voice notes, files... -> unsupported (the engine answers that it reads text);
 *  - a pressed inline button -> button, with the payload decoded from the callback data.
 *
 * Deep-link payloads may only hold A-Z a-z 0-9 _ -, so a topic id's dots travel as "__":
 * `hearing.documents` -> https://t.me/<bot>?start=hearing__documents.
 */
import type { Message } from 'grammy/types';
import type { InEvent } from '../../engine/messages.js';
import { slashCommand } from '../../engine/payload.js';

export function topicFromStartPayload(p: string | undefined): string | undefined {
  const t = p?.trim();
  if (!t || !/^[A-Za-z0-9_-]{1,64}$/.test(t)) return undefined;
  return t.replace(/__/g, '.');
}

export function startPayloadFor(topic: string): string {
  return topic.replace(/\./g, '__');
}

const UNSUPPORTED = ['photo', 'sticker', 'voice', 'audio', 'video', 'video_note', 'animation', 'document', 'location', 'venue', 'contact', 'poll', 'dice', 'story'] as const;

/** The event for an incoming message, or undefined for service messages (joins, pins, ...). */
export function messageEvent(msg: Message, languageCode?: string): InEvent | undefined {
  const text = msg.text;
  if (typeof text === 'string') {
    const cmd = msg.entities?.find((e) => e.type === 'bot_command' && e.offset === 0);
    if (cmd) {
      const meaning = slashCommand(text.slice(1, cmd.length).split('@')[0]!);
      if (meaning?.kind === 'start') {
        const topic = topicFromStartPayload(text.slice(cmd.length).trim());
        return { kind: 'start', ...(languageCode ? { langHint: languageCode } : {}), ...(topic ? { topic } : {}) };
      }
      if (meaning) return meaning;
    }
    return text.trim() ? { kind: 'text', text } : undefined;
  }
  for (const what of UNSUPPORTED) if ((msg as unknown as Record<string, unknown>)[what] !== undefined) return { kind: 'unsupported', what };
  return undefined;
}
