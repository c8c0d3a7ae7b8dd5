/**
 * Stored sessions are validated and migrated on read: an old version is
 * brought up to date, anything unusable becomes a fresh session with a log
 * line, never a crash.
 */
import { describe, expect, it } from 'vitest';
import { newSession, readSession, SESSION_VERSION } from '../../src/engine/session.js';
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
});
