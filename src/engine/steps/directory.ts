import type { CompiledContent } from '../../content/served.js';
import type { Service, Step } from '../../content/schema.js';
import { normalize } from '../../nlu/normalize.js';
import type { OutMessage } from '../messages.js';
import { payload } from '../payload.js';
import type { FlowPosition, StepCtx, StepOutput, StepType } from './types.js';
import { choiceNumber } from './types.js';

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
  else if (s.hours?.length)
    lines.push(`${t('services.hours')}: ${s.hours.map((h) => `${h.days.map((d) => dayOrder.indexOf(d) + 1).join(',')} ${h.from}–${h.to}`).join('; ')}`);
  // Phone numbers are wrapped in LTR isolation so that RTL text does not reorder their digits.
  if (s.contact.phone) lines.push(`${t('services.phone')}: \u2066${s.contact.phone}\u2069`);
  if (s.address) lines.push(`${t('services.address')}: \u2066${s.address}\u2069`);
  if (s.contact.url) lines.push(`[${s.contact.url.replace(/^https?:\/\/(www\.)?/, '')}](${s.contact.url})`);
  return lines.join('\n');
}

/** The categories of the step's need, with their labels, in button order. */
function categoryChoices(ctx: StepCtx, s: DirectoryStep): { cat: string; label: string }[] {
  const need = ctx.c.pack.needs.find((n) => n.id === s.need);
  const labels = ctx.c.pack.serviceTexts[ctx.lang];
  return (need?.categories ?? []).map((cat) => ({ cat, label: labels?.categories[cat] ?? cat }));
}

/** The services of a category, with their button labels, in button order. */
function serviceChoices(ctx: StepCtx, cat: string): { id: string; name: string; label: string }[] {
  return Object.values(ctx.c.pack.services)
    .filter((x) => x.category === cat)
    .map((x) => ({ id: x.id, name: x.name, label: x.example ? `${x.name} (${ctx.t('services.example').split(/[:.]/)[0]})` : x.name }));
}

function categories(ctx: StepCtx, s: DirectoryStep, pos: FlowPosition): StepOutput {
  const labels = ctx.c.pack.serviceTexts[ctx.lang];
  const buttons = categoryChoices(ctx, s).map((c) => ({ label: c.label, payload: payload.dirCategory(c.cat) }));
  return {
    messages: [{ kind: 'text', text: ctx.stepText(pos, 'text') ?? labels?.needs[s.need] ?? '', buttons: [...buttons, ...ctx.nav()] }],
    pos: { flow: pos.flow, step: pos.step },
  };
}

function list(ctx: StepCtx, pos: FlowPosition, cat: string): StepOutput {
  const services = serviceChoices(ctx, cat);
  const label = ctx.c.pack.serviceTexts[ctx.lang]?.categories[cat] ?? cat;
  const nav = [{ label: ctx.t('buttons.back'), payload: payload.dirUp() }, ...ctx.nav({ back: false })];
  if (!services.length)
    return { messages: [{ kind: 'text', text: `**${label}**\n${ctx.t('services.none')}`, buttons: nav }], pos: { flow: pos.flow, step: pos.step, cat } };
  const buttons = services.map((x) => ({ label: x.label, payload: payload.dirService(x.id) }));
  return { messages: [{ kind: 'text', text: `**${label}**`, buttons: [...buttons, ...nav] }], pos: { flow: pos.flow, step: pos.step, cat } };
}

function details(ctx: StepCtx, pos: FlowPosition, id: string): StepOutput | undefined {
  const s = ctx.c.pack.services[id];
  if (!s) return undefined;
  const msgs: OutMessage[] = [
    {
      kind: 'text',
      text: serviceDetails(ctx.c, ctx.lang, s),
      buttons: [{ label: ctx.t('buttons.back'), payload: payload.dirUp() }, ...ctx.nav({ back: false })],
    },
  ];
  return { messages: msgs, pos: { flow: pos.flow, step: pos.step, cat: s.category, svc: id } };
}

/** The level above: details -> the category's list, a list -> the categories. */
function up(ctx: StepCtx, s: DirectoryStep, pos: FlowPosition): StepOutput {
  return pos.svc ? list(ctx, pos, pos.cat!) : categories(ctx, s, pos);
}

/**
 * `directory`: a service pathway. need -> category -> matching services ->
 * one service's details (how to get there, cost, languages, opening hours),
 * always ending with a way to a person. Unverified entries carry a visible
 * "example entry" label. Usable by typing too (SMS): the number or the name
 * of a listed category or service chooses it, "back" goes up a level.
 *
 * Example (flows/services.yaml):
 *   - { id: health, type: directory, need: health }
 *   # content/services.yaml: needs: [{ id: health, categories: [emergency, health, mental-health] }]
 */
export const directoryStep: StepType<DirectoryStep> = {
  references: (s) => [{ kind: 'need', id: s.need, at: ['need'] }],
  texts: () => [{ key: ['text'], required: false }],
  enter(ctx, s, pos) {
    if (pos.svc) return details(ctx, pos, pos.svc) ?? categories(ctx, s, pos);
    if (pos.cat) return list(ctx, pos, pos.cat);
    return categories(ctx, s, pos);
  },
  onButton(ctx, s, pos, p) {
    if (p.kind === 'dirCategory') return list(ctx, pos, p.cat);
    if (p.kind === 'dirService') return details(ctx, pos, p.id);
    if (p.kind === 'dirUp') return up(ctx, s, pos);
    return undefined;
  },
  onText(ctx, s, pos, text) {
    if (pos.svc) return undefined;
    const n = choiceNumber(text);
    const norm = normalize(text);
    const pick = <T>(choices: T[], names: (c: T) => string[]): T | undefined =>
      n !== undefined ? (n >= 1 ? choices[n - 1] : undefined) : norm ? choices.find((c) => names(c).some((x) => normalize(x) === norm)) : undefined;
    if (pos.cat) {
      const svc = pick(serviceChoices(ctx, pos.cat), (x) => [x.name, x.label]);
      return svc && details(ctx, pos, svc.id);
    }
    const cat = pick(categoryChoices(ctx, s), (c) => [c.label, c.cat]);
    return cat && list(ctx, pos, cat.cat);
  },
  // "back" typed inside the directory is its own Back button: a level up (at the top: the engine's back).
  onCommand: (ctx, s, pos, cmd) => (cmd === 'back' && (pos.cat || pos.svc) ? up(ctx, s, pos) : undefined),
};
