import type { Step } from '../../content/schema.js';
import type { StepType } from './types.js';

type GotoStep = Extract<Step, { type: 'goto' }>;

/**
 * `goto`: jumps to another flow or step without saying anything; lets flows
 * share steps.
 *
 * Example:
 *   - { id: to-legal, type: goto, target: "services#legal" }
 */
export const gotoStep: StepType<GotoStep> = {
  references: (s) => [{ kind: 'target', id: s.target, at: ['target'] }],
  texts: () => [],
  enter: (_ctx, s) => ({ messages: [], goto: s.target }),
};
