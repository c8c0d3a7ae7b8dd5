/**
 * The neutral message model as Bot Framework activities, the way the
 * official Web Chat renders them:
 *  - text: `textFormat: markdown` (the engine's light markup is Markdown; single line breaks become hard breaks);
 *  - buttons on the last message: suggested actions of type `messageBack`, so the person sees the label in the
 *    transcript and the bot gets the opaque payload back in `value`; buttons on an earlier message: a hero card,
 *    so they do not get lost (Web Chat shows suggested actions of the last activity only);
 *  - audio: an audio card with the episode, its description and an "open transcript" link;
 *  - links: a Markdown list of links;
 *  - a caseworker's text (`from`): `textFormat: plain`, exactly as typed (Web Chat shows "<Reisepass>" and
 *    "<img src=x>" as the characters they are), from the caseworker's name, with `channelData.lotse.from`
 *    for the page's "a person wrote this" look and `webchat:fallback-text` for what screen readers say.
 * Every bot activity carries the reply's language and direction in `locale`
 * and `channelData.lotse`, so the page can switch to right-to-left when the
 * bot answers in Arabic, Farsi or Pashto. Text in another language than the reply's is named
 * there too: `lines` (a message whose lines are in different languages) and `buttons` (labels
 * in their own language), so the page gives each its `lang` and `dir`.
 * Arabic-script text is never in italics (noArabicItalics).
 */
import type { Button, OutMessage, Reply, TextLanguage } from '../../engine/messages.js';
import { phoneLinksMarkdown } from '../phones.js';

export const BOT = { id: 'lotse', name: 'Lotse', role: 'bot' } as const;

/** The sender id of caseworkers' messages (the name is theirs; Web Chat keeps them on the bot's side). */
export const TEAM_ID = 'lotse-team';

/** Payloads travel in `value` under this key; anything else in `value` is ignored. */
export const PAYLOAD_KEY = 'lotse';

export interface RenderOptions {
  /** Absolute base URL for server paths (audio, transcripts), without trailing slash. */
  baseUrl: string;
  /** BCP 47 locale of a content language (language.yaml `webchatLocale`), e.g. ar-SA. */
  locale(lang: string): string;
  /** UI string for the transcript link, in the reply's language. */
  transcriptLabel(lang: string): string;
}

/** Single newlines are hard breaks (the engine writes one line per sentence or option). */
export function toMarkdown(text: string): string {
  return text.replace(/\r\n?/g, '\n').replace(/([^\n])\n(?=[^\n])/g, '$1  \n');
}

/** Letters of the Arabic script (Arabic, Farsi/Dari, Pashto), in all its Unicode blocks. */
const ARABIC_SCRIPT = /[\u0600-\u06FF\u0750-\u077F\u08A0-\u08FF\uFB50-\uFDFF\uFE70-\uFEFF]/;

/**
 * Arabic-script text is never set in italics: Arabic type has no italic, so browsers slant the
 * letters, which readers find hard to read and typographers call wrong. `*التمثيل*` becomes plain
 * `التمثيل`; a Latin term in an Arabic sentence (`*Meldezettel*`) keeps its italics; bold stays.
 *
 * Example: noArabicItalics('*التمثيل* (*Vertretung*)') -> 'التمثيل (*Vertretung*)'
 */
export function noArabicItalics(md: string): string {
  return md.replace(/(?<![*\\])\*(?![*\s])([^*\n]+?)(?<![*\s\\])\*(?!\*)/g, (all, inner: string) => (ARABIC_SCRIPT.test(inner) ? inner : all));
}

/** First strong isolate and pop directional isolate (Unicode bidi): the line between gets its own direction. */
const FSI = '\u2068';
const PDI = '\u2069';

/** The lines of a multilingual text with their language, as Markdown; undefined unless every line has one. */
function linesOf(text: string, langs: TextLanguage[] | undefined): { text: string; lang: string; dir: 'ltr' | 'rtl' }[] | undefined {
  if (!langs?.length) return undefined;
  const parts = text.replace(/\r\n?/g, '\n').split('\n');
  if (parts.length !== langs.length) return undefined;
  return parts.map((p, i) => ({ text: noArabicItalics(phoneLinksMarkdown(p)), lang: langs[i]!.lang, dir: langs[i]!.dir }));
}

function absolute(base: string, url: string): string {
  return /^https?:\/\//i.test(url) ? url : `${base}${url.startsWith('/') ? '' : '/'}${url}`;
}

