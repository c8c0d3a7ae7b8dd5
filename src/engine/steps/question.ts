import type { Step } from '../../content/schema.js';
import { normalize } from '../../nlu/normalize.js';
import type { StepType } from './types.js';
import { payload } from '../payload.js';
import { choiceNumber } from './types.js';

type QuestionStep = Extract<Step, { type: 'question' }>;

/**
 * `question`: asks something with 2-6 answer buttons; each answer jumps to a
 * target. Typed numbers and labels work too.
 *
 * Example:
 *   - id: has-letter
 *     type: question
 *     choices:
 *       - { id: yes, goto: "hearing#invitation" }
 *       - { id: no, goto: "hearing#walkthrough" }
 *   # content/<lang>/flows.yaml: hearing: has-letter: { text: "...?", choices: { yes: "...", no: "..." } }
 */
export const questionStep: StepType<QuestionStep> = {
  references: (s) => s.choices.map((c, i) => ({ kind: 'target' as const, id: c.goto, at: ['choices', i, 'goto'] })),
  texts: (s) => [{ key: ['text'], required: true }, ...s.choices.map((c) => ({ key: ['choices', c.id], required: true }))],
  enter(ctx, s, pos) {
    const buttons = s.choices.map((c) => ({ label: ctx.stepText(pos, 'choices', c.id) ?? c.id, payload: payload.goto(c.goto) }));
    return { messages: [{ kind: 'text', text: ctx.stepText(pos, 'text') ?? '', buttons: [...buttons, ...ctx.nav()] }] };
  },
  onText(ctx, s, pos, text) {
    const n = choiceNumber(text);
    if (n !== undefined && n >= 1 && n <= s.choices.length) return { messages: [], goto: s.choices[n - 1]!.goto };
    const norm = normalize(text);
    const hit = s.choices.find((c) => normalize(ctx.stepText(pos, 'choices', c.id) ?? '') === norm);
    return hit ? { messages: [], goto: hit.goto } : undefined;
  },
};
