/**
 * The inbox (src/store/inbox.ts) in a real SQLite file: stored once per key, pending in arrival
 * order, the turn's session and reply committed together, done items keep their key but not the
 * text, retention; and the runtime's side of "exactly-once effects": a turn run again for the
 * same stored message returns the committed reply without running the engine (the session moves
 * on once), and a message relayed to a caseworker under a source key is stored once.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ContentManager } from '../../src/content/manager.js';
import { Runtime } from '../../src/runtime/runtime.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import { createLogger } from '../../src/util/logger.js';
import { miniRoot } from '../helpers/content.js';

let dir: string;
let store: SqliteStore;
beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lotse-inbox-'));
  store = new SqliteStore(path.join(dir, 'lotse.sqlite'), () => 1000);
  await store.migrate();
});
afterEach(async () => {
  await store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const msg = (externalId: string, conversationId = 'conv-1', text = 'hello') => ({
  channel: 'webchat',
  externalId,
  conversationId,
  payload: { text },
  now: 1000,
});

describe('the inbox', () => {
  it('stores a message once: fresh, then pending while unfinished, then done', async () => {
    const inbox = store.inbox();
    const a = await inbox.accept(msg('m1'));
    expect(a.status).toBe('fresh');
    expect(a.item).toMatchObject({ key: 'webchat:m1', conversationId: 'conv-1', payload: { text: 'hello' }, attempts: 0, sent: 0, sending: 0 });
    const again = await inbox.accept(msg('m1', 'conv-1', 'a different body'));
    expect(again.status).toBe('pending');
    // The first copy's payload stays: a retried delivery does not replace what was stored.
    expect(again.item.payload).toEqual({ text: 'hello' });
    await inbox.markDone('webchat:m1', 2000);
    const done = await inbox.accept(msg('m1'));
    expect(done.status).toBe('done');
    // Done: the key stays, what the person wrote does not.
    expect(done.item.payload).toBeUndefined();
    expect(await inbox.committedReply('webchat:m1')).toBeUndefined();
  });

  it('two copies at once: exactly one is fresh', async () => {
    const inbox = store.inbox();
    const both = await Promise.all([inbox.accept(msg('m2')), inbox.accept(msg('m2'))]);
    expect(both.map((b) => b.status).sort()).toEqual(['fresh', 'pending']);
  });

  it('lists the unfinished messages of a channel in the order they came, and survives reopening the file', async () => {
    const inbox = store.inbox();
    for (const id of ['c', 'a', 'b']) await inbox.accept(msg(id));
    await inbox.accept({ ...msg('t1'), channel: 'telegram' });
    await inbox.markDone('webchat:a', 2000);
    await store.close();
    store = new SqliteStore(path.join(dir, 'lotse.sqlite'), () => 1000);
    await store.migrate();
    expect((await store.inbox().pending('webchat')).map((i) => i.externalId)).toEqual(['c', 'b']);
    expect((await store.inbox().pending('telegram')).map((i) => i.externalId)).toEqual(['t1']);
  });

  it('commits the session and the reply together; counts attempts and sent messages', async () => {
    const inbox = store.inbox();
    await inbox.accept(msg('m3'));
    expect(await inbox.attempt('webchat:m3')).toBe(1);
    expect(await inbox.attempt('webchat:m3')).toBe(2);
    expect(await inbox.attempt('webchat:nope')).toBe(0);
    const ref = { channel: 'webchat', conversationId: 'conv-1' };
    await inbox.commitTurn('webchat:m3', { ref, state: { v: 1, lang: 'en' }, updatedAt: 1500 }, { lang: 'en', dir: 'ltr', messages: [] });
    expect((await store.getSession(ref))?.state).toEqual({ v: 1, lang: 'en' });
    expect(await inbox.committedReply('webchat:m3')).toEqual({ lang: 'en', dir: 'ltr', messages: [] });
    await inbox.markSending('webchat:m3', 1);
    await inbox.markSent('webchat:m3', 1);
    await inbox.markSending('webchat:m3', 2);
    const [item] = await inbox.pending('webchat');
    expect(item).toMatchObject({ attempts: 2, sent: 1, sending: 2 });
    // Counts never go back (a late write of an earlier count changes nothing).
    await inbox.markSent('webchat:m3', 0);
    expect((await inbox.pending('webchat'))[0]!.sent).toBe(1);
  });

  it('retention deletes done keys after their time and unfinished messages given up; "delete my data" deletes the person\'s at once', async () => {
    const inbox = store.inbox();
    await inbox.accept(msg('old-done'));
    await inbox.markDone('webchat:old-done', 1000);
    await inbox.accept(msg('old-pending'));
    await inbox.accept({ ...msg('new'), now: 5000 });
    expect(await inbox.expire(1001, 1001)).toBe(2);
    expect((await inbox.pending('webchat')).map((i) => i.externalId)).toEqual(['new']);
    await inbox.accept(msg('other', 'conv-2', 'someone else'));
    const gone = await store.forgetPerson({ channel: 'webchat', conversationId: 'conv-1' });
    expect(gone.inbox).toBe(1);
    expect((await inbox.pending('webchat')).map((i) => i.externalId)).toEqual(['other']);
  });
});

describe('exactly-once turns', () => {
  it('a turn run again for the same stored message returns the committed reply and does not move the session on again', async () => {
    const log = createLogger('silent');
    const bot = new Runtime({ content: new ContentManager(miniRoot, log), store, clock: { now: () => 1000 }, log, config: { SESSION_TTL_DAYS: 30 } });
    const ref = { channel: 'webchat', conversationId: 'conv-9' };
    await bot.handle(ref, { kind: 'start' });
    await bot.handle(ref, { kind: 'button', payload: 'l:en' });
    const inbox = store.inbox();
    await inbox.accept(msg('menu', 'conv-9'));
    const first = await bot.handle(ref, { kind: 'command', command: 'menu' }, { key: 'webchat:menu' });
    const session = (await store.getSession(ref))?.state;
    expect(first.messages.length).toBeGreaterThan(0);
    // The process died before the reply was out: the same message runs again.
    const second = await bot.handle(ref, { kind: 'command', command: 'menu' }, { key: 'webchat:menu' });
    expect(second).toEqual(first);
    expect((await store.getSession(ref))?.state).toEqual(session);
    // Without a stored message, the same event is a new turn (the runtime does not guess).
    const third = await bot.handle(ref, { kind: 'command', command: 'back' });
    expect((await store.getSession(ref))?.state).not.toEqual(session);
    expect(third.messages.length).toBeGreaterThan(0);
  });

  it('a relayed message under a source key is stored once; without one, each is stored', async () => {
    const hs = await store.handoffs();
    await hs.insertHandoff({
      id: 'ho_1',
      ref: { channel: 'webchat', conversationId: 'conv-1' },
      lang: 'en',
      reason: 'asked',
      priority: 1,
      status: 'queued',
      createdAt: 1000,
      offHours: false,
      transcriptPurged: false,
    });
    const m = { handoffId: 'ho_1', author: 'person' as const, kind: 'message' as const, text: 'my letter', at: 1000 };
    const a = await hs.addMessage({ ...m, source: 'webchat:x#message' });
    const b = await hs.addMessage({ ...m, source: 'webchat:x#message' });
    expect(b.seq).toBe(a.seq);
    await hs.addMessage(m);
    await hs.addMessage(m);
    expect((await hs.messages('ho_1')).map((x) => x.text)).toEqual(['my letter', 'my letter', 'my letter']);
  });
});
