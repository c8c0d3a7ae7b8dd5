/**
 * One turn of the engine: the state it changes (session, messages, effects)
 * and the small vocabulary the actions share (say, nav buttons, move, enter a
 * flow). Each job lives in its own file (src/engine/actions/*); they call one
 * another only through this object, so no action imports another.
 */
import type { CompiledContent } from '../content/served.js';
import type { Step } from '../content/schema.js';
import type { Effect } from './effects.js';
import type { EngineEnv } from './env.js';
import type { Button, OutMessage } from './messages.js';
import { payload } from './payload.js';
import { copySession, HISTORY_LIMIT, samePosition, type Position, type Session } from './session.js';
import { stepType, type FlowPosition, type StepCommand, type StepCtx, type StepOutput } from './steps/index.js';
import * as handoffActions from './actions/handoff.js';
import * as languageActions from './actions/language.js';
import * as safetyActions from './actions/safety.js';
import * as understandActions from './actions/understand.js';
import { showTopic } from './actions/topics/index.js';
import { ownUiString, valueAt } from '../util/ui-strings.js';

const MAX_GOTO_CHAIN = 16;

/** Which standard navigation buttons to add (each defaults to true; Back only appears when there is history). */
export type NavOptions = { back?: boolean; menu?: boolean; human?: boolean };

/**
 * The state of one engine turn and the small vocabulary every action and step shares. Made by
 * `runEngine` for one event; it works on a copy of the session, so the caller's session stays untouched.
 */
export class Turn {
  /** The session being changed: a copy of the one passed in (replaced by a fresh one after "delete my data"). */
  s: Session;
  /** The reply so far, in order. */
  readonly out: OutMessage[] = [];
  /** What the runtime must do after the turn (feedback, handoff, ...). */
  readonly effects: Effect[] = [];
  /** The language to render the reply in when it is not the session's (before a choice, after deletion). */
  replyLang: string | undefined;

  constructor(
    readonly c: CompiledContent,
    session: Session,
    readonly env: EngineEnv,
  ) {
    this.s = copySession(session);
    // A session saved under an older content version may name a language that is gone.
    if (this.s.lang && !c.language(this.s.lang)) this.s.lang = undefined;
  }

  /** The session language, or the content's default before the person has chosen. */
  get lang(): string {
    return this.s.lang ?? this.c.defaultLang;
  }

  // ------------------------------------------------------------ output ---
  /** A UI string (locales/<lang>/translation.json) in the session language, with fallback. */
  t(key: string, vars?: Record<string, unknown>): string {
    return this.c.t(this.lang, key, vars);
  }

  /** A UI string the person's language has itself, or undefined (no fallback: for optional texts). */
  ownUi(key: string): string | undefined {
    return ownUiString(this.c.pack.ui, this.lang, key);
  }

  /** Add a text message to the reply. */
  say(text: string, buttons: Button[] = []): void {
    this.out.push({ kind: 'text', text, ...(buttons.length ? { buttons } : {}) });
  }

  /**
   * Add a message whose lines are in different languages, each line with its language (channels
   * set language and direction per line). Lines that read the same in several languages come once;
   * a single line is in the reply's language and is not marked.
   */
  sayLines(lines: { text: string; lang: string }[], buttons: Button[] = []): void {
    const seen = new Set<string>();
    const kept = lines.filter((l) => !seen.has(l.text) && seen.add(l.text));
    this.out.push({
      kind: 'text',
      text: kept.map((l) => l.text).join('\n'),
      // One line is in the reply's language: nothing to mark.
      ...(kept.length > 1 ? { lines: kept.map((l) => ({ lang: l.lang, dir: this.c.language(l.lang)?.dir ?? 'ltr' })) } : {}),
      ...(buttons.length ? { buttons } : {}),
    });
  }

  /** Put buttons on the last message (channels show buttons of the last message). */
  attach(buttons: Button[]): void {
    const last = this.out[this.out.length - 1];
    if (!last) return this.say(this.t('menu.text'), buttons);
    last.buttons = dedupe([...(last.buttons ?? []), ...buttons]);
  }

