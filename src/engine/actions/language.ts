/**
 * Choosing the language: the first question to a newcomer, a change later,
 * and the privacy notice that comes with the first choice.
 */
import { payload } from '../payload.js';
import { DEFAULT_SESSION_TTL_DAYS } from '../env.js';
import type { Turn } from '../turn.js';
import { crisisMessages, offerPerson } from './safety.js';

/**
 * Language buttons, each language named in its own script; the prompt in every language.
 *
 * Example: languageChoice(turn, 'ar') -> "اختر لغتك\nPlease choose your language" [العربية] [English]
 */
export function languageChoice(turn: Turn, first?: string): void {
  const langs = [...turn.c.pack.languages].sort((a, b) => (a.code === first ? -1 : b.code === first ? 1 : 0));
  // Before a choice, render in the hinted language (direction included).
  if (!turn.s.lang && first) turn.replyLang = first;
  const n = turn.nonce();
  // Each line and each button in its own language (and direction), whatever the reply's.
  turn.sayLines(
    langs.map((l) => ({ text: turn.c.t(l.code, 'welcome.chooseLanguage'), lang: l.code })),
    langs.map((l) => ({ label: l.name, payload: payload.lang(l.code, n), lang: { lang: l.code, dir: l.dir } })),
  );
  turn.s.pending = undefined;
}

/**
 * The privacy notice, naming how long conversations are kept (EngineEnv.sessionTtlDays, from SESSION_TTL_DAYS).
 *
 * Example: env { sessionTtlDays: 7 } -> "... I keep your language and our conversation for 7 days ..."
 */
export function privacyNotice(turn: Turn): string {
  return turn.t('welcome.privacy', { days: turn.env.sessionTtlDays ?? DEFAULT_SESSION_TTL_DAYS });
}

/**
 * A language chosen (button or typed name). The first time: privacy notice, intro, then the
 * welcome topic or the main menu; later: "I will write in ... now" and the menu.
 *
 * Example: chooseLanguage(turn, 'ar') on first contact -> privacy notice, intro, main menu, all in Arabic
 */
export function chooseLanguage(turn: Turn, code: string): void {
  const first = !turn.s.lang;
  turn.s.lang = code;
  if (first) {
    turn.say(privacyNotice(turn));
    turn.say(turn.t('welcome.intro'));
    const wt = turn.s.welcomeTopic;
    turn.s.welcomeTopic = undefined;
    if (wt) turn.showTopic(wt, true);
    else turn.mainMenu(true);
  } else {
    turn.say(turn.t('language.changed'));
    turn.mainMenu(true);
  }
}

/**
 * Set the language from a confident detection at first contact: short notice, no menu yet
 * (the message itself is answered next).
 *
 * Example: first message "which documents do I need" -> privacy notice in English, then the answer
 */
export function chooseLanguageQuietly(turn: Turn, code: string): void {
  turn.s.lang = code;
  turn.say(privacyNotice(turn));
}

/**
 * A language button: first choice, a change, or the answer to "Which language is this?"
 * (then the waiting message is answered in it). An unknown code asks again. `nonce`: the
 * keyboard's (src/engine/payload.ts); a second tap of it, or an old keyboard, naming the
 * language already in use says nothing new (no second welcome, no second menu).
 *
 * After the crisis answer (pending distress-offer) a language chosen repeats the numbers and the
 * offer in it.
 *
 * Example: pending { kind: 'language', text: 'وثائق' }, button l:ar -> "سأكتب الآن بالعربية." and the answer;
 *          a double-tapped [English] -> the welcome and the menu once, then nothing
 */
export function languageButton(turn: Turn, code: string, nonce?: number): void {
  if (!turn.c.language(code)) return languageChoice(turn);
  const fresh = turn.takeNonce(nonce);
  const pending = turn.s.pending;
  if (pending?.kind === 'language' && turn.s.lang) {
    // The person told us which language their message was in: answer it in that language.
    turn.s.pending = undefined;
    turn.s.lang = code;
    turn.say(turn.t('language.changed'));
    return turn.understand(pending.text, code);
  }
  if (fresh && pending?.kind === 'distress-offer') {
    // Chosen from the crisis answer to a message in a language Lotse does not serve: the
    // numbers and the offer of a person again, now in a language they read (not the menu).
    turn.s.lang = code;
    turn.out.push(...crisisMessages(turn.c, code));
    return offerPerson(turn);
  }
  if (!fresh && code === turn.s.lang) return;
  chooseLanguage(turn, code);
}

/**
 * The served language a channel's hint names, or, when it names a language the pack does not
 * serve (Telegram's `language_code` "so", "tr-TR"), that language's base code; undefined without
 * a hint that looks like a language code.
 *
 * Example: unservedHint(turn, 'so') === 'so'; unservedHint(turn, 'ar-SY') === undefined (served)
 */
export function unservedHint(turn: Turn, hint: string | undefined): string | undefined {
  if (!hint || turn.c.resolveLanguage(hint)) return undefined;
  const base = /^([a-z]{2,3})(?:[-_][a-z0-9]+)*$/i.exec(hint.trim())?.[1]?.toLowerCase();
  return base;
}

/**
 * Someone who writes in (or whose Telegram is set to) a language the pack does not serve
 * (Somali, Tigrinya, Turkish, French ...): the bot says so, in that language when the pack has
 * its words (content/_other/safety.yaml `notServed`), otherwise in every served language; the
 * languages it speaks as buttons; and a person, who may speak it or find an interpreter. Never
 * an English answer the person may not read, never silence.
 *
 * Example: first message "waxaan u baahanahay caawimaad" (so) -> "I cannot write in your language ..." in all six,
 *   [العربية] [دری / فارسی] ... [Deutsch] [👤 Talk to our team]
 */
export function unservedLanguage(turn: Turn, code: string): void {
  const other = turn.c.pack.otherDistress[code];
  // The language in use first, then those many of its speakers read (answerIn: Russian -> Ukrainian).
  const rank = (code: string) => (code === turn.s.lang ? 0 : other?.answerIn.includes(code) ? 1 : 2);
  const langs = [...turn.c.pack.languages].sort((a, b) => rank(a.code) - rank(b.code));
  const every = langs.map((l) => turn.c.t(l.code, 'language.notServed')).filter((v, i, a) => a.indexOf(v) === i);
  const n = turn.nonce();
  turn.say(other?.notServed ?? every.join('\n\n'), [
    ...langs.map((l) => ({ label: l.name, payload: payload.lang(l.code, n) })),
    // The person's button carries no nonce: the language keyboard beside it stays the one that counts.
    { label: other?.person ?? `👤 ${turn.t('buttons.human')}`, payload: payload.nav('human') },
  ]);
  turn.s.pending = undefined;
}
