/** The registry of step types: one file each. */
import type { Step } from '../../content/schema.js';
import { audioStep } from './audio.js';
import { directoryStep } from './directory.js';
import { gotoStep } from './goto.js';
import { handoffStep } from './handoff.js';
import { menuStep } from './menu.js';
import { messageStep } from './message.js';
import { questionStep } from './question.js';
import type { StepType } from './types.js';
import { walkthroughStep } from './walkthrough.js';

export type { Reference, StepType, StepCtx, StepOutput, FlowPosition, StepCommand, TextNeed } from './types.js';

/** The schema type of one step type's steps, e.g. StepOf<'menu'> has `options`. */
export type StepOf<K extends Step['type']> = Extract<Step, { type: K }>;

/** Every step type of the schema, each with its own step's type (a new one in the schema fails the typecheck here). */
export const stepTypes: { [K in Step['type']]: StepType<StepOf<K>> } = {
  message: messageStep,
  menu: menuStep,
  walkthrough: walkthroughStep,
  question: questionStep,
  audio: audioStep,
  handoff: handoffStep,
  goto: gotoStep,
  directory: directoryStep,
};

/** The registered type names, for tools and tests that go through all of them. */
export const stepTypeNames = Object.keys(stepTypes).filter((k): k is Step['type'] => Object.hasOwn(stepTypes, k));

/**
 * One type's handlers for any step: each handler checks that the step is of
 * its type (a type guard, no cast), so callers holding a plain `Step` can
 * dispatch. Steps of another type get nothing (enter: an error).
 */
function bind<K extends Step['type']>(type: K): StepType<Step> {
  const impl: StepType<StepOf<K>> = stepTypes[type];
  const own = (s: Step): s is StepOf<K> => s.type === type;
  return {
    references: (s) => (own(s) ? impl.references(s) : []),
    texts: (s) => (own(s) ? impl.texts(s) : []),
    enter(ctx, s, pos) {
      if (!own(s)) throw new Error(`step "${s.id}" is a ${s.type} step, not ${type}`);
      return impl.enter(ctx, s, pos);
    },
    onButton: (ctx, s, pos, p) => (own(s) ? impl.onButton?.(ctx, s, pos, p) : undefined),
    onText: (ctx, s, pos, text) => (own(s) ? impl.onText?.(ctx, s, pos, text) : undefined),
    onCommand: (ctx, s, pos, cmd) => (own(s) ? impl.onCommand?.(ctx, s, pos, cmd) : undefined),
  };
}

const bound: { [K in Step['type']]: StepType<Step> } = {
  message: bind('message'),
  menu: bind('menu'),
  walkthrough: bind('walkthrough'),
  question: bind('question'),
  audio: bind('audio'),
  handoff: bind('handoff'),
  goto: bind('goto'),
  directory: bind('directory'),
};

/**
 * The handlers of a step's own type: typed dispatch without casts.
 *
 * Example: stepType(step).enter(ctx, step, pos); stepType(step).references(step)
 */
export function stepType(step: Step): StepType<Step> {
  return bound[step.type];
}
