/**
 * Golden files, one per registered step type (test/engine/golden/<type>.yaml),
 * like goflow's action tests: a step of that type in the fixture pack
 * (test/fixtures/mini), its `references()` and `texts()`, and events in with
 * what the person sees after each (text, buttons as "label | payload", effects,
 * the position afterwards). A step type without a golden file fails here.
 *
 * The `in` events are written by hand; after a deliberate change of what a
 * step says, `UPDATE_GOLDEN=1 npx vitest run test/engine/golden.test.ts`
 * rewrites the expected parts of existing files (review the diff). It never
 * creates a file.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import type { Effect } from '../../src/engine/effects.js';
import type { InEvent, OutMessage } from '../../src/engine/messages.js';
import type { Command } from '../../src/engine/payload.js';
import type { Position } from '../../src/engine/session.js';
import { stepType, stepTypeNames } from '../../src/engine/steps/index.js';
import { content, Conversation } from '../helpers/content.js';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'golden');
const update = process.env.UPDATE_GOLDEN === '1';

type EventIn = { button: string } | { text: string } | { command: Command };
interface Out {
  messages: unknown[];
  effects?: Effect[];
  pos?: Position;
}

function toEvent(e: EventIn): InEvent {
  if ('button' in e) return { kind: 'button', payload: e.button };
  if ('text' in e) return { kind: 'text', text: e.text };
  return { kind: 'command', command: e.command };
}

/** What a person sees, compactly: text (or the audio), buttons as "label | payload". */
function render(m: OutMessage): unknown {
  const buttons = m.buttons?.map((b) => `${b.label} | ${b.payload}`);
  const body =
    m.kind === 'text'
      ? { text: m.text }
      : m.kind === 'audio'
        ? { audio: `${m.episodeId} (${m.lang}) ${m.url}`, transcript: m.transcriptUrl }
        : { links: m.links.map((l) => `${l.label} | ${l.url}`) };
  return { ...body, ...(buttons?.length ? { buttons } : {}) };
}

function run(events: EventIn[]): Out[] {
  const conv = new Conversation(content());
  conv.start();
  conv.press('English');
  return events.map((e) => {
    const reply = conv.send(toEvent(e));
    return {
      messages: reply.messages.map(render),
      ...(conv.effects.length ? { effects: conv.effects } : {}),
      ...(conv.session.pos ? { pos: conv.session.pos } : {}),
    };
  });
}

/** JSON round trip: drops undefined fields as YAML does. */
const plain = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

describe('every registered step type has a golden file', () => {
  it('no type is missing one, and no golden names an unknown type', () => {
    const files = fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.yaml'))
      .map((f) => f.slice(0, -5));
    const missing = stepTypeNames.filter((t) => !files.includes(t));
    expect(missing, `write test/engine/golden/<type>.yaml for: ${missing.join(', ')}`).toEqual([]);
    expect(files.filter((f) => !(stepTypeNames as string[]).includes(f))).toEqual([]);
  });

  for (const type of stepTypeNames) {
    it(type, () => {
      const file = path.join(dir, `${type}.yaml`);
      expect(fs.existsSync(file), `no golden file for step type "${type}": write ${path.relative(process.cwd(), file)}`).toBe(true);
      const doc = YAML.parseDocument(fs.readFileSync(file, 'utf8'));
      const g = doc.toJS() as { step: string; references?: unknown; texts?: unknown; events: { in: EventIn; out?: Out }[] };
      const [flowId, stepId] = g.step.split('#') as [string, string];
      const step = content().pack.flows[flowId]?.steps.find((s) => s.id === stepId);
      expect(step, `${g.step} is not a step of the fixture pack`).toBeDefined();
      expect(step!.type, `${g.step} must be a ${type} step`).toBe(type);
      expect(g.events.length, 'a golden file needs at least one event').toBeGreaterThan(0);
      const references = plain(stepType(step!).references(step!));
      const texts = plain(stepType(step!).texts(step!));
      const outs = plain(run(g.events.map((e) => e.in)));
      if (update) {
        doc.set('references', references);
        doc.set('texts', texts);
        outs.forEach((o, i) => doc.setIn(['events', i, 'out'], o));
        fs.writeFileSync(file, doc.toString({ lineWidth: 0 }));
        return;
      }
      expect(g.references, 'references()').toEqual(references);
      expect(g.texts, 'texts()').toEqual(texts);
      g.events.forEach((e, i) => expect(outs[i], `after event ${i + 1}: ${JSON.stringify(e.in)}`).toEqual(e.out));
    });
  }
});
