/**
 * Session state: everything the engine needs to continue a conversation.
 * Plain JSON, stored by the runtime; small on purpose (no transcript here).
 *
 * What comes back from the store is checked against `sessionSchema` and
 * brought to the current version by `readSession` before the engine sees
 * it: a row from an older version is migrated, one that is unreadable, of
 * an unknown version or of the wrong shape becomes a fresh session (the
 * caller logs why), never a crash in the middle of a conversation.
 */
import { z } from 'zod';

/** Where the person is: a step of a flow (with its inner state), or a topic answer. */
export type Position = { flow: string; step: string; page?: number; cat?: string; svc?: string } | { topic: string };

/**
 * A question the bot asked and waits for an answer to ("Did you mean ...?", "Was this helpful?",
 * "Delete everything?"): the next message is read as its answer first.
 */
export type Pending =
  | { kind: 'disambiguation'; options: string[]; text: string }
  | { kind: 'feedback'; topic: string }
  | { kind: 'delete-confirm' }
  | { kind: 'language'; text: string; candidates: string[] }
  | { kind: 'distress-offer' }
  /** The bot could not answer three times in a row: "Shall I connect you with a person?" (never a handoff unasked). */
  | { kind: 'person-offer' }
  /** The detector was unsure: "Are you safe right now?" was asked about `text`. */
  | { kind: 'safety-check'; text: string };

/** One conversation's state: the only thing the engine remembers between turns. Plain JSON; see the file comment for how stored ones are read. */
export interface Session {
  /** Stored-format version (SESSION_VERSION); older ones are migrated by `readSession`. */
  v: 1;
  /** Chosen language; undefined until the person has chosen one. */
  lang?: string;
  /** Where the person is now; undefined before the first menu. */
  pos?: Position;
  /** Positions to go back to (most recent last), bounded. */
  history: Position[];
  /** A question the bot asked and is waiting for the answer to. */
  pending?: Pending;
  /** "I don't know" answers in a row (the third asks whether the person wants to talk to a person). */
  unknownStreak: number;
  /** The last topic shown: a handoff passes it on, so that a caseworker who handles that topic gets it first. */
  lastTopic?: string;
  /** A topic to show right after the language is chosen (embed's welcome topic). */
  welcomeTopic?: string;
  /** Events handled so far in this conversation. */
  turns: number;
  /**
   * The nonce of the last keyboard offered with one (src/engine/payload.ts): the delete
   * confirmation, the distress consent, "Are you safe?", the language choice. A press counts only
   * with this nonce, once; anything older has expired. Absent in sessions saved before: 0.
   */
  kb?: number;
  /** Set while a person waits for or talks with a caseworker (managed by src/handoff, not the engine). */
  handoff?: { id: string };
  /**
   * "Was this help good?" was asked after handoff `handoffId` closed, with the keyboard of nonce
   * `nonce` (managed by src/handoff): one press of it counts, once.
   */
  rating?: { handoffId: string; nonce: number };
  /**
   * The last few exchanges, so that a caseworker who takes over sees the
   * conversation so far. Kept by the runtime, bounded, deleted with the session.
   */
  recent?: { who: 'person' | 'bot'; text: string; at: number }[];
}

/** How many entries `Session.recent` keeps for a caseworker who takes over: enough context, little stored text. */
export const RECENT_LIMIT = 30;

/** How many positions Back can return to; older ones are dropped so that a long conversation keeps a small session. */
export const HISTORY_LIMIT = 20;

/** A session for a person the bot has not met (or who deleted their data): no language, nowhere, no history. */
export function newSession(): Session {
  return { v: SESSION_VERSION, history: [], unknownStreak: 0, turns: 0 };
}

/** The version stored sessions carry in `v`. Raise it together with a new entry in `migrations` when the shape changes. */
export const SESSION_VERSION = 1;

const positionSchema = z.union([
  z.object({ flow: z.string(), step: z.string(), page: z.number().int().optional(), cat: z.string().optional(), svc: z.string().optional() }),
  z.object({ topic: z.string() }),
]);

const pendingSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('disambiguation'), options: z.array(z.string()), text: z.string() }),
  z.object({ kind: z.literal('feedback'), topic: z.string() }),
  z.object({ kind: z.literal('delete-confirm') }),
  z.object({ kind: z.literal('language'), text: z.string(), candidates: z.array(z.string()) }),
  z.object({ kind: z.literal('distress-offer') }),
  z.object({ kind: z.literal('person-offer') }),
  z.object({ kind: z.literal('safety-check'), text: z.string() }),
]);

