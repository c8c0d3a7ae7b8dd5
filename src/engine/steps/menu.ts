import type { Step } from '../../content/schema.js';
import { normalize } from '../../nlu/normalize.js';
import type { FlowPosition, StepCtx, StepOutput, StepType } from './types.js';
import { payload } from '../payload.js';
import { choiceNumber } from './types.js';

type MenuStep = Extract<Step, { type: 'menu' }>;

function label(ctx: StepCtx, _s: MenuStep, pos: FlowPosition, o: MenuStep['options'][number]): string {
  return ctx.stepText(pos, 'options', o.id) ?? (o.topic ? ctx.topicTitle(o.topic) : o.id);
}

function choose(o: MenuStep['options'][number]): StepOutput {
  return o.topic ? { messages: [], goto: `@topic:${o.topic}` } : { messages: [], goto: o.goto! };
}

/**
 * `menu`: a prompt and one button per option; an option shows a topic or
 * jumps to another flow or step. People may also type the option's number
 * or its label.
 *
 * Example (flows/main.yaml):
 *   - id: menu
 *     type: menu
 *     options:
 *       - { id: hearing, goto: hearing }          # label: main > menu > options > hearing
 *       - { id: human, topic: meta.human }        # label: the topic's title unless given
 */
export const menuStep: StepType<MenuStep> = {
  references: (s) =>
    s.options.map((o, i) =>
      o.topic ? { kind: 'topic' as const, id: o.topic, at: ['options', i, 'topic'] } : { kind: 'target' as const, id: o.goto!, at: ['options', i, 'goto'] },
    ),
  // Options that jump need a label; topic options default to the topic's title.
  texts: (s) => [{ key: ['text'], required: true }, ...s.options.filter((o) => o.goto).map((o) => ({ key: ['options', o.id], required: true }))],
  enter(ctx, s, pos) {
    const buttons = s.options.map((o) => ({ label: label(ctx, s, pos, o), payload: o.topic ? payload.topic(o.topic) : payload.goto(o.goto!) }));
    const isMain = pos.flow === 'main';
    const hasHuman = s.options.some((o) => o.topic === 'meta.human');
    // Every menu ends with a way back and a way to a person.
    const nav = ctx.nav({ back: !isMain, menu: !isMain, human: !hasHuman });
    return { messages: [{ kind: 'text', text: ctx.stepText(pos, 'text') ?? ctx.t('menu.text'), buttons: [...buttons, ...nav] }] };
  },
  onText(ctx, s, pos, text) {
    const n = choiceNumber(text);
    if (n !== undefined && n >= 1 && n <= s.options.length) return choose(s.options[n - 1]!);
    const norm = normalize(text);
    const hit = s.options.find((o) => normalize(label(ctx, s, pos, o)) === norm);
    return hit ? choose(hit) : undefined;
  },
};
