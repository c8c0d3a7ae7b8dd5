/**
 * Safety first: the crisis answer, "Are you safe right now?" when the
 * detector is unsure, and the answers to both. The engine calls these
 * before anything else a typed message could mean; the handoff module
 * sends the same crisis messages while a person waits for a caseworker.
 */
import type { CompiledContent } from '../../content/served.js';
import type { CrisisKind } from '../../nlu/types.js';
import type { TextMessage } from '../messages.js';
import { payload } from '../payload.js';
import type { Turn } from '../turn.js';
import * as languageActions from './language.js';

/**
 * The crisis numbers and the caring words (the `meta.distress` topic's answer, else the UI's
 * `distress.care`), in one language, for what the crisis is about when the detector could
 * tell (`kind`, nlu/types.ts DistressResult): the topic's first paragraph speaks to everyone,
 * the ones after it to a person being hurt (the police), so a person who wants to die is not
 * told "if someone is hurting you"; someone worried about a friend gets `distress.someoneElse`
 * (stay with them, 144) before the caring words. No kind: all of it. Pure: shared by the engine
 * and src/handoff/service.ts.
 *
 * Example: crisisMessages(c, 'en') -> [{ kind: 'text', text: 'If you are in danger right now, call 144 ...' }, { text: 'Thank you for telling me ...' }, { text: 'If someone is hurting you ...' }]
 * Example: crisisMessages(c, 'en', 'self') -> the numbers, 'Thank you for telling me ...'
 */
export function crisisMessages(c: CompiledContent, lang: string, kind?: CrisisKind): TextMessage[] {
  const answer = c.pack.topicTexts[lang]?.['meta.distress']?.answer ?? [];
  const care = answer.length ? answer : [c.t(lang, 'distress.care')];
  const friend = c.t(lang, 'distress.someoneElse');
  const lines = kind === 'self' ? care.slice(0, 1) : kind === 'someone-else' && friend !== 'distress.someoneElse' ? [friend, ...care.slice(0, 1)] : care;
  return [{ kind: 'text', text: c.t(lang, 'distress.numbers') }, ...lines.map((text) => ({ kind: 'text' as const, text }))];
}

/**
 * The crisis answer: numbers, caring words, and the offer of a person now (at night: what helps
 * now and the offer to leave a message). Effect `distress`; pending `distress-offer`.
 *
 * Example: "i want to die" -> "... 144 ...", "...", "Shall I connect you with a person?" [Yes dx:yes:<nonce>] [No dx:no:<nonce>]
 */
export function distress(turn: Turn, text: string, kind?: CrisisKind): void {
  turn.effects.push({ type: 'distress', lang: turn.lang, text });
  turn.out.push(...crisisMessages(turn.c, turn.lang, kind));
  turn.s.lastTopic = 'meta.distress';
  // At night "a person now" would be a promise nobody keeps: say what helps now, then offer to leave a message.
  if (turn.env.officeOpen === false) turn.say(turn.t('distress.night'));
  offerPerson(turn);
}

/**
 * The offer of a person after the crisis answer, bound to it by a fresh nonce (a consent counts
 * only here, once: an old or forged dx:yes never opens an urgent handoff). `langs`: say it in each
 * (the person's language unknown); `n`: the nonce of a keyboard sent in the same reply.
 *
 * Example: offerPerson(turn) -> "Shall I connect you with a person?" [Yes dx:yes:3] [No dx:no:3], pending distress-offer
 */
export function offerPerson(turn: Turn, langs: string[] = [turn.lang], n = turn.nonce()): void {
  turn.s.pending = { kind: 'distress-offer' };
  // In several languages when the person's is unknown: one line each, "Yes / Ja" on the buttons.
  const say = (key: string, sep: string) =>
    langs
      .map((l) => turn.c.t(l, key))
      .filter((v, i, a) => a.indexOf(v) === i)
      .join(sep);
  const offer = turn.env.officeOpen === false ? 'distress.nightLeave' : 'distress.offer';
  turn.sayLines(
    langs.map((l) => ({ text: turn.c.t(l, offer), lang: l })),
    [
      { label: say('buttons.yes', ' / '), payload: payload.distressOffer(true, n) },
      { label: say('buttons.no', ' / '), payload: payload.distressOffer(false, n) },
    ],
  );
}