  /** The standard buttons: Back (only with history), Menu, Talk to a person. */
  nav(opts: NavOptions = {}): Button[] {
    const b: Button[] = [];
    if ((opts.back ?? true) && this.s.history.length) b.push({ label: this.t('buttons.back'), payload: payload.nav('back') });
    if (opts.menu ?? true) b.push({ label: this.t('buttons.menu'), payload: payload.nav('menu') });
    if (opts.human ?? true) b.push({ label: this.t('buttons.human'), payload: payload.nav('human') });
    return b;
  }

  /** A topic's title in the session language; its id when it has none. */
  topicTitle(id: string): string {
    return this.c.pack.topicTexts[this.lang]?.[id]?.title ?? id;
  }

  /** A topic's answer paragraphs as text messages, without buttons. */
  topicAnswer(id: string): OutMessage[] {
    const tt = this.c.pack.topicTexts[this.lang]?.[id];
    return (tt?.answer ?? []).map((text) => ({ kind: 'text' as const, text }));
  }

  /** Forget the question the bot was waiting for an answer to. */
  clearPending(): void {
    this.s.pending = undefined;
  }

  /** A fresh nonce for a keyboard about to be offered (src/engine/payload.ts); every older one expires. */
  nonce(): number {
    this.s.kb = (this.s.kb ?? 0) + 1;
    return this.s.kb;
  }

  /**
   * True when `nonce` is that of the last keyboard offered, which it then uses up: a choice counts
   * once. A session that never offered one (saved before nonces) has none to match.
   */
  takeNonce(nonce: number | undefined): boolean {
    if (nonce === undefined || this.s.kb === undefined || nonce !== this.s.kb) return false;
    this.s.kb = nonce + 1;
    return true;
  }

  /** Set where the person is. `push`: remember the old position for Back (bounded by HISTORY_LIMIT). */
  moveTo(pos: Position, push: boolean): void {
    if (push && this.s.pos && !samePosition(this.s.pos, pos)) {
      this.s.history.push(this.s.pos);
      if (this.s.history.length > HISTORY_LIMIT) this.s.history.splice(0, this.s.history.length - HISTORY_LIMIT);
    }
    this.s.pos = pos;
  }

  // --------------------------------------------------- the other jobs ---
  // One line each: the work is in src/engine/actions/*.
  showTopic(id: string, push: boolean): void {
    showTopic(this, id, push);
  }
  languageChoice(first?: string): void {
    languageActions.languageChoice(this, first);
  }
  chooseLanguage(code: string): void {
    languageActions.chooseLanguage(this, code);
  }
  chooseLanguageQuietly(code: string): void {
    languageActions.chooseLanguageQuietly(this, code);
  }
  unservedLanguage(code: string): void {
    languageActions.unservedLanguage(this, code);
  }
  understand(text: string, sessionLang: string | undefined, safe = false): void {
    understandActions.understand(this, text, sessionLang, safe);
  }
  unknown(text: string): void {
    understandActions.unknown(this, text);
  }
  distress(text: string): void {
    safetyActions.distress(this, text);
  }
  safetyCheck(text: string): void {
    safetyActions.safetyCheck(this, text);
  }
  handoff(reason: string, priority: 'normal' | 'urgent'): void {
    handoffActions.handoff(this, reason, priority);
  }

  // -------------------------------------------------------------- flows ---
  /** The context a step's handlers get, bound to this turn. */
  stepCtx(): StepCtx {
    return {
      c: this.c,
      lang: this.lang,
      session: this.s,
      t: (k, v) => this.t(k, v),
      stepText: (pos, ...key) => {
        const v = valueAt(this.c.pack.flowTexts[this.lang]?.[pos.flow]?.[pos.step], key);
        return typeof v === 'string' ? v : undefined;
      },
      topicMessages: (id) => this.topicAnswer(id),
      topicTitle: (id) => this.topicTitle(id),
      nav: (o) => this.nav(o),
      handoffModule: this.env.officeOpen !== undefined,
    };
  }

