/**
 * Understanding a typed message with the matcher: an answer, "Did you mean
 * ...?" (and its answer, typed or pressed), "Which language is this?", or
 * an honest "I don't know" (three in a row lead to a person).
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
 * "I don't know": the question is kept (effect `unanswered`), menu and a person offered; the third
 * in a row hands over to a person.
 *
 * Example: "bitcoin price football" -> "I do not know ...", "..." [Menu] [Talk to a person]
 */
export function unknown(turn: Turn, text: string): void {
  turn.s.unknownStreak += 1;
  turn.effects.push({ type: 'unanswered', text, lang: turn.lang });
  if (turn.s.unknownStreak >= 3) {
    turn.s.unknownStreak = 0;
    turn.say(turn.t('fallback.unknown'));
    return turn.handoff('unknown', 'normal');
  }
  turn.say(turn.t('fallback.unknown'));
  turn.say(turn.t('fallback.offer'), turn.nav({ back: false }));
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