/**
 * Languages the crisis answer is given in when a person writes in a language the pack does
 * not serve and has chosen none yet: the lingua franca and the language of the country (the
 * numbers are the same for everyone in Austria, and many newcomers read one of the two).
 */
export const UNKNOWN_LANGUAGE_ANSWER = ['en', 'de'];

/**
 * The languages to answer a person who wrote in unserved language `wrote` and chose none: the
 * served languages its speakers read (content/_other/safety.yaml answerIn: Russian -> Ukrainian)
 * and English, else English and German. Two at most: the crisis answer in three languages is a
 * wall of text on a phone.
 *
 * Example: unservedAnswerLanguages(c, 'ru') -> ['uk', 'en']; unservedAnswerLanguages(c, 'tr') -> ['en', 'de']
 */
export function unservedAnswerLanguages(c: CompiledContent, wrote: string | undefined): string[] {
  const first = (wrote ? c.pack.otherDistress[wrote]?.answerIn : undefined) ?? [];
  return [...first, ...UNKNOWN_LANGUAGE_ANSWER]
    .filter((l) => c.language(l))
    .concat(c.defaultLang)
    .filter((v, i, a) => a.indexOf(v) === i)
    .slice(0, 2);
}

/**
 * A crisis written in a language the pack does not serve (Turkish, Somali, Russian ...): the
 * numbers at once, in the session's language or (none chosen yet) in English and German, the
 * language choice, then the offer of a person. Never "Which language?" before the numbers, and
 * never the served language whose letters the message happens to resemble.
 *
 * Example: first message "kendimi öldürmek istiyorum" -> "... 144 ...", "... 144 ..." (de),
 *          ("не хочу больше жить", Russian: in Ukrainian and English, safety.yaml answerIn)
 *          "Please choose your language" [العربية] [English] ..., "Do you want ... a person?" [Yes / Ja] [No / Nein]
 */
export function unservedDistress(turn: Turn, text: string, wrote: string, kind?: CrisisKind): void {
  const chosen = turn.s.lang;
  const langs = chosen ? [chosen] : unservedAnswerLanguages(turn.c, wrote);
  // The person's reply is read in the first of them until they choose (the offer's buttons need a language).
  turn.s.lang = langs[0]!;
  turn.effects.push({ type: 'distress', lang: turn.lang, text, unserved: wrote });
  for (const l of langs) turn.out.push(...crisisMessages(turn.c, l, kind).map((m) => inLanguage(turn, m, l)));
  turn.s.lastTopic = 'meta.distress';
  if (turn.env.officeOpen === false) for (const l of langs) turn.out.push(inLanguage(turn, { kind: 'text', text: turn.c.t(l, 'distress.night') }, l));
  // They may read one of the served languages better than the ones above; the offer comes last
  // because it is what their next "yes" answers.
  languageActions.languageChoice(turn, chosen);
  // One keyboard with both choices (a choice counts once, and only the last keyboard counts).
  offerPerson(turn, langs, turn.s.kb);
}

/**
 * A whole message in `lang` inside a reply in another language (the crisis answer in German after
 * the English one): every line marked with that language and its direction (TextMessage.lines),
 * so a screen reader reads German as German and the web chat sets lang="de" on it.
 *
 * Example: in an English reply, inLanguage(turn, { text: 'Wenn Sie ...' }, 'de') -> { text: 'Wenn Sie ...', lines: [{ lang: 'de', dir: 'ltr' }] }
 */
function inLanguage(turn: Turn, m: TextMessage, lang: string): TextMessage {
  if (lang === turn.lang) return m;
  const dir = turn.c.language(lang)?.dir ?? 'ltr';
  return { ...m, lines: m.text.split('\n').map(() => ({ lang, dir })) };
}

/**
 * The detector is unsure about a message in a language the pack does not serve. The crisis
 * script would be wrong as often as right there (a Turkish question about the market scored
 * "unsure"; so did 24 of 87 everyday messages in such languages on the own held-out sets,
 * against 2 of 18 crises), and "are you safe?" may not be read. So: the language choice, then
 * the emergency numbers in English and German (digits are read by everyone) with a way to a
 * person. Nothing is alerted: a clear crisis goes through unservedDistress instead.
 *
 * Example: first message "yarın pazara gidiyorum" (unsure, tr) -> "Please choose your language" [العربية] ... [Deutsch],
 *          "If you are in danger right now, call 144 ..." + the same in German [Talk to a person / Mit einer Person sprechen]
 */
