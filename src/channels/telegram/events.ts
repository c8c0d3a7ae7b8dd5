/**
 * Telegram updates -> the engine's events.
 *
 *  - `/start` (also with a deep-link payload, t.me/<bot>?start=<topic>) -> start, with the person's
 *    Telegram `language_code` as the first guess for their language;
 *  - `/menu`, `/language`, `/help`, `/human` (and `/back`) -> command (the table every channel
 *    shares: src/engine/payload.ts `SLASH_COMMANDS`);
 *  - any other text -> text (an unknown /command is text too: the engine may understand it);
 *  - a photo, file, video... with a caption -> text, marked as media (the words are read, the engine
 *    says the attachment itself is not);
 *  - photos, stickers, voice notes, files... without a caption -> unsupported (the engine answers
 *    that it reads text);
 *  - a pressed inline button -> button, with the payload decoded from the callback data.
 *
 * Deep-link payloads may only hold A-Z a-z 0-9 _ -, so a topic id's dots travel as "__":
 * `hearing.documents` -> https://t.me/<bot>?start=hearing__documents.
 */
import type { Message } from 'grammy/types';
import { z } from 'zod';
import type { InEvent } from '../../engine/messages.js';
import { slashCommand } from '../../engine/payload.js';
import { wellFormed } from '../../util/text.js';

export function topicFromStartPayload(p: string | undefined): string | undefined {
  const t = p?.trim();
  if (!t || !/^[A-Za-z0-9_-]{1,64}$/.test(t)) return undefined;
  return t.replace(/__/g, '.');
}

export function startPayloadFor(topic: string): string {
  return topic.replace(/\./g, '__');
}

const UNSUPPORTED = [
  'photo',
  'sticker',
  'voice',
  'audio',
  'video',
  'video_note',
  'animation',
  'document',
  'location',
  'venue',
  'contact',
  'poll',
  'dice',
  'story',
] as const;

/** The event for an incoming message, or undefined for service messages (joins, pins, ...). */
export function messageEvent(msg: Message, languageCode?: string): InEvent | undefined {
  // Lone surrogates become U+FFFD before anything is stored (polling and webhook alike).
  const text = typeof msg.text === 'string' ? wellFormed(msg.text) : undefined;
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
    return text.trim() ? { kind: 'text', text, ...(languageCode ? { langHint: languageCode } : {}) } : undefined;
  }
  const what = UNSUPPORTED.find((w) => (msg as unknown as Record<string, unknown>)[w] !== undefined);
  if (!what) return undefined;
  // "what is this letter? when is my interview" under a photo: the question is the caption.
  const caption = typeof msg.caption === 'string' ? wellFormed(msg.caption) : undefined;
  if (caption?.trim()) return { kind: 'text', text: caption, media: what, ...(languageCode ? { langHint: languageCode } : {}) };
  return { kind: 'unsupported', what };
}

const chat = z.looseObject({ id: z.number().int(), type: z.string() });
const user = z.looseObject({ id: z.number().int(), language_code: z.string().optional() });
const message = z.looseObject({
  message_id: z.number().int(),
  date: z.number(),
  chat,
  from: user.optional(),
  text: z.string().optional(),
  caption: z.string().optional(),
  entities: z.array(z.looseObject({ type: z.string(), offset: z.number().int().min(0), length: z.number().int().min(0) })).optional(),
});
const updateShape = z.looseObject({
  update_id: z.number().int(),
  message: message.optional(),
  edited_message: message.optional(),
  callback_query: z
    .looseObject({ id: z.string(), from: user, data: z.string().optional(), message: z.looseObject({ message_id: z.number().int(), chat }).optional() })
    .optional(),
  my_chat_member: z.looseObject({ chat, from: user, date: z.number(), new_chat_member: z.looseObject({ status: z.string() }) }).optional(),
});

/**
 * Whether an update has the shape of the fields Lotse reads (message, edited_message,
 * callback_query, my_chat_member); other update kinds pass and are ignored by the handlers. An update that fails
 * this would fail the same way on every retry.
 */
export function isReadableUpdate(u: unknown): boolean {
  // The updates Telegram sends pass the hand check (no zod parse per update, issue 17); anything it
  // is not sure of is zod's to judge.
  return plainUpdate(u) || updateShape.safeParse(u).success;
}

type Obj = Record<string, unknown>;
const isObj = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x);
const isInt = (x: unknown) => Number.isSafeInteger(x);
const isNum = (x: unknown) => Number.isFinite(x);
/** Absent, or there and passing `test` (zod's optional()). */
const opt = (x: unknown, test: (x: unknown) => boolean) => x === undefined || test(x);
const isStr = (x: unknown) => typeof x === 'string';
const plainChat = (c: unknown) => isObj(c) && isInt(c.id) && isStr(c.type);
const plainUser = (u: unknown) => isObj(u) && isInt(u.id) && opt(u.language_code, isStr);
const plainEntity = (e: unknown) => isObj(e) && isStr(e.type) && isInt(e.offset) && (e.offset as number) >= 0 && isInt(e.length) && (e.length as number) >= 0;
const plainMessage = (m: unknown) =>
  isObj(m) &&
  isInt(m.message_id) &&
  isNum(m.date) &&
  plainChat(m.chat) &&
  opt(m.from, plainUser) &&
  opt(m.text, isStr) &&
  opt(m.caption, isStr) &&
  opt(m.entities, (es) => Array.isArray(es) && es.every(plainEntity));

/** True when `u` certainly passes `updateShape` (false: not sure, zod decides). */
function plainUpdate(u: unknown): boolean {
  if (!isObj(u) || !isInt(u.update_id) || !opt(u.message, plainMessage) || !opt(u.edited_message, plainMessage)) return false;
  const q = u.callback_query;
  if (
    q !== undefined &&
    !(isObj(q) && isStr(q.id) && plainUser(q.from) && opt(q.data, isStr) && opt(q.message, (m) => isObj(m) && isInt(m.message_id) && plainChat(m.chat)))
  )
    return false;
  const cm = u.my_chat_member;
  return (
    cm === undefined ||
    (isObj(cm) && plainChat(cm.chat) && plainUser(cm.from) && isNum(cm.date) && isObj(cm.new_chat_member) && isStr(cm.new_chat_member.status))
  );
}
