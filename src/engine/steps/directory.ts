/**
 * `directory`: a service pathway. need -> category -> matching services ->
 * one service's details (how to get there, cost, languages, opening hours),
 * always ending with a way to a person. Unverified entries carry a visible
 * "example entry" label.
 *
 * Example (flows/services.yaml):
 *   - { id: health, type: directory, need: health }
 *   # content/services.yaml: needs: [{ id: health, categories: [emergency, health, mental-health] }]
 */
import type { CompiledContent } from '../../content/served.js';
import type { Service, Step } from '../../content/schema.js';
import type { OutMessage } from '../messages.js';
import type { FlowPosition, StepCtx, StepOutput, StepType } from './types.js';

type DirectoryStep = Extract<Step, { type: 'directory' }>;

const dayOrder = ['mo', 'tu', 'we', 'th', 'fr', 'sa', 'su'] as const;

/** The details of one service as text, in the person's language. */
export function serviceDetails(c: CompiledContent, lang: string, s: Service): string {
  const t = (k: string) => c.t(lang, k);
  const txt = c.pack.serviceTexts[lang]?.services[s.id];
  const lines: string[] = [];
  if (s.example) lines.push(`⚠️ *${t('services.example')}*`);
  lines.push(`**${s.name}**`);
  if (txt?.description) lines.push(txt.description);
  if (txt?.howToGet) lines.push(txt.howToGet);
  lines.push(`${t(`services.cost.${s.cost}`)}`);
  const names = s.languages.map((l) => c.language(l)?.name ?? (l === 'interpreter' ? '🗣' : l));
  lines.push(`${t('services.languages')}: ${names.join(', ')}`);
  if (s.hours === '24/7') lines.push(`${t('services.hours')}: ${t('services.open24')}`);
  else if (s.hours?.length) lines.push(`${t('services.hours')}: ${s.hours.map((h) => `${h.days.map((d) => dayOrder.indexOf(d) + 1).join(',')} ${h.from}–${h.to}`).join('; ')}`);
  // Phone numbers are wrapped in LTR isolation so that RTL text does not reorder their digits.
  if (s.contact.phone) lines.push(`${t('services.phone')}: \u2066${s.contact.phone}\u2069`);
  if (s.address) lines.push(`${t('services.address')}: \u2066${s.address}\u2069`);
  if (s.contact.url) lines.push(`[${s.contact.url.replace(/^https?:\/\/(www\.)?/, '')}](${s.contact.url})`);
  return lines.join('\n');
}

function categories(ctx: StepCtx, s: DirectoryStep, pos: FlowPosition): StepOutput {
  const need = ctx.c.pack.needs.find((n) => n.id === s.need);
  const labels = ctx.c.pack.serviceTexts[ctx.lang];
  const buttons = (need?.categories ?? []).map((cat) => ({ label: labels?.categories[cat] ?? cat, payload: `dir:c:${cat}` }));
  return {
    messages: [{ kind: 'text', text: ctx.stepText(pos, 'text') ?? labels?.needs[s.need] ?? '', buttons: [...buttons, ...ctx.nav()] }],
    pos: { flow: pos.flow, step: pos.step },
  };
}

function list(ctx: StepCtx, pos: FlowPosition, cat: string): StepOutput {
  const services = Object.values(ctx.c.pack.services).filter((x) => x.category === cat);
  const label = ctx.c.pack.serviceTexts[ctx.lang]?.categories[cat] ?? cat;
  const nav = [{ label: ctx.t('buttons.back'), payload: 'dir:up' }, ...ctx.nav({ back: false })];
  if (!services.length) return { messages: [{ kind: 'text', text: `**${label}**\n${ctx.t('services.none')}`, buttons: nav }], pos: { flow: pos.flow, step: pos.step, cat } };
  const buttons = services.map((x) => ({ label: x.example ? `${x.name} (${ctx.t('services.example').split(/[:.]/)[0]})` : x.name, payload: `dir:s:${x.id}` }));
  return { messages: [{ kind: 'text', text: `**${label}**`, buttons: [...buttons, ...nav] }], pos: { flow: pos.flow, step: pos.step, cat } };
}

function details(ctx: StepCtx, pos: FlowPosition, id: string): StepOutput | undefined {
  const s = ctx.c.pack.services[id];
  if (!s) return undefined;
  const msgs: OutMessage[] = [{ kind: 'text', text: serviceDetails(ctx.c, ctx.lang, s), buttons: [{ label: ctx.t('buttons.back'), payload: 'dir:up' }, ...ctx.nav({ back: false })] }];
  return { messages: msgs, pos: { flow: pos.flow, step: pos.step, cat: s.category, svc: id } };
}

export const directoryStep: StepType<DirectoryStep> = {
  references: (s) => [{ kind: 'need', id: s.need, at: ['need'] }],
  texts: () => [{ key: ['text'], required: false }],
  enter(ctx, s, pos) {
    if (pos.svc) return details(ctx, pos, pos.svc) ?? categories(ctx, s, pos);
    if (pos.cat) return list(ctx, pos, pos.cat);
    return categories(ctx, s, pos);
  },
  onButton(ctx, s, pos, p) {
    if (p.startsWith('dir:c:')) return list(ctx, pos, p.slice(6));
    if (p.startsWith('dir:s:')) return details(ctx, pos, p.slice(6));
    if (p === 'dir:up') return pos.svc ? list(ctx, pos, pos.cat!) : categories(ctx, s, pos);
    return undefined;
  },
};