export function unservedUnsure(turn: Turn, wrote?: string): void {
  languageActions.languageChoice(turn, turn.s.lang);
  const langs = turn.s.lang ? [turn.s.lang] : unservedAnswerLanguages(turn.c, wrote);
  const each = (key: string, sep: string) =>
    langs
      .map((l) => turn.c.t(l, key))
      .filter((v, i, a) => a.indexOf(v) === i)
      .join(sep);
  // nav:human carries no nonce, so the language keyboard above stays the one that counts.
  turn.say(each('distress.numbers', '\n\n'), [{ label: each('buttons.human', ' / '), payload: payload.nav('human') }]);
}

/**
 * The detector is unsure: ask instead of answering, so a doubtful message
 * is never simply matched to a topic ("look, listen": notice and ask).
 *
 * Example: "im not going to kill myself, i just want to know ..." -> "Before I answer: are you safe right now?" [sc:yes:<nonce>] [sc:no:<nonce>]
 */
export function safetyCheck(turn: Turn, text: string): void {
  turn.effects.push({ type: 'distress', lang: turn.lang, text, level: 'unsure' });
  askSafe(turn, text);
}

/**
 * "Are you safe right now?" about `text`, bound to it by a fresh nonce.
 *
 * Example: askSafe(turn, 'everything is dark ...') -> "Before I answer: are you safe right now?" [sc:yes:3] [sc:no:3]
 */
export function askSafe(turn: Turn, text: string): void {
  const n = turn.nonce();
  turn.s.pending = { kind: 'safety-check', text };
  turn.say(turn.t('distress.check'), [
    { label: turn.t('distress.checkSafe'), payload: payload.safe('yes', n) },
    { label: turn.t('distress.checkNotSafe'), payload: payload.safe('no', n) },
  ]);
}

/**
 * "Yes, I am safe": a kind word, then the message as the question it was. "No": the crisis answer.
 *
 * Example: safetyAnswer(turn, true, 'which documents ...') -> "Thank you ... 142 ...", then the documents answer
 */
export function safetyAnswer(turn: Turn, safe: boolean, text: string | undefined): void {
  if (!safe) return distress(turn, text ?? '');
  turn.say(turn.t('distress.checkThanks'));
  if (text) return turn.understand(text, turn.s.lang, true);
  turn.mainMenu(true);
}

/**
 * The answer to the offer of a person after the crisis answer: yes -> an urgent handoff; no -> a kind word.
 *
 * Example: distressOfferAnswer(turn, true) -> effect { type: 'handoff', reason: 'distress', priority: 'urgent', ... }
 */
export function distressOfferAnswer(turn: Turn, accept: boolean): void {
  if (accept) return turn.handoff('distress', 'urgent');
  turn.say(turn.t('feedback.thanksYes'), turn.nav({ back: false }));
}

/**
 * The detector's verdict on a typed message, before anything else: true when it answered
 * (crisis answer or "are you safe?"). Answers in the language the person wrote in.
 *
 * Example: pending disambiguation, "i cant go on anymore i want to die" -> the crisis answer, true
 */
export function screen(turn: Turn, text: string): boolean {
  const pendingBefore = turn.s.pending;
  const d = turn.c.nlu.distress(text, turn.s.lang);
  if (!d.level) return false;
  // A language the bot cannot talk in: "are you safe?" may not be read, the numbers are understood.
  if (d.unserved && d.level === 'clear') {
    unservedDistress(turn, text, d.unserved, d.kind);
    return true;
  }
  if (d.unserved) {
    unservedUnsure(turn, d.unserved);
    return true;
  }
  // In a crisis people fall back to their first language.
  if (d.lang && turn.c.language(d.lang) && (!turn.s.lang || d.level === 'clear')) turn.s.lang = d.lang;
  turn.s.lang ??= turn.c.defaultLang;
  // Answering "are you safe?" with more of the same is not a "yes".
  if (d.level === 'clear' || pendingBefore?.kind === 'safety-check') distress(turn, text, d.kind);
  else safetyCheck(turn, text);
  return true;
}
