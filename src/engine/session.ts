/**
 * Session state: everything the engine needs to continue a conversation.
 * Plain JSON, stored by the runtime; small on purpose (no transcript here).
 */

/** Where the person is: a step of a flow (with its inner state), or a topic answer. */
export type Position =
  | { flow: string; step: string; page?: number; cat?: string; svc?: string }
  | { topic: string };

export type Pending =
  | { kind: 'disambiguation'; options: string[]; text: string }
  | { kind: 'feedback'; topic: string }
  | { kind: 'delete-confirm' }
  | { kind: 'language'; text: string; candidates: string[] }
  | { kind: 'distress-offer' }
  /** The detector was unsure: "Are you safe right now?" was asked about `text`. */
  | { kind: 'safety-check'; text: string };

export interface Session {
  v: 1;
  /** Chosen language; undefined until the person has chosen one. */
  lang?: string;
  pos?: Position;
  /** Positions to go back to (most recent last), bounded. */
  history: Position[];
  pending?: Pending;
  /** "I don't know" answers in a row (three lead to a person). */
  unknownStreak: number;
  lastTopic?: string;
  /** A topic to show right after the language is chosen (embed's welcome topic). */
  welcomeTopic?: string;
  turns: number;
  /** Set while a person waits for or talks with a caseworker (managed by src/handoff, not the engine). */
  handoff?: { id: string };
  /**
   * The last few exchanges, so that a caseworker who takes over sees the
   * conversation so far. Kept by the runtime, bounded, deleted with the session.
   */
  recent?: { who: 'person' | 'bot'; text: string; at: number }[];
}

export const RECENT_LIMIT = 30;

export const HISTORY_LIMIT = 20;

export function newSession(): Session {
  return { v: 1, history: [], unknownStreak: 0, turns: 0 };
}

export function samePosition(a: Position | undefined, b: Position | undefined): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
