/**
 * Understanding a typed message with the matcher: an answer, "Did you mean
 * ...?" (and its answer, typed or pressed), "Which language is this?", or
 * an honest "I don't know" (the third in a row asks whether they want a person).
 */
import { normalize } from '../../nlu/normalize.js';
import { payload } from '../payload.js';
import type { Pending } from '../session.js';
import { choiceNumber } from '../steps/types.js';
import type { Turn } from '../turn.js';

/** How many topics "Did you mean ...?" offers at most. */
const CLARIFY_OPTIONS = 3;

/**
 * Understands a message. `safe`: the person has just said they are safe,
 * so a doubtful message is answered as the question it also is.
 *
 * Example: "which documents do I bring" -> the hearing.documents answer and "Was this helpful?";
 *          "interview" -> "Did you mean one of these?" [topic] [topic] [None of these d:none]
 */
export function understand(turn: Turn, text: string, sessionLang: string | undefined, safe = false): void {
  const found = turn.c.nlu.match(text, sessionLang);
  if (found.distressLevel === 'clear' && !safe) return turn.distress(text);
  if (found.distressLevel === 'unsure' && !safe) return turn.safetyCheck(text);
  // Safe by their own word: answer the question the message also asked.
  const m = safe && found.distress ? { ...found, ...found.question, distress: false } : found;
  // Not understood, and written in a language the pack does not serve: say so, with the languages
  // and a person, rather than "I don't know" (or "Which language?") in languages they may not read.
  const unserved = m.decision === 'unknown' ? turn.c.nlu.unserved(text) : undefined;
  if (unserved) return turn.unservedLanguage(unserved);
  if (m.lang !== turn.s.lang) {
    if (m.langConfident && m.decision !== 'unknown') {
      turn.s.lang = m.lang;
      turn.say(turn.t('language.changed'));
    } else if (!m.langConfident && m.langCandidates.length > 1 && !m.langCandidates.includes(turn.s.lang!)) {
      // Unsure which language this is: ask rather than guess.
      turn.s.pending = { kind: 'language', text, candidates: m.langCandidates };
      const opts = m.langCandidates.map((code) => turn.c.language(code)).filter((l) => l !== undefined);
      const n = turn.nonce();
      turn.say(
        opts
          .map((l) => turn.c.t(l.code, 'language.unsure'))
          .filter((v, i, a) => a.indexOf(v) === i)
          .join('\n'),
        opts.map((l) => ({ label: l.name, payload: payload.lang(l.code, n) })),
      );
      return;
    }
  }
  if (m.decision === 'answer' && m.topic) {
    turn.s.unknownStreak = 0;
    return turn.showTopic(m.topic, true);
  }
  if (m.decision === 'clarify' && m.topic) {
    const options = [m.topic, ...m.alternatives.map((a) => a.topic)].filter((v, i, a) => a.indexOf(v) === i).slice(0, CLARIFY_OPTIONS);
    turn.s.pending = { kind: 'disambiguation', options, text };
    turn.say(turn.t('disambiguation.question'), [
      ...options.map((id) => ({ label: turn.topicTitle(id), payload: payload.topic(id) })),
      { label: turn.t('disambiguation.none'), payload: payload.noneOfThese() },
    ]);
    // The pending state must survive the topic button: keep it until the next event.
    return;
  }
  unknown(turn, text);
}

/**
 * "I don't know": the question is kept (effect `unanswered`), menu and a person offered. The third
 * in a row asks "Shall I connect you with a person?" (yes/no, bound to a nonce): three misses may
 * be an emoji, a sticker's caption or a typo, and a caseworker's queue is no place for them unasked.
 * Only a yes opens the handoff (`personOfferAnswer`).
 *
 * Example: "bitcoin price football" -> "I do not know ...", "..." [Menu] [Talk to a person];
 *          the third -> "I do not know ...", "Shall I connect you ...?" [Yes po:yes:3] [No po:no:3] [Menu]
 */
export function unknown(turn: Turn, text: string): void {
  turn.s.unknownStreak += 1;
  turn.effects.push({ type: 'unanswered', text, lang: turn.lang });
  turn.say(turn.t('fallback.unknown'));
  if (turn.s.unknownStreak >= 3) {
    turn.s.unknownStreak = 0;
    return offerPersonAfterMisses(turn);
  }
  turn.say(turn.t('fallback.offer'), turn.nav({ back: false }));
}

/**
 * "Shall I connect you with a person?" after three "I don't know"s, with a fresh nonce: a yes
 * counts only here, once. Pending `person-offer`.
 *
 * Example: offerPersonAfterMisses(turn) -> "I could not answer ... Shall I connect you ...?" [Yes po:yes:4] [No po:no:4] [Menu]
 */
export function offerPersonAfterMisses(turn: Turn): void {
  const n = turn.nonce();
  turn.s.pending = { kind: 'person-offer' };
  turn.say(turn.t('fallback.askPerson'), [
    { label: turn.t('buttons.yes'), payload: payload.personOffer(true, n) },
    { label: turn.t('buttons.no'), payload: payload.personOffer(false, n) },
    ...turn.nav({ back: false, human: false }),
  ]);
}

/**
 * The answer to "Shall I connect you with a person?" after the misses: yes -> the handoff
 * (reason `unknown`); no -> a kind word and the menu, and the count of misses starts again.
 *
 * Example: personOfferAnswer(turn, true) -> effect { type: 'handoff', reason: 'unknown', priority: 'normal', ... }
 */
export function personOfferAnswer(turn: Turn, accept: boolean): void {
  if (accept) return turn.handoff('unknown', 'normal');
  turn.say(turn.t('fallback.declined'), turn.nav({ back: false, human: false }));
}

/**
 * A typed answer to "Did you mean ...?": the number of a choice (any count, in Latin, Arabic or
 * Persian digits) or its title; "None of these" typed or "no" -> "I don't know". False when the
 * text is neither (it is then understood afresh).
 *
 * Example: options [hearing.documents, hearing.after], typed "2" or "after the hearing" -> the hearing.after answer
 */
export function disambiguationTyped(turn: Turn, pending: Extract<Pending, { kind: 'disambiguation' }>, text: string, saidNo: boolean): boolean {
  const n = choiceNumber(text);
  const norm = normalize(text);
  const chosen = n !== undefined && n >= 1 ? pending.options[n - 1] : pending.options.find((id) => norm && normalize(turn.topicTitle(id)) === norm);
  if (chosen) {
    turn.showTopic(chosen, true);
    return true;
  }
  if (saidNo || (norm && normalize(turn.t('disambiguation.none')) === norm)) {
    unknown(turn, pending.text);
    return true;
  }
  return false;
}

/**
 * The "None of these" button: the original message gets the honest "I don't know"; without a
 * pending question (an old button), the menu.
 *
 * Example: pending disambiguation of "interview", d:none -> "I do not know ..." and effect unanswered "interview"
 */
export function noneOfThese(turn: Turn, pending: Pending | undefined): void {
  if (pending?.kind === 'disambiguation') return unknown(turn, pending.text);
  turn.mainMenu(true);
}
