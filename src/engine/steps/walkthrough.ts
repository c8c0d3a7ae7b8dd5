import type { Step } from '../../content/schema.js';
import type { OutMessage } from '../messages.js';
import type { FlowPosition, StepCtx, StepOutput, StepType } from './types.js';
import { payload } from '../payload.js';

type WalkthroughStep = Extract<Step, { type: 'walkthrough' }>;

function page(ctx: StepCtx, s: WalkthroughStep, pos: FlowPosition, n: number): StepOutput {
  const p = s.pages[n]!;
  const head = ctx.t('walkthrough.page', { n: n + 1, total: s.pages.length });
  const intro = n === 0 ? ctx.stepText(pos, 'text') : undefined;
  const body: OutMessage[] = p.topic
    ? ctx.topicMessages(p.topic).map((m) => ({ ...m, buttons: undefined }))
    : [{ kind: 'text', text: ctx.stepText(pos, 'pages', p.id) ?? '' }];
  const first = body[0];
  if (first && first.kind === 'text') first.text = `**${head}**${intro ? `\n${intro}` : ''}\n\n${first.text}`;
  else body.unshift({ kind: 'text', text: `**${head}**` });
  const buttons = [
    { label: ctx.t('buttons.next'), payload: payload.page('next') },
    { label: ctx.t('buttons.back'), payload: payload.page('prev') },
    ...ctx.nav({ back: false }),
  ];
  const last = body[body.length - 1]!;
  last.buttons = buttons;
  return { messages: body, pos: { ...pos, page: n } };
}

function move(ctx: StepCtx, s: WalkthroughStep, pos: FlowPosition, delta: 1 | -1): StepOutput {
  const n = (pos.page ?? 0) + delta;
  if (n < 0) return { messages: [], back: true };
  if (n >= s.pages.length) return s.end ? { messages: [], goto: s.end } : { messages: [], goto: 'main' };
  return page(ctx, s, pos, n);
}

/**
 * `walkthrough`: pages one after another with Next and Back ("Step 2 of 8").
 * A page shows a topic's answer or its own text. After the last page it goes
 * to `end`. "next" and "back" typed in any served language turn the page.
 *
 * Example (flows/hearing.yaml):
 *   - id: walkthrough
 *     type: walkthrough
 *     pages:
 *       - { id: what, topic: hearing.what-is-it }
 *       - { id: checklist }                 # text: hearing > walkthrough > pages > checklist
 *     end: "hearing#done"
 */
export const walkthroughStep: StepType<WalkthroughStep> = {
  references: (s) => [
    ...s.pages.flatMap((p, i) => (p.topic ? [{ kind: 'topic' as const, id: p.topic, at: ['pages', i, 'topic'] }] : [])),
    ...(s.end ? [{ kind: 'target' as const, id: s.end, at: ['end'] }] : []),
  ],
  texts: (s) => [{ key: ['text'], required: false }, ...s.pages.filter((p) => !p.topic).map((p) => ({ key: ['pages', p.id], required: true }))],
  enter: (ctx, s, pos) => page(ctx, s, pos, pos.page ?? 0),
  onButton: (ctx, s, pos, p) => (p.kind === 'page' ? move(ctx, s, pos, p.dir === 'next' ? 1 : -1) : undefined),
  // "next"/"back" typed in any served language (or n:next / n:prev): a page forward or back.
  onCommand: (ctx, s, pos, cmd) => move(ctx, s, pos, cmd === 'next' ? 1 : -1),
};
