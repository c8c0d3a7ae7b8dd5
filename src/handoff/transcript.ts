/**
 * The bot conversation before a handoff, readable for a caseworker. The
 * runtime keeps a pressed button as its payload in brackets (`[l:fa]`,
 * `[dx:yes:3]`, `[t:hearing.documents]`); a caseworker must see what the
 * person saw and pressed, never the code. Payloads are read with the one
 * parser (src/engine/payload.ts) and named with the content's own labels, in
 * the person's language and, when it differs, in the caseworker's.
 */
import type { CompiledContent } from '../content/served.js';
import { parsePayload, type Payload } from '../engine/payload.js';
import type { HandoffMessage } from '../store/handoffs.js';

/** A stored message plus what the console shows for a pressed button. */
export type ReadableMessage = HandoffMessage & {
  /** The button's label in the person's language, when this line is a pressed button. */
  pressed?: string;
  /** The same label in the caseworker's language (absent when it is the same). */
  pressedUi?: string;
};

/** The label a payload had on screen, in `lang`; a generic word for something unknown, never the code. */
export function buttonLabel(c: CompiledContent, lang: string, p: Payload | undefined): string {
  const t = (key: string) => c.t(lang, key);
  if (!p) return 'a button';
  switch (p.kind) {
    case 'topic':
      return c.pack.topicTexts[lang]?.[p.id]?.title ?? c.pack.topicTexts[c.defaultLang]?.[p.id]?.title ?? 'a topic';
    case 'goto':
      return t('buttons.stepByStep');
    case 'nav': {
      const key = { menu: 'menu', back: 'back', language: 'language', human: 'human', next: 'next', prev: 'back', cancel: 'cancel' }[p.what];
      return t(`buttons.${key}`);
    }
    case 'lang': {
      const l = c.language(p.code);
      return l ? l.name : p.code;
    }
    case 'safe':
      return t(p.answer === 'yes' ? 'distress.checkSafe' : 'distress.checkNotSafe');
    case 'episodeIn':
      return t('buttons.listen');
    case 'feedback':
    case 'deleteData':
    case 'distressOffer':
    case 'personOffer': {
      const yes = p.kind === 'feedback' ? p.helpful : p.kind === 'deleteData' ? p.confirm : p.accept;
      return t(yes ? 'buttons.yes' : 'buttons.no');
    }
    case 'noneOfThese':
      return t('disambiguation.none');
    case 'page':
      return t(p.dir === 'next' ? 'buttons.next' : 'buttons.back');
    case 'dirCategory':
      return p.cat.replace(/[-_]/g, ' ');
    case 'dirService':
      return c.pack.services[p.id]?.name ?? 'a service';
    case 'dirUp':
      return t('buttons.back');
    case 'handoffCancel':
      return t('buttons.cancel');
    case 'rate':
      // The rating buttons show their number (1 poor to 5 good).
      return String(p.score);
  }
}

/** A person's transcript line that is a pressed button: `[payload]` as the runtime stores it. */
function pressedPayload(m: HandoffMessage): string | undefined {
  if (m.kind !== 'transcript' || m.author !== 'person') return undefined;
  const r = /^\[([^\]\s]{1,200})\]$/.exec(m.text.trim());
  return r?.[1];
}

/** The messages with the labels of pressed buttons added (the stored text stays, for older consoles). */
export function readableMessages(c: CompiledContent, lang: string, uiLang: string, messages: HandoffMessage[]): ReadableMessage[] {
  return messages.map((m) => {
    const raw = pressedPayload(m);
    if (raw === undefined) return m;
    const p = parsePayload(raw);
    const pressed = buttonLabel(c, lang, p);
    const ui = buttonLabel(c, uiLang, p);
    return { ...m, pressed, ...(ui !== pressed ? { pressedUi: ui } : {}) };
  });
}

/** What the console calls the reasons the engine gives for a handoff. */
const REASONS: Record<string, string> = {
  asked: 'asked to talk to a person',
  unknown: 'the bot could not answer',
  distress: 'distress: asked for help',
};

/** The reason in words, with the topic's title in the caseworker's language when there is one. */
export function reasonInWords(c: CompiledContent, uiLang: string, reason: string, topic?: string): string {
  const words = REASONS[reason] ?? reason.replace(/[-_.]/g, ' ');
  const title = topic ? (c.pack.topicTexts[uiLang]?.[topic]?.title ?? c.pack.topicTexts[c.defaultLang]?.[topic]?.title) : undefined;
  return title && !topic!.startsWith('meta.') ? `${words} (about "${title}")` : words;
}
