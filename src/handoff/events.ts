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
  | { type: 'alert'; handoffId: string; message: HandoffMessage }
  /**
   * A handoff changed hands or ended (taken, transferred, closed, cancelled): every open console
   * updates its view in place, also one that may no longer open it (a colleague took it). Only ids,
   * the status and staff names travel, nothing the person said.
   */
  | { type: 'status'; handoffId: string; status: Handoff['status']; caseworkerId?: string; by?: string; transferredFrom?: string }
  /** A caseworker asks colleagues who speak `lang` to take an (urgent) handoff; shown to staff with that language. */
  | { type: 'paged'; handoffId: string; lang: string; priority: number; by: string; byName: string }
  /** Someone in the conversation is typing (the person, where their channel says so). Not stored. */
  | { type: 'typing'; handoffId: string; who: 'person' };

export interface HandoffEvents {
  queueChanged(): void;
  newHandoff(h: Handoff): void;
  message(h: Handoff, m: HandoffMessage): void;
  alert(h: Handoff, m: HandoffMessage): void;
  status(h: Handoff, change: { status: Handoff['status']; caseworkerId?: string; by?: string; transferredFrom?: string }): void;
  paged(h: Handoff, by: { id: string; name: string }): void;
  typing(h: Handoff): void;
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
  status(h: Handoff, change: { status: Handoff['status']; caseworkerId?: string; by?: string; transferredFrom?: string }): void {
    this.em.emit('e', { type: 'status', handoffId: h.id, ...change } satisfies ConsoleEvent);
  }
  paged(h: Handoff, by: { id: string; name: string }): void {
    this.em.emit('e', { type: 'paged', handoffId: h.id, lang: h.lang, priority: h.priority, by: by.id, byName: by.name } satisfies ConsoleEvent);
  }
  typing(h: Handoff): void {
    this.em.emit('e', { type: 'typing', handoffId: h.id, who: 'person' } satisfies ConsoleEvent);
  }
  subscribe(fn: (e: ConsoleEvent) => void): () => void {
    this.em.on('e', fn);
    return () => this.em.off('e', fn);
  }
}