/** The stored form of the current version. Unknown keys are dropped (also "__proto__" and the like). */
export const sessionSchema = z.object({
  v: z.literal(SESSION_VERSION),
  lang: z.string().optional(),
  pos: positionSchema.optional(),
  history: z.array(positionSchema),
  pending: pendingSchema.optional(),
  unknownStreak: z.number().int().nonnegative(),
  lastTopic: z.string().optional(),
  welcomeTopic: z.string().optional(),
  turns: z.number().int().nonnegative(),
  kb: z.number().int().nonnegative().optional(),
  handoff: z.object({ id: z.string() }).optional(),
  rating: z.object({ handoffId: z.string(), nonce: z.number().int().nonnegative() }).optional(),
  recent: z.array(z.object({ who: z.enum(['person', 'bot']), text: z.string(), at: z.number() })).optional(),
}) satisfies z.ZodType<Session>;

/**
 * Steps from each older stored version to the next. Version 0 is a session
 * saved before sessions carried `v`: the counters and history it may lack
 * start from zero.
 */
const migrations: Record<number, (old: Record<string, unknown>) => Record<string, unknown>> = {
  0: (old) => ({ history: [], unknownStreak: 0, turns: 0, ...old, v: 1 }),
};

/** A stored session as the engine needs it, or a fresh one with the reason it could not be used. */
export function readSession(stored: unknown): { session: Session; problem?: string } {
  if (!stored || typeof stored !== 'object' || Array.isArray(stored)) return { session: newSession(), problem: 'not a session object' };
  let raw = stored as Record<string, unknown>;
  let v = Object.hasOwn(raw, 'v') ? raw.v : 0;
  while (typeof v === 'number' && v < SESSION_VERSION && migrations[v]) {
    raw = migrations[v]!(raw);
    v = raw.v;
  }
  if (v !== SESSION_VERSION) return { session: newSession(), problem: `unknown session version ${JSON.stringify(v)?.slice(0, 20)}` };
  // Almost every stored session is one this code wrote: checked by hand first (no zod parse per turn,
  // issue 17.1); anything the hand check does not accept as it stands is zod's to judge and to report.
  const fast = plainSession(raw);
  if (fast) return { session: fast };
  const r = sessionSchema.safeParse(raw);
  if (!r.success)
    return {
      session: newSession(),
      problem: `invalid session: ${r.error.issues
        .map((i) => `${i.path.join('.') || '(root)'} ${i.message}`)
        .join('; ')
        .slice(0, 300)}`,
    };
  return { session: r.data };
}

type Obj = Record<string, unknown>;
const isObj = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x);
const isCount = (x: unknown): x is number => Number.isSafeInteger(x) && (x as number) >= 0;
const optStr = (o: Obj, k: string) => !Object.hasOwn(o, k) || typeof o[k] === 'string';
const strings = (x: unknown): x is string[] => Array.isArray(x) && x.every((e) => typeof e === 'string');

/** `positionSchema`'s output for `p`, or undefined when the hand check is not sure (zod decides then). */
function plainPosition(p: unknown): Position | undefined {
  if (!isObj(p)) return undefined;
  if (typeof p.flow === 'string' && typeof p.step === 'string') {
    if (!optStr(p, 'cat') || !optStr(p, 'svc') || (Object.hasOwn(p, 'page') && !Number.isSafeInteger(p.page))) return undefined;
    const out: Position = { flow: p.flow, step: p.step };
    if (Object.hasOwn(p, 'page')) out.page = p.page as number;
    if (Object.hasOwn(p, 'cat')) out.cat = p.cat as string;
    if (Object.hasOwn(p, 'svc')) out.svc = p.svc as string;
    return out;
  }
  if (Object.hasOwn(p, 'flow') || Object.hasOwn(p, 'step')) return undefined;
  return typeof p.topic === 'string' ? { topic: p.topic } : undefined;
}

