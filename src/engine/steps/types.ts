/**
 * The contract every flow step type implements (one file per type, like
 * goflow's flows/actions/*.go): what it references (checked by
 * `lotse validate` before anything runs), which texts it needs in every
 * language, and how it behaves when entered or when a button of its own is
 * pressed.
 */
import type { CompiledContent } from '../../content/served.js';
import type { Step } from '../../content/schema.js';
import type { Effect } from '../effects.js';
import type { Button, OutMessage } from '../messages.js';
import type { Position, Session } from '../session.js';
import { latinDigits } from '../../util/digits.js';

export interface Reference {
  kind: 'topic' | 'target' | 'episode' | 'need';
  id: string;
  /** Path inside the step, for the line number of a validation error. */
  at: (string | number)[];
}

export interface TextNeed {
  /** Path under content/<lang>/flows.yaml -> flow -> step. */
  key: string[];
  required: boolean;
}

export type FlowPosition = Extract<Position, { flow: string }>;

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
  topicTitle(topicId: string): string;
  /** Standard navigation buttons: Back (when there is history), Menu, Talk to a person. */
  nav(opts?: { back?: boolean; menu?: boolean; human?: boolean }): Button[];
}

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

export interface StepType<S extends Step = Step> {
  references(step: S): Reference[];
  texts(step: S): TextNeed[];
  enter(ctx: StepCtx, step: S, pos: FlowPosition): StepOutput;
  /** A button payload meant for this step (e.g. "wt:next"); undefined when not its own. */
  onButton?(ctx: StepCtx, step: S, pos: FlowPosition, payload: string): StepOutput | undefined;
  /** Typed text this step understands itself (a number or an option label); undefined otherwise. */
  onText?(ctx: StepCtx, step: S, pos: FlowPosition, text: string): StepOutput | undefined;
}

/** Payload helpers shared by engine and steps, so that channels only ever echo them. */
export const payload = {
  topic: (id: string) => `t:${id}`,
  goto: (target: string) => `g:${target}`,
  nav: (what: 'menu' | 'back' | 'language' | 'human' | 'next' | 'prev' | 'cancel') => `n:${what}`,
  lang: (code: string) => `l:${code}`,
  /** Answers to "Are you safe right now?". */
  safe: (answer: 'yes' | 'no') => `sc:${answer}`,
  /** Play an episode's recording in another language (Pashto speakers: Dari/Farsi or Arabic). */
  episodeIn: (episode: string, lang: string) => `au:${episode}:${lang}`,
};

/** Texts people type to pick the n-th button: "1", "١", "۱". */
export function choiceNumber(text: string): number | undefined {
  const t = latinDigits(text.trim());
  return /^\d{1,2}$/.test(t) ? Number(t) : undefined;
}
