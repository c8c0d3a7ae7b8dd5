import type { Step } from '../../content/schema.js';
import type { StepType } from './types.js';
import { payload } from '../payload.js';

type MessageStep = Extract<Step, { type: 'message' }>;

/**
 * `message`: says something (a topic's answer or its own text), then offers
 * to continue to `next` if given.
 *
 * Example (flows/hearing.yaml):
 *   - id: welcome
 *     type: message
 *     topic: hearing.what-is-it     # or omit and write `text` in content/<lang>/flows.yaml
 *     next: "hearing#walkthrough"
 */
export const messageStep: StepType<MessageStep> = {
  references: (s) => [
    ...(s.topic ? [{ kind: 'topic' as const, id: s.topic, at: ['topic'] }] : []),
    ...(s.next ? [{ kind: 'target' as const, id: s.next, at: ['next'] }] : []),
  ],
  texts: (s) => [{ key: ['text'], required: !s.topic }],
  enter(ctx, s, pos) {
    const msgs = s.topic ? ctx.topicMessages(s.topic) : [{ kind: 'text' as const, text: ctx.stepText(pos, 'text') ?? '' }];
    const buttons = [...(s.next ? [{ label: ctx.t('buttons.next'), payload: payload.goto(s.next) }] : []), ...ctx.nav()];
    const last = msgs[msgs.length - 1]!;
    last.buttons = [...(last.buttons ?? []), ...buttons];
    return { messages: msgs };
  },
};
