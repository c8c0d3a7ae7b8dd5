/**
 * The conversation engine: a pure function
 *   (content, session, event, env) -> (new session, reply, effects).
 * No I/O, no clock of its own, no randomness: a whole conversation is a fast,
 * deterministic unit test. The runtime (src/runtime/runtime.ts) does the I/O.
 *
 * This file decides which job an event is for; the jobs are in their own
 * files: src/engine/actions/{language,understand,safety,handoff}.ts, topic
 * actions in src/engine/actions/topics/*, flow steps in src/engine/steps/*,
 * and the turn's shared state in src/engine/turn.ts.
 *
 * Order of precedence for a typed message (why: safety first, then the
 * person's explicit wishes, then what the bot asked, then understanding):
 *   1. distress detector (always, even in the middle of a menu or question)
 *   2. first contact: language choice
 *   3. commands typed in any served language (menu, back, language, person)
 *   4. the answer to a pending question (did you mean, was this helpful, ...)
 *   5. what the current step understands (option number or label)
 *   6. the matcher: answer, "did you mean ...?", or an honest "I don't know"
 */
import type { CompiledContent } from '../content/served.js';
import { MAX_TEXT_LENGTH } from '../shared/limits.js';
import { languageButton, unservedHint, unservedLanguage } from './actions/language.js';
import { askSafe, distress, distressOfferAnswer, offerPerson, safetyAnswer, screen } from './actions/safety.js';
import { deleteAnswer, deleteConfirm, feedback } from './actions/topics/index.js';
import { disambiguationTyped, noneOfThese, offerPersonAfterMisses, personOfferAnswer } from './actions/understand.js';
import type { Effect } from './effects.js';
import type { EngineEnv } from './env.js';
import type { InEvent, Reply } from './messages.js';
import { nonceOf, parsePayload, type Command, type NavWhat, type Payload } from './payload.js';
import type { Session } from './session.js';
import { episodeMessages } from './steps/audio.js';
import { stepType } from './steps/index.js';
import { Turn } from './turn.js';

export type { Effect } from './effects.js';
export type { EngineEnv } from './env.js';

/** The result of one engine run: the session to save, the reply to render, and the effects the runtime must carry out. */
export interface EngineOutput {
  session: Session;
  reply: Reply;
  effects: Effect[];
}

/** Longest text the engine reads; channels cut earlier where their protocol demands (src/shared/limits.ts). */
export const MAX_TEXT = MAX_TEXT_LENGTH;

/**
 * One turn of the conversation: a pure function of content, session, event and env (no I/O,
 * no clock of its own). The input session is not changed; the new one is in the output.
 *
 * Example: runEngine(c, newSession(), { kind: 'start', langHint: 'ar' }, { now: 0 }) -> the language choice, Arabic first
 */
export function runEngine(c: CompiledContent, session: Session, event: InEvent, env: EngineEnv): EngineOutput {
  const turn = new Turn(c, session, env);
  turn.s.turns += 1;
  switch (event.kind) {
    case 'start':
      onStart(turn, event.langHint, event.topic);
      break;
    case 'text': {
      const before = turn.out.length;
      onText(turn, event.text, event.langHint);
      // Honest about the picture: only the words were read. Not before a language is known (the
      // language choice speaks every language) and not when nothing was answered.
      if (event.media && turn.s.lang && turn.out.length > before) turn.out.splice(before, 0, { kind: 'text', text: turn.t('errors.mediaCaption') });
      break;
    }
    case 'button':
      onButton(turn, event.payload);
      break;
    case 'command':
      onCommand(turn, event.command);
      break;
    case 'unsupported':
      if (!turn.s.lang) turn.languageChoice();
      else turn.say(turn.t('errors.unsupported'), turn.nav({ back: false }));
      break;
  }
  const lang = turn.replyLang ?? turn.lang;
  return {
    session: turn.s,
    reply: { lang, dir: c.language(lang)?.dir ?? 'ltr', messages: turn.out },
    effects: turn.effects,
  };
}

/**
 * First contact or /start: the language choice, or the menu for a returning person. A deep
 * link's topic (a poster's QR code) opens for everyone: after the language choice for a new
 * person, at once for a returning one, who scanned the code to read exactly that.
 */
function onStart(turn: Turn, langHint?: string, topic?: string): void {
  const hinted = turn.c.resolveLanguage(langHint);
  const known = topic && turn.c.pack.topics[topic] ? topic : undefined;
  if (turn.s.lang) {
    // A returning person: no need to choose again.
    turn.s.pending = undefined;
    turn.s.welcomeTopic = undefined;
    if (known) turn.showTopic(known, true);
    else turn.mainMenu(true);
    return;
  }
  if (known) turn.s.welcomeTopic = known;
  // A phone set to a language the pack does not serve: not silently English, but the languages
  // the bot speaks and a person.
  const unserved = hinted ? undefined : unservedHint(turn, langHint);
  if (unserved) return unservedLanguage(turn, unserved);
  turn.languageChoice(hinted);
}

