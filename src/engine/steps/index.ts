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

export type { Reference, StepType, StepCtx, StepOutput, FlowPosition } from './types.js';

export const stepTypes: { [K in Step['type']]: StepType<Extract<Step, { type: K }>> } = {
  message: messageStep,
  menu: menuStep,
  walkthrough: walkthroughStep,
  question: questionStep,
  audio: audioStep,
  handoff: handoffStep,
  goto: gotoStep,
  directory: directoryStep,
};
