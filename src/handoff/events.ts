/**
 * Live updates for the caseworker console. In one process an EventEmitter
 * carries them; the console also catches up from the store by sequence
 * number on every (re)connect, so nothing depends on this bus alone. A
 * deployment with several instances swaps in a Redis pub/sub implementation
 * of the same interface.
 */
import { EventEmitter } from 'node:events';
import type { Handoff, HandoffMessage } from '../store/handoffs.js';

export type ConsoleEvent =
  | { type: 'queue' }
  | { type: 'new'; handoffId: string; lang: string; priority: number }
  | { type: 'message'; handoffId: string; message: HandoffMessage }
  | { type: 'alert'; handoffId: string; message: HandoffMessage };

export interface HandoffEvents {
  queueChanged(): void;
  newHandoff(h: Handoff): void;
  message(h: Handoff, m: HandoffMessage): void;
  alert(h: Handoff, m: HandoffMessage): void;
  subscribe(fn: (e: ConsoleEvent) => void): () => void;
}

export class LocalHandoffEvents implements HandoffEvents {
  private readonly em = new EventEmitter().setMaxListeners(0);
  queueChanged(): void {
    this.em.emit('e', { type: 'queue' } satisfies ConsoleEvent);
  }
  newHandoff(h: Handoff): void {
    this.em.emit('e', { type: 'new', handoffId: h.id, lang: h.lang, priority: h.priority } satisfies ConsoleEvent);
  }
  message(h: Handoff, m: HandoffMessage): void {
    this.em.emit('e', { type: 'message', handoffId: h.id, message: m } satisfies ConsoleEvent);
  }
  alert(h: Handoff, m: HandoffMessage): void {
    this.em.emit('e', { type: 'alert', handoffId: h.id, message: m } satisfies ConsoleEvent);
  }
  subscribe(fn: (e: ConsoleEvent) => void): () => void {
    this.em.on('e', fn);
    return () => this.em.off('e', fn);
  }
}
