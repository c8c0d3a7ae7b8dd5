/**
 * Live updates for the caseworker console, carried by the cluster's bus (src/cluster): in one
 * process an EventEmitter, with REDIS_URL Redis pub/sub, so a caseworker whose console is open
 * on instance B sees what a person wrote through instance A. The console also catches up from
 * the store by sequence number on every (re)connect, so nothing depends on this bus alone.
 */
import { type Bus, LocalBus } from '../cluster/cluster.js';
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

/** The bus topic of console events. */
const TOPIC = 'console';

/** HandoffEvents on a bus (by default this process's own). */
export class LocalHandoffEvents implements HandoffEvents {
  constructor(private readonly bus: Bus = new LocalBus()) {}
  queueChanged(): void {
    this.bus.publish(TOPIC, { type: 'queue' } satisfies ConsoleEvent);
  }
  newHandoff(h: Handoff): void {
    this.bus.publish(TOPIC, { type: 'new', handoffId: h.id, lang: h.lang, priority: h.priority } satisfies ConsoleEvent);
  }
  message(h: Handoff, m: HandoffMessage): void {
    this.bus.publish(TOPIC, { type: 'message', handoffId: h.id, message: m } satisfies ConsoleEvent);
  }
  alert(h: Handoff, m: HandoffMessage): void {
    this.bus.publish(TOPIC, { type: 'alert', handoffId: h.id, message: m } satisfies ConsoleEvent);
  }
  status(h: Handoff, change: { status: Handoff['status']; caseworkerId?: string; by?: string; transferredFrom?: string }): void {
    this.bus.publish(TOPIC, { type: 'status', handoffId: h.id, ...change } satisfies ConsoleEvent);
  }
  paged(h: Handoff, by: { id: string; name: string }): void {
    this.bus.publish(TOPIC, { type: 'paged', handoffId: h.id, lang: h.lang, priority: h.priority, by: by.id, byName: by.name } satisfies ConsoleEvent);
  }
  typing(h: Handoff): void {
    this.bus.publish(TOPIC, { type: 'typing', handoffId: h.id, who: 'person' } satisfies ConsoleEvent);
  }
  subscribe(fn: (e: ConsoleEvent) => void): () => void {
    return this.bus.subscribe(TOPIC, (e) => fn(e as ConsoleEvent));
  }
}
