/**
 * The contract every flow step type implements (one file per type, like
 * goflow's flows/actions/*.go): what it references (checked by
 * `lotse validate` before anything runs), which texts it needs in every
 * language, and how it behaves when entered, when a button of its own is
 * pressed, when the person types (a number or a label: every step is usable
 * on a text-only channel) and on "next"/"back".
 *
 * Each type has a golden file, test/engine/golden/<type>.yaml (events in,
 * replies out, `references()`, `texts()`); test/engine/golden.test.ts fails
 * for a registered type without one.
 */
import type { CompiledContent } from '../../content/served.js';
import type { Step } from '../../content/schema.js';
import type { Effect } from '../effects.js';
import type { Button, OutMessage } from '../messages.js';
import type { Payload } from '../payload.js';
import type { Position, Session } from '../session.js';
import { latinDigits } from '../../util/digits.js';

/**
 * Something a step points at, checked by `lotse validate` before anything runs: a topic, a target
 * ("flow" or "flow#step"), a podcast episode or a service need.
 *
 * Example: { kind: 'target', id: 'hearing#walkthrough', at: ['next'] }
 */
export interface Reference {
  /** topic: content/topics.yaml; target: "flow" or "flow#step"; episode: content/podcasts.yaml; need: content/services.yaml. */
  kind: 'topic' | 'target' | 'episode' | 'need';
  id: string;
  /** Path inside the step, for the line number of a validation error. */
  at: (string | number)[];
}

/**
 * A text a step needs in content/<lang>/flows.yaml; the validator checks every language has the required ones.
 *
 * Example: { key: ['choices', 'yes'], required: true }
 */
export interface TextNeed {
  /** Path under content/<lang>/flows.yaml -> flow -> step. */
  key: string[];
  required: boolean;
}

/** A position inside a flow (not a topic answer): the step, and its inner state such as a walkthrough page. */
export type FlowPosition = Extract<Position, { flow: string }>;

/** What a step may use while it runs: content, language, session and text helpers. Pure: no I/O, no clock. */
export interface StepCtx {
  c: CompiledContent;
  lang: string;
  session: Session;
  /** UI string in the session language. */
  t(key: string, vars?: Record<string, unknown>): string;
  /** Text of this step from content/<lang>/flows.yaml (key path under the step). */
  stepText(pos: FlowPosition, ...key: string[]): string | undefined;
  /** The answer messages of a topic, ready to send. */
  topicMessages(topicId: string): OutMessage[];
  /** A topic's title in the session language (its id when it has none), e.g. for a button label. */
  topicTitle(topicId: string): string;
  /** Standard navigation buttons: Back (when there is history), Menu, Talk to a person. */
  nav(opts?: { back?: boolean; menu?: boolean; human?: boolean }): Button[];
  /**
   * A handoff module runs (it says whether the office is open): it answers a handoff request with
   * its own message and Cancel, so the request itself needs no buttons of its own.
   */
  handoffModule: boolean;
}

/** What a step hands back to the engine: messages to send and where to go next (stay, move inside, goto, or back). */
export interface StepOutput {
  messages: OutMessage[];
  /** New position inside this step (walkthrough page, directory category). */
  pos?: FlowPosition;
  /** Leave this step for a target ("flow" or "flow#step"). */
  goto?: string;
  /** Go back in history. */
  back?: boolean;
  effects?: Effect[];
}

/**
 * The handlers of one step type. Implement one in src/engine/steps/<type>.ts and list it in
 * ./index.ts `stepTypes`.
 *
 * Example: const gotoStep: StepType<GotoStep> = { references: (s) => [...], texts: () => [], enter: (_ctx, s) => ({ messages: [], goto: s.target }) }
 */
export interface StepType<S extends Step = Step> {
  /** What this step points at (topics, targets, episodes, needs); `lotse validate` checks each exists. */
  references(step: S): Reference[];
  /** The texts this step needs per language; `lotse validate` reports missing required ones. */
  texts(step: S): TextNeed[];
  /** The person arrives at the step (or comes back to it with Back): what it says, and where it goes. */
  enter(ctx: StepCtx, step: S, pos: FlowPosition): StepOutput;
  /** A button meant for this step (e.g. { kind: 'page', dir: 'next' }); undefined when not its own. */
  onButton?(ctx: StepCtx, step: S, pos: FlowPosition, payload: Payload): StepOutput | undefined;
  /** Typed text this step understands itself (a number or an option label); undefined otherwise. */
  onText?(ctx: StepCtx, step: S, pos: FlowPosition, text: string): StepOutput | undefined;
  /** "next" or "back", typed in any served language or pressed (n:next, n:prev); undefined: the engine's meaning. */
  onCommand?(ctx: StepCtx, step: S, pos: FlowPosition, command: StepCommand): StepOutput | undefined;
}

/** Commands a step may take over: "back" inside a walkthrough is the previous page, not the previous screen. */
export type StepCommand = 'next' | 'back';

/** Payload builders live in ../payload.ts (one vocabulary); re-exported for existing imports. */
export { payload } from '../payload.js';

/** Texts people type to pick the n-th button: "1", "١", "۱". */
export function choiceNumber(text: string): number | undefined {
  const t = latinDigits(text.trim());
  return /^\d{1,2}$/.test(t) ? Number(t) : undefined;
}
