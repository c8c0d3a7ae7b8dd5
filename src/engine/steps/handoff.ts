import type { Step } from '../../content/schema.js';
import { handoffRequest } from '../actions/handoff.js';
import type { StepType } from './types.js';

type HandoffStep = Extract<Step, { type: 'handoff' }>;

/**
 * `handoff`: hands the conversation to a person (caseworker). The engine
 * only asks for it (effect `handoff`); the handoff module queues it and
 * tells the person what happens next.
 *
 * Example (flows/human.yaml):
 *   - { id: handoff, type: handoff, reason: asked }
 *   # content/<lang>/flows.yaml: human: handoff: { text: "I will connect you with a person." }
 */
export const handoffStep: StepType<HandoffStep> = {
  references: () => [],
  texts: () => [{ key: ['text'], required: false }],
  enter(ctx, s, pos) {
    const r = handoffRequest({
      intro: ctx.stepText(pos, 'text'),
      text: ctx.t('handoff.intro'),
      // With the handoff module its answer (with Cancel) follows at once: a Menu-only card in between was noise.
      nav: ctx.handoffModule ? [] : ctx.nav({ back: false, human: false }),
      reason: s.reason,
      priority: 'normal',
      lang: ctx.lang,
      topic: ctx.session.lastTopic,
    });
    return { messages: [r.message], effects: [r.effect] };
  },
};
