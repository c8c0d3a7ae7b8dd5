/**
 * Stored sessions are validated and migrated on read: an old version is
 * brought up to date, anything unusable becomes a fresh session with a log
 * line, never a crash.
 */
import { describe, expect, it } from 'vitest';
import { copySession, newSession, plainSession, readSession, SESSION_VERSION, sessionSchema } from '../../src/engine/session.js';
import { Runtime } from '../../src/runtime/runtime.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import { createLogger } from '../../src/util/logger.js';

const ref = { channel: 'webchat', conversationId: 'c1' };

async function runtimeOver(rowState: string) {
  const store = new SqliteStore(':memory:');
  await store.migrate();
  store.db.prepare('INSERT INTO sessions (channel, conversation_id, state, updated_at) VALUES (?, ?, ?, 0)').run(ref.channel, ref.conversationId, rowState);
  const lines: Record<string, unknown>[] = [];
  const log = createLogger('debug', {}, (l) => lines.push(JSON.parse(l)));
  const rt = new Runtime({ content: undefined as never, store, clock: { now: () => 0 }, log });
  return { rt, store, lines };
}

describe('reading a stored session', () => {
  it('keeps a valid current session as it is', () => {
    const s = {
      ...newSession(),
      lang: 'ar',
      pos: { flow: 'hearing', step: 'intro', page: 2 },
      history: [{ topic: 'hearing.documents' }],
      pending: { kind: 'feedback', topic: 'hearing.documents' },
      turns: 3,
    };
    expect(readSession(JSON.parse(JSON.stringify(s)))).toEqual({ session: s });
  });

  it('keeps the nonce of the last keyboard offered; a session saved without one is read as it was, a bad one starts afresh', () => {
    const s = { ...newSession(), lang: 'en', pending: { kind: 'delete-confirm' }, kb: 4 };
    expect(readSession(JSON.parse(JSON.stringify(s)))).toEqual({ session: s });
    const before = { ...newSession(), lang: 'en', pending: { kind: 'delete-confirm' } };
    expect(readSession(JSON.parse(JSON.stringify(before)))).toEqual({ session: before });
    expect(readSession({ ...newSession(), kb: -1 }).problem).toMatch(/kb/);
  });

  it('migrates a session saved before versions (no v) and fills what it lacks', () => {
    const r = readSession({ lang: 'fa', pos: { topic: 'hearing.documents' } });
    expect(r.problem).toBeUndefined();
    expect(r.session).toEqual({ v: SESSION_VERSION, lang: 'fa', pos: { topic: 'hearing.documents' }, history: [], unknownStreak: 0, turns: 0 });
  });

  it('starts afresh on an unknown version or a wrong shape, and says why', () => {
    for (const bad of [{ ...newSession(), v: 99 }, { ...newSession(), history: 'x' }, { ...newSession(), pending: { kind: 'nope' } }, [], 'text', 42, null]) {
      const r = readSession(bad);
      expect(r.session).toEqual(newSession());
      expect(r.problem).toBeTruthy();
    }
  });

  it('drops prototype keys instead of letting them through', () => {
    const raw = JSON.parse(
      '{"v":1,"history":[],"unknownStreak":0,"turns":0,"__proto__":{"lang":"ar","polluted":true},"constructor":{"prototype":{"polluted":true}}}',
    );
    const r = readSession(raw);
    expect(r.problem).toBeUndefined();
    expect(r.session).toEqual(newSession());
    expect(Object.getPrototypeOf(r.session)).toBe(Object.prototype);
    expect(Object.hasOwn(r.session, '__proto__')).toBe(false);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('a corrupt row in the store gives a fresh session and a log line, not an exception', async () => {
    const { rt, store, lines } = await runtimeOver('{not json');
    expect((await store.getSession(ref))?.state).toBeUndefined();
    expect(await rt.loadSession(ref)).toEqual(newSession());
    expect(lines).toContainEqual(expect.objectContaining({ level: 'warn', msg: 'stored session unusable: starting a fresh one', channel: 'webchat' }));
    await store.close();
  });

  it('an old row in the store is migrated on read, without a warning', async () => {
    const { rt, store, lines } = await runtimeOver('{"lang":"uk","turns":4}');
    expect(await rt.loadSession(ref)).toEqual({ v: SESSION_VERSION, lang: 'uk', history: [], unknownStreak: 0, turns: 4 });
    expect(lines.filter((l) => l.level === 'warn')).toEqual([]);
    await store.close();
  });

  it('the hand check of a stored session (issue 17.1) accepts only what zod accepts, and returns what zod returns', () => {
    const base = { ...newSession(), lang: 'en', turns: 7, unknownStreak: 1 };
    const samples: unknown[] = [
      base,
      { ...base, extra: 1, lastTopic: 't', welcomeTopic: 'w', kb: 3 },
      { ...base, pos: { step: 's', flow: 'f', page: 1, svc: 'x', cat: 'c', other: true } },
      { ...base, pos: { topic: 'a', flow: 'f' } },
      { ...base, pos: { topic: 'a', flow: 'f', step: 's' } },
      { ...base, pos: { flow: 'f', step: 's', page: 1.5, topic: 't' } },
      { ...base, pos: { flow: 'f', step: 's', page: '1' } },
      { ...base, pos: [] },
      { ...base, pos: null },
      { ...base, history: [{ topic: 'a' }, { flow: 'f', step: 's' }, { topic: 3 }] },
      { ...base, history: [{ topic: 'a' }, { flow: 'f', step: 's', cat: 'c' }] },
      { ...base, pending: { kind: 'disambiguation', options: ['a', 'b'], text: 'x', more: 1 } },
      { ...base, pending: { kind: 'disambiguation', options: ['a', 2], text: 'x' } },
      { ...base, pending: { kind: 'language', text: 'x', candidates: ['en'] } },
      { ...base, pending: { kind: 'safety-check', text: 'x' } },
      { ...base, pending: { kind: 'safety-check' } },
      { ...base, pending: { kind: 'feedback', topic: 't' } },
      { ...base, pending: { kind: 'person-offer', topic: 't' } },
      { ...base, pending: { kind: 'distress-offer' } },
      { ...base, pending: { kind: 'delete-confirm' } },
      { ...base, pending: { kind: 'other' } },
      { ...base, turns: -1 },
      { ...base, turns: 1.5 },
      { ...base, unknownStreak: '1' },
      { ...base, kb: 2.5 },
      { ...base, lang: 3 },
      { ...base, lang: undefined },
      { ...base, handoff: { id: 'h', x: 1 } },
      { ...base, handoff: { id: 1 } },
      { ...base, rating: { handoffId: 'h', nonce: 2 } },
      { ...base, rating: { handoffId: 'h', nonce: -2 } },
      {
        ...base,
        recent: [
          { who: 'person', text: 'hi', at: 1.5, z: 1 },
          { who: 'bot', text: 'hello', at: 2 },
        ],
      },
      { ...base, recent: [{ who: 'caseworker', text: 'hi', at: 1 }] },
      { ...base, recent: [{ who: 'bot', text: 'hi' }] },
      { ...base, recent: {} },
      { ...base, v: 2 },
      { ...base, history: {} },
    ];
    let accepted = 0;
    for (const raw of samples) {
      const fast = plainSession(JSON.parse(JSON.stringify(raw)) as Record<string, unknown>);
      const slow = sessionSchema.safeParse(JSON.parse(JSON.stringify(raw)));
      if (fast === undefined) continue;
      accepted++;
      expect(slow.success, JSON.stringify(raw)).toBe(true);
      // The same keys in the same order (positions are compared by their JSON).
      expect(JSON.stringify(fast)).toBe(JSON.stringify(slow.data));
      expect(readSession(raw)).toEqual({ session: fast });
    }
    expect(accepted).toBeGreaterThan(15);
  });

  it('a session copy shares nothing with the original', () => {
    const s = { ...newSession(), pos: { topic: 'a' }, history: [{ topic: 'b' }], recent: [{ who: 'bot' as const, text: 'x', at: 1 }] };
    const c = copySession(s);
    expect(c).toEqual(s);
    c.history.push({ topic: 'c' });
    c.recent![0]!.text = 'y';
    (c.pos as { topic: string }).topic = 'z';
    expect(s).toEqual({ ...newSession(), pos: { topic: 'a' }, history: [{ topic: 'b' }], recent: [{ who: 'bot', text: 'x', at: 1 }] });
  });
});