/** A channel command (/menu, /back, /language, /human, /help, /stop). */
function onCommand(turn: Turn, cmd: Command): void {
  if (!turn.s.lang && cmd !== 'human') return turn.languageChoice();
  turn.s.pending = undefined;
  switch (cmd) {
    case 'menu':
      return turn.mainMenu(true);
    case 'back':
      return turn.back();
    case 'language':
      return turn.languageChoice(turn.s.lang);
    case 'human':
      return turn.handoff('asked', 'normal');
    case 'help':
      turn.say(turn.t('welcome.intro'));
      return turn.mainMenu(true);
    case 'stop':
      // What stopping means here: Lotse writes only when written to; blocking and deleting are the person's.
      return turn.say(turn.t('stop.explain'), turn.nav({ back: false }));
  }
}

/** A pressed button: its payload, read once (parsePayload); anything unknown or stale shows the menu. */
function onButton(turn: Turn, raw: string): void {
  const p = parsePayload(raw);
  if (p?.kind === 'lang') return languageButton(turn, p.code, p.nonce);
  // A person before any language (offered beside the languages to someone who reads none of them).
  if (!turn.s.lang && p?.kind === 'nav' && p.what === 'human') return turn.handoff('asked', 'normal');
  if (!turn.s.lang) return turn.languageChoice();
  const pending = turn.s.pending;
  turn.s.pending = undefined;
  if (p && !stillOffered(turn, p, pending)) return expired(turn, p, pending);
  if (p && engineButton(turn, p, pending)) return;
  // A button of the current step (walkthrough page, directory level).
  if (p && turn.byStep((ctx, step, pos) => stepType(step).onButton?.(ctx, step, pos, p))) return;
  // An old button whose step is gone: show the menu rather than nothing.
  turn.mainMenu(true);
}

/**
 * The choices that delete or jump the queue (and "Are you safe?", whose answer decides what
 * follows) and the question each answers: they count only while that question is the one open,
 * with the nonce of the keyboard that asked it, and once. Navigation stays valid forever.
 */
const OFFERED_BY: Partial<Record<Payload['kind'], NonNullable<Session['pending']>['kind']>> = {
  deleteData: 'delete-confirm',
  distressOffer: 'distress-offer',
  personOffer: 'person-offer',
  safe: 'safety-check',
};

function stillOffered(turn: Turn, p: Payload, pending: Session['pending']): boolean {
  const by = OFFERED_BY[p.kind];
  return by === undefined || (pending?.kind === by && turn.takeNonce(nonceOf(p)));
}

/**
 * An old or forged answer to a guarded question: "That choice has expired." and where the
 * person is now (the question still open, asked again with fresh buttons; otherwise the menu).
 * A person who says they are not safe gets the crisis answer, however old the button.
 */
function expired(turn: Turn, p: Payload, pending: Session['pending']): void {
  if (p.kind === 'safe' && p.answer === 'no') return distress(turn, '');
  turn.say(turn.t('errors.expired'));
  if (pending?.kind === 'delete-confirm') return deleteConfirm(turn);
  if (pending?.kind === 'distress-offer') return offerPerson(turn);
  if (pending?.kind === 'person-offer') return offerPersonAfterMisses(turn);
  if (pending?.kind === 'safety-check') return askSafe(turn, pending.text);
  turn.mainMenu(true);
}

/** The buttons the engine itself answers; false for the current step's own (and unknown) ones. */
function engineButton(turn: Turn, p: Payload, pending: Session['pending']): boolean {
  switch (p.kind) {
    case 'topic':
      turn.showTopic(p.id, true);
      return true;
    case 'goto':
      turn.enterTarget(p.target, true);
      return true;
    case 'feedback':
      if (pending?.kind === 'feedback') feedback(turn, pending.topic, p.helpful);
      else turn.mainMenu(true);
      return true;
    case 'noneOfThese':
      noneOfThese(turn, pending);
      return true;
    case 'episodeIn': {
      const msgs = episodeMessages(turn.c, turn.lang, p.episode, p.lang);
      if (!msgs.length) turn.mainMenu(true);
      else {
        turn.out.push(...msgs);
        turn.say(turn.t('menu.text'), turn.nav());
      }
      return true;
    }
    case 'safe':
      safetyAnswer(turn, p.answer === 'yes', pending?.kind === 'safety-check' ? pending.text : undefined);
      return true;
    case 'deleteData':
      deleteAnswer(turn, p.confirm);
      return true;
    case 'distressOffer':
      distressOfferAnswer(turn, p.accept);
      return true;
    case 'personOffer':
      personOfferAnswer(turn, p.accept);
      return true;
    case 'nav':
      return navButton(turn, p.what);
    // The current step's own, and a handoff's Cancel when no handoff is open any more.
    case 'lang':
    case 'page':
    case 'dirCategory':
    case 'dirService':
    case 'dirUp':
    case 'handoffCancel':
    // A rating after a handoff is the handoff module's; one that reaches the engine is stale.
    case 'rate':
      return false;
  }
}

