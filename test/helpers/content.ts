import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadContentFromDir } from '../../src/content/manager.js';
import type { CompiledContent } from '../../src/content/served.js';
import { type EngineEnv, runEngine } from '../../src/engine/engine.js';
import type { InEvent, Reply } from '../../src/engine/messages.js';
import { newSession, type Session } from '../../src/engine/session.js';
import type { Effect } from '../../src/engine/effects.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const miniRoot = path.join(repoRoot, 'test', 'fixtures', 'mini');

const cache = new Map<string, CompiledContent>();
export function content(root = miniRoot): CompiledContent {
  let c = cache.get(root);
  if (!c) cache.set(root, (c = loadContentFromDir(root)));
  return c;
}

/** Drives the pure engine like a person would, keeping the session between turns. */
export class Conversation {
  session: Session = newSession();
  last!: Reply;
  effects: Effect[] = [];
  now = Date.UTC(2026, 10, 24, 10);
  /** What the runtime would tell the engine (e.g. officeOpen: false at night). */
  env: Partial<EngineEnv> = {};
  constructor(readonly c: CompiledContent) {}

  send(event: InEvent): Reply {
    const out = runEngine(this.c, this.session, event, { ...this.env, now: this.now });
    this.session = out.session;
    this.last = out.reply;
    this.effects = out.effects;
    return out.reply;
  }
  start(langHint?: string) {
    return this.send({ kind: 'start', langHint });
  }
  say(text: string) {
    return this.send({ kind: 'text', text });
  }
  press(labelOrPayload: string) {
    const b = this.buttons().find((x) => x.label === labelOrPayload || x.payload === labelOrPayload);
    if (!b)
      throw new Error(
        `no button "${labelOrPayload}" among: ${this.buttons()
          .map((x) => x.label)
          .join(' | ')}`,
      );
    return this.send({ kind: 'button', payload: b.payload });
  }
  buttons() {
    return this.last.messages.flatMap((m) => m.buttons ?? []);
  }
  labels() {
    return this.buttons().map((b) => b.label);
  }
  texts() {
    return this.last.messages.flatMap((m) => (m.kind === 'text' ? [m.text] : []));
  }
  text() {
    return this.texts().join('\n');
  }
}