  /** A step of a flow by id; undefined when either is gone (e.g. content changed under an old session). */
  findStep(flowId: string, stepId: string): Step | undefined {
    return this.c.pack.flows[flowId]?.steps.find((s) => s.id === stepId);
  }

  /** The step the person is in, with its position; undefined on a topic answer or nowhere. */
  currentStep(): { step: Step; pos: FlowPosition } | undefined {
    const pos = this.s.pos;
    if (!pos || !('flow' in pos)) return undefined;
    const step = this.findStep(pos.flow, pos.step);
    return step && { step, pos };
  }

  /** Lets the current step handle something first (a button, typed text, a command); false when it does not. */
  byStep(run: (ctx: StepCtx, step: Step, pos: FlowPosition) => StepOutput | undefined): boolean {
    const here = this.currentStep();
    const r = here && run(this.stepCtx(), here.step, here.pos);
    if (!r || !here) return false;
    this.applyStep(r, here.pos);
    return true;
  }

  /** "next" / "back" for the current step (a walkthrough page); false when the step has no such thing. */
  stepCommand(cmd: StepCommand): boolean {
    return this.byStep((ctx, step, pos) => stepType(step).onCommand?.(ctx, step, pos, cmd));
  }

  /** Enter the main flow (its first step is the main menu). */
  mainMenu(push: boolean): void {
    this.enterTarget('main', push);
  }

  /** Go to the last remembered position; with none, the main menu. */
  back(): void {
    const prev = this.s.history.pop();
    if (!prev) return this.mainMenu(false);
    if ('topic' in prev) return this.showTopic(prev.topic, false);
    this.enterPosition(prev, false, 0);
  }

  /** Go to "flow", "flow#step" or "@topic:<id>" (a menu option that shows a topic). */
  enterTarget(target: string, push: boolean, depth = 0): void {
    if (target.startsWith('@topic:')) return this.showTopic(target.slice(7), push);
    const [flowId, stepId] = target.split('#') as [string, string | undefined];
    const flow = this.c.pack.flows[flowId];
    if (!flow) return depth ? undefined : this.say(this.t('menu.text'), this.nav({ back: false, menu: false }));
    const sid = stepId ?? flow.start ?? flow.steps[0]!.id;
    this.enterPosition({ flow: flowId, step: sid }, push, depth);
  }

  /** Enter a step at a position. `depth` counts goto hops, so a loop in content stops at MAX_GOTO_CHAIN. */
  enterPosition(pos: FlowPosition, push: boolean, depth: number): void {
    const step = this.findStep(pos.flow, pos.step);
    if (!step) return this.mainMenu(false);
    if (depth > MAX_GOTO_CHAIN) return; // a go-to loop in content; validation warns about it
    // Move first, so that the step sees the history it can go back to.
    if (step.type !== 'goto') this.moveTo(pos, push);
    const r = stepType(step).enter(this.stepCtx(), step, pos);
    if (r.pos && step.type !== 'goto') this.s.pos = r.pos;
    this.applyStep(r, r.pos ?? pos, depth);
  }

  /** Carry out a step's output: send its messages, keep its effects, then move (inner position, back or goto). */
  applyStep(r: StepOutput, pos: FlowPosition, depth = 0): void {
    this.out.push(...r.messages);
    if (r.effects) this.effects.push(...r.effects);
    if (r.pos && this.s.pos && 'flow' in this.s.pos && this.s.pos.flow === pos.flow && this.s.pos.step === pos.step) this.s.pos = r.pos;
    if (r.back) return this.back();
    if (r.goto) this.enterTarget(r.goto, true, depth + 1);
  }
}

function dedupe(buttons: Button[]): Button[] {
  const seen = new Set<string>();
  return buttons.filter((b) => (seen.has(b.payload) ? false : (seen.add(b.payload), true)));
}