/** `pendingSchema`'s output for `p`, or undefined when the hand check is not sure. */
function plainPending(p: unknown): Pending | undefined {
  if (!isObj(p)) return undefined;
  switch (p.kind) {
    case 'disambiguation':
      return strings(p.options) && typeof p.text === 'string' ? { kind: p.kind, options: [...p.options], text: p.text } : undefined;
    case 'feedback':
      return typeof p.topic === 'string' ? { kind: p.kind, topic: p.topic } : undefined;
    case 'language':
      return typeof p.text === 'string' && strings(p.candidates) ? { kind: p.kind, text: p.text, candidates: [...p.candidates] } : undefined;
    case 'safety-check':
      return typeof p.text === 'string' ? { kind: p.kind, text: p.text } : undefined;
    case 'delete-confirm':
    case 'distress-offer':
    case 'person-offer':
      return { kind: p.kind };
    default:
      return undefined;
  }
}

/**
 * What `sessionSchema.parse(raw)` returns (the same keys in the same order, unknown ones dropped),
 * for the sessions this code writes; undefined for anything else, which then goes to zod. It may
 * refuse what zod would accept (an absent-but-undefined key, say), never the other way round:
 * test/store/session.test.ts holds it against zod.
 */
export function plainSession(raw: Obj): Session | undefined {
  if (raw.v !== SESSION_VERSION || !Array.isArray(raw.history) || !isCount(raw.unknownStreak) || !isCount(raw.turns)) return undefined;
  const has = (k: string) => Object.hasOwn(raw, k);
  for (const k of ['lang', 'lastTopic', 'welcomeTopic']) if (!optStr(raw, k)) return undefined;
  // Keys in the schema's order (a position is compared by its JSON: samePosition).
  const ordered: Obj = { v: SESSION_VERSION };
  if (has('lang')) ordered.lang = raw.lang;
  if (has('pos')) {
    const pos = plainPosition(raw.pos);
    if (!pos) return undefined;
    ordered.pos = pos;
  }
  const history: Position[] = [];
  for (const h of raw.history) {
    const pos = plainPosition(h);
    if (!pos) return undefined;
    history.push(pos);
  }
  ordered.history = history;
  if (has('pending')) {
    const pending = plainPending(raw.pending);
    if (!pending) return undefined;
    ordered.pending = pending;
  }
  ordered.unknownStreak = raw.unknownStreak;
  if (has('lastTopic')) ordered.lastTopic = raw.lastTopic;
  if (has('welcomeTopic')) ordered.welcomeTopic = raw.welcomeTopic;
  ordered.turns = raw.turns;
  if (has('kb')) {
    if (!isCount(raw.kb)) return undefined;
    ordered.kb = raw.kb;
  }
  if (has('handoff')) {
    const h = raw.handoff;
    if (!isObj(h) || typeof h.id !== 'string') return undefined;
    ordered.handoff = { id: h.id };
  }
  if (has('rating')) {
    const r = raw.rating;
    if (!isObj(r) || typeof r.handoffId !== 'string' || !isCount(r.nonce)) return undefined;
    ordered.rating = { handoffId: r.handoffId, nonce: r.nonce };
  }
  if (has('recent')) {
    if (!Array.isArray(raw.recent)) return undefined;
    const recent: NonNullable<Session['recent']> = [];
    for (const e of raw.recent) {
      if (!isObj(e) || (e.who !== 'person' && e.who !== 'bot') || typeof e.text !== 'string' || !Number.isFinite(e.at)) return undefined;
      recent.push({ who: e.who, text: e.text, at: e.at as number });
    }
    ordered.recent = recent;
  }
  return ordered as unknown as Session;
}

/**
 * A deep copy of a session (plain JSON data: objects, arrays, strings, numbers, booleans).
 * What structuredClone did per turn, without its serialise-and-read-back of the whole session
 * (the 30 remembered exchanges included): that was a few per cent of a web chat message's CPU
 * (issue 17.1).
 */
export function copySession(s: Session): Session {
  return copyJson(s);
}

function copyJson<T>(v: T): T {
  if (typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) {
    const out = new Array(v.length);
    for (let i = 0; i < v.length; i++) out[i] = copyJson(v[i]);
    return out as T;
  }
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v)) out[k] = copyJson((v as Record<string, unknown>)[k]);
  return out as T;
}

/** Whether two positions are the same place (same step and inner state), so that moving there adds nothing to the history. */
export function samePosition(a: Position | undefined, b: Position | undefined): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