/** Back, Menu, Talk to a person, Change language; Next/Back of a walkthrough page. */
function navButton(turn: Turn, what: NavWhat): boolean {
  switch (what) {
    case 'menu':
      turn.mainMenu(true);
      return true;
    case 'back':
      turn.back();
      return true;
    case 'language':
      turn.languageChoice(turn.s.lang);
      return true;
    case 'human':
      turn.handoff('asked', 'normal');
      return true;
    case 'next':
    case 'prev':
      if (!turn.stepCommand(what === 'next' ? 'next' : 'back')) turn.mainMenu(true);
      return true;
    case 'cancel':
      return false;
  }
}

/**
 * Whether the whole message is a yes or a no (a command word of a served language: "ok", "nein",
 * "لا"), once a language is chosen. It answers a yes/no question of the bot (step 4 of `onText`);
 * with none open it shows the menu (never a miss, a language switch or the crisis answer).
 */
function bareYesNo(turn: Turn, text: string): boolean {
  if (!turn.s.lang) return false;
  const cmd = turn.c.nlu.command(text);
  return cmd === 'yes' || cmd === 'no';
}

/** A typed message, in the order of precedence above. `langHint`: the channel's guess of the person's language (Telegram's language_code). */
function onText(turn: Turn, raw: string, langHint?: string): void {
  // Control characters and bidi overrides can hide text; the rest is kept as typed.
  const text = raw.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F\u202A-\u202E]/g, '').trim();
  if (!text) return;
  if (text.length > MAX_TEXT) {
    if (!turn.s.lang) return turn.languageChoice();
    return turn.say(turn.t('errors.tooLong'), turn.nav({ back: false }));
  }
  // 1. Safety first, whatever else is pending (menus, "did you mean", a question of the bot). Except
  // a bare yes, ok or no: it answers the bot's yes/no question, or (none open) says nothing to
  // read. Alone, "no", "nope", "nein", "لا" and "так" read as distress to the models (they learned
  // from sentences; "no" even as a clear crisis in Spanish): "Was this helpful?" answered "no" got
  // the crisis answer, and a Dari "نه" switched the conversation to Pashto.
  const bare = bareYesNo(turn, text);
  if (!bare && screen(turn, text)) return;
  // 2. First contact.
  if (!turn.s.lang) {
    const named = turn.c.nlu.languageByName(text);
    if (named) return turn.chooseLanguage(named);
    // Written in a language the pack does not serve: the languages the bot speaks and a person.
    const unserved = turn.c.nlu.unserved(text);
    if (unserved) return unservedLanguage(turn, unserved);
    const m = turn.c.nlu.match(text);
    // From a phone set to such a language (Telegram "so"): not silently English either. A message
    // clearly in another served language is answered in it (Russian from a Ukrainian: Ukrainian).
    const hinted = unservedHint(turn, langHint);
    if (hinted && (!m.langConfident || m.lang === turn.c.defaultLang)) return unservedLanguage(turn, hinted);
    if (m.langConfident) {
      turn.chooseLanguageQuietly(m.lang);
      return turn.understand(text, m.lang);
    }
    return turn.languageChoice(m.langCandidates[0]);
  }
  // 3. Commands in any served language.
  const cmd = turn.c.nlu.command(text);
  const pending = turn.s.pending;
  if (cmd === 'menu') return (turn.clearPending(), turn.mainMenu(true));
  if (cmd === 'back') {
    turn.clearPending();
    if (turn.stepCommand('back')) return;
    return turn.back();
  }
  if (cmd === 'language') return (turn.clearPending(), turn.languageChoice(turn.s.lang));
  if (cmd === 'human') return (turn.clearPending(), turn.handoff('asked', 'normal'));
  if (cmd === 'next' && !pending && turn.stepCommand('next')) return;
  // 4. The answer to what the bot asked.
  if (pending) {
    turn.s.pending = undefined;
    const yesNo = cmd === 'yes' || cmd === 'no';
    if (pending.kind === 'safety-check' && yesNo) return safetyAnswer(turn, cmd === 'yes', pending.text);
    if (pending.kind === 'feedback' && yesNo) return feedback(turn, pending.topic, cmd === 'yes');
    if (pending.kind === 'delete-confirm' && yesNo) return deleteAnswer(turn, cmd === 'yes');
    if (pending.kind === 'distress-offer' && yesNo) return distressOfferAnswer(turn, cmd === 'yes');
    if (pending.kind === 'person-offer' && yesNo) return personOfferAnswer(turn, cmd === 'yes');
    if (pending.kind === 'disambiguation' && disambiguationTyped(turn, pending, text, cmd === 'no')) return;
    if (pending.kind === 'language') {
      const named = turn.c.nlu.languageByName(text);
      if (named) {
        turn.s.lang = named;
        turn.say(turn.t('language.changed'));
        return turn.understand(pending.text, named);
      }
    }
  }
  // 5. What the current step understands.
  if (turn.byStep((ctx, step, pos) => stepType(step).onText?.(ctx, step, pos, text))) return;
  // A yes, ok or no with no question open: nothing to answer, so the way on.
  if (bare) return turn.mainMenu(true);
  // 6. Understanding.
  turn.understand(text, turn.s.lang);
}