/** `text` too: Web Chat 4.18 hides a message that has a displayText but no text from the transcript. */
function cardAction(b: Button) {
  return { type: 'messageBack', title: b.label, displayText: b.label, text: b.label, value: { [PAYLOAD_KEY]: b.payload } };
}

function textOf(m: OutMessage): string | undefined {
  // Phone numbers become tel: links, so a tap calls them.
  if (m.kind === 'text') return noArabicItalics(phoneLinksMarkdown(m.text));
  if (m.kind === 'links') {
    const list = m.links.map((l) => `- [${l.label.replace(/[[\]]/g, '')}](${l.url.replace(/[()\s]/g, encodeURIComponent)})`).join('\n');
    return m.text ? `${noArabicItalics(phoneLinksMarkdown(m.text))}\n\n${list}` : list;
  }
  return undefined;
}

/** Activities (without ids, timestamps and conversation) for one reply. */
export function renderReply(reply: Reply, opts: RenderOptions): Record<string, unknown>[] {
  const locale = opts.locale(reply.lang);
  const channelData = { lotse: { lang: reply.lang, dir: reply.dir, locale } };
  return reply.messages.map((m, i) => {
    const last = i === reply.messages.length - 1;
    const a: Record<string, unknown> = { type: 'message', from: { ...BOT }, locale, textFormat: 'markdown', channelData };
    const text = textOf(m);
    if (text !== undefined) a.text = toMarkdown(text);
    const lines = m.kind === 'text' && !m.from ? linesOf(m.text, m.lines) : undefined;
    if (lines) {
      // Lines in different languages (the first question): each its own language and direction.
      // The page renders channelData's lines one by one; other clients get each line isolated
      // (FSI..PDI), so the full stop of an Arabic line stays on its left in an English chat.
      a.text = lines.map((l) => `${FSI}${l.text}${PDI}`).join('  \n');
      a.channelData = { lotse: { ...channelData.lotse, lines } };
    }
    if (m.kind === 'text' && m.from) {
      // Text is text: no Markdown, no phone links, nothing that could turn "<b>" or "*" into markup.
      a.text = m.text;
      a.textFormat = 'plain';
      a.from = { id: TEAM_ID, name: m.from.name, role: 'bot' };
      a.channelData = { lotse: { ...channelData.lotse, from: m.from }, 'webchat:fallback-text': `${m.from.said} ${m.text}` };
    }
    const attachments: unknown[] = [];
    if (m.kind === 'audio') {
      const transcript = absolute(opts.baseUrl, m.transcriptUrl);
      a.text = toMarkdown(noArabicItalics(m.description));
      attachments.push({
        contentType: 'application/vnd.microsoft.card.audio',
        content: {
          title: m.title,
          subtitle: m.performer,
          media: [{ url: absolute(opts.baseUrl, m.url), profile: m.mime }],
          buttons: [{ type: 'openUrl', title: opts.transcriptLabel(reply.lang), value: transcript }],
          autostart: false,
          autoloop: false,
          shareable: false,
          ...(m.durationSec ? { duration: `PT${Math.round(m.durationSec)}S` } : {}),
        },
      });
      // A plain link too, for screen readers and for clients that do not render cards.
      a.text = `${a.text as string}\n\n[${opts.transcriptLabel(reply.lang)}](${transcript})`;
    }
    const buttons = m.buttons ?? [];
    // Buttons in another language (a language button says "العربية" in an English chat): the page marks each.
    const langs = buttons.filter((b) => b.lang).map((b) => ({ label: b.label, lang: b.lang!.lang, dir: b.lang!.dir }));
    if (langs.length) {
      const cd = a.channelData as { lotse: Record<string, unknown> };
      a.channelData = { ...cd, lotse: { ...cd.lotse, buttons: langs } };
    }
    if (buttons.length && last) a.suggestedActions = { actions: buttons.map(cardAction) };
    else if (buttons.length) attachments.push({ contentType: 'application/vnd.microsoft.card.hero', content: { buttons: buttons.map(cardAction) } });
    if (attachments.length) {
      a.attachments = attachments;
      a.attachmentLayout = 'list';
    }
    return a;
  });
}

export function typingActivity(lang?: string, name?: string): Record<string, unknown> {
  const from = name ? { id: TEAM_ID, name, role: 'bot' } : { ...BOT };
  return { type: 'typing', from, ...(lang ? { channelData: { lotse: { lang } } } : {}) };
}
