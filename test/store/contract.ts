/**
 * The store contract: what every `Store` (and each record interface it hands
 * out) must do, written once and run against each implementation
 * (contract-sqlite.test.ts, contract-postgres.test.ts). A backend gives a
 * fresh, empty database and opens stores on it; opening a second store on the
 * same database is a restart, or a second instance. Tests of one
 * implementation's own mechanics (SQLite's file modes and raw bytes) stay in
 * that implementation's test files.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { ContentManager } from '../../src/content/manager.js';
import { Runtime } from '../../src/runtime/runtime.js';
import { housekeep } from '../../src/server/main.js';
import type { Handoff } from '../../src/store/handoffs.js';
import { ROLES, type Staff } from '../../src/store/staff.js';
import type { Store } from '../../src/store/store.js';
import { ManualClock } from '../../src/util/clock.js';
import { sha256Hex } from '../../src/util/hash.js';
import { createLogger } from '../../src/util/logger.js';
import { miniRoot } from '../helpers/content.js';

/** One empty database of a backend. */
export interface TestDatabase {
  /** A store on the database (not migrated yet); a second call is another instance, or the same one after a restart. */
  open(now?: () => number): Store;
  /** Writes a session row as raw text (what a broken write or a hand edit leaves). */
  writeRawSession(ref: { channel: string; conversationId: string }, text: string): Promise<void>;
  /** How many rows a table holds, read with the backend's own SQL (to see what the interfaces do not show, like a text stored once). */
  countRows(table: string): Promise<number>;
  /** Closes what `open` opened and deletes the database. */
  dispose(): Promise<void>;
}

/** A store implementation under test. */
export interface StoreBackend {
  name: string;
  fresh(): Promise<TestDatabase>;
}

const DAY = 86_400_000;
const silent = createLogger('silent');

export const handoff = (id: string, over: Partial<Handoff> = {}): Handoff => ({
  id,
  ref: { channel: 'webchat', conversationId: `c-${id}` },
  lang: 'ar',
  reason: 'asked',
  priority: 1,
  status: 'queued',
  createdAt: 1000,
  offHours: false,
  transcriptPurged: false,
  ...over,
});

export const staffMember = (id: string, role: Staff['role'] = 'caseworker', over: Partial<Staff> = {}): Staff => ({
  id,
  email: `${id}@NGO.example`,
  name: `Name ${id}`,
  role,
  passwordHash: 'scrypt$x',
  languages: ['ar', 'en'],
  topics: [],
  active: true,
  mustChangePassword: false,
  createdAt: 1000,
  ...over,
});

/** Registers the contract's tests for one backend. */
export function storeContract(backend: StoreBackend): void {
  let db: TestDatabase | undefined;
  afterEach(async () => {
    await db?.dispose();
    db = undefined;
  });
  /** A fresh database and a migrated store on it. */
  async function fresh(now: () => number = () => 1000): Promise<Store> {
    db = await backend.fresh();
    const s = db.open(now);
    await s.migrate();
    return s;
  }
  /** Another store on the current database (a restart, or a second instance). */
  async function again(now: () => number = () => 1000): Promise<Store> {
    const s = db!.open(now);
    await s.migrate();
    return s;
  }

  describe(`Store contract: ${backend.name}`, () => {
    describe('migrations, sessions, feedback', () => {
      it('migrating twice, and from two instances at once, is harmless; ping answers', async () => {
        const s = await fresh();
        await s.migrate();
        const others = [db!.open(), db!.open()];
        await Promise.all(others.map((o) => o.migrate()));
        await Promise.all([s.handoffs(), others[0]!.handoffs(), others[1]!.staffAccounts(), s.snippets(), others[0]!.snippets()]);
        expect(await s.ping()).toBe(true);
        await s.close();
        await s.close(); // twice: harmless
        expect(await others[1]!.ping()).toBe(true);
      });

      it('keeps sessions across a reopen, expires old ones, deletes on request', async () => {
        const ref = { channel: 'webchat', conversationId: 'c1' };
        let s = await fresh();
        await s.putSession({ ref, state: { lang: 'ar' }, updatedAt: 1000 });
        await s.addFeedback({ ref, topic: 'hearing.documents', lang: 'ar', helpful: true, contentVersion: 'v1', at: 1000 });
        await s.close();
        s = await again();
        expect(await s.getSession(ref)).toEqual({ ref, state: { lang: 'ar' }, updatedAt: 1000 });
        expect(await s.listFeedback()).toEqual([{ ref, topic: 'hearing.documents', lang: 'ar', helpful: true, contentVersion: 'v1', at: 1000 }]);
        await s.putSession({ ref, state: { lang: 'fa' }, updatedAt: 1200 });
        expect((await s.getSession(ref))?.state).toEqual({ lang: 'fa' });
        await s.deleteConversationData(ref);
        expect(await s.getSession(ref)).toBeUndefined();
        expect(await s.listFeedback()).toHaveLength(0);
        await s.putSession({ ref, state: {}, updatedAt: 10 });
        await s.putSession({ ref: { channel: 'webchat', conversationId: 'new' }, state: {}, updatedAt: 900 });
        expect(await s.expireSessions(500)).toBe(1);
        await s.deleteSession({ channel: 'webchat', conversationId: 'new' });
        expect(await s.getSession({ channel: 'webchat', conversationId: 'new' })).toBeUndefined();
      });

      it('a stored session that is not JSON reads as no state; the runtime starts afresh', async () => {
        const s = await fresh();
        const ref = { channel: 'webchat', conversationId: 'broken' };
        await db!.writeRawSession(ref, '{not json');
        expect(await s.getSession(ref)).toEqual({ ref, state: undefined, updatedAt: 0 });
        // Retention of the remembered text leaves such a row alone instead of failing.
        expect(await s.forgetRecentText(Number.MAX_SAFE_INTEGER)).toBe(0);
      });

      it('lists feedback and unanswered questions newest first, with a limit', async () => {
        const s = await fresh();
        const ref = { channel: 'telegram', conversationId: 'p' };
        for (const at of [1, 2, 3]) {
          await s.addFeedback({ ref, topic: `t${at}`, lang: 'en', helpful: at !== 2, contentVersion: 'v', at });
          await s.addUnanswered({ ref, lang: 'uk', text: `q${at}`, contentVersion: 'v', at });
        }
        await s.addUnanswered({ lang: 'de', text: 'no conversation', contentVersion: 'v', at: 4 });
        expect((await s.listFeedback(2)).map((f) => [f.topic, f.helpful])).toEqual([
          ['t3', true],
          ['t2', false],
        ]);
        expect(await s.listUnanswered(2)).toEqual([
          { lang: 'de', text: 'no conversation', contentVersion: 'v', at: 4 },
          { lang: 'uk', text: 'q3', contentVersion: 'v', at: 3 },
        ]);
      });
    });

    describe('keyed records', () => {
      it('TTL, prefix listing and an atomic put-if-absent', async () => {
        let t = 0;
        const s = await fresh(() => t);
        expect(await s.kvPutIfAbsent('tg-update', '42', '1', 1000)).toBe(true);
        expect(await s.kvPutIfAbsent('tg-update', '42', '1', 1000)).toBe(false);
        t = 2000;
        expect(await s.kvGet('tg-update', '42')).toBeUndefined();
        expect(await s.kvPutIfAbsent('tg-update', '42', '2', 1000)).toBe(true);
        expect(await s.kvGet('tg-update', '42')).toBe('2');
        // Without a TTL a record never expires, and put-if-absent leaves it.
        expect(await s.kvPutIfAbsent('x', 'forever', 'a')).toBe(true);
        t = 10 ** 12;
        expect(await s.kvPutIfAbsent('x', 'forever', 'b')).toBe(false);
        expect(await s.kvGet('x', 'forever')).toBe('a');
        await s.kvPut('x', 'a:2', 'two');
        await s.kvPut('x', 'a:1', 'one');
        await s.kvPut('x', 'b:1', 'three');
        await s.kvPut('x', 'a_1', 'underscore is no wildcard');
        await s.kvPut('x', 'a:1', 'one again');
        expect(await s.kvList('x', 'a:')).toEqual([
          { key: 'a:1', value: 'one again' },
          { key: 'a:2', value: 'two' },
        ]);
        await s.kvDelete('x', 'a:1');
        expect(await s.kvGet('x', 'a:1')).toBeUndefined();
        expect((await s.kvList('x')).map((r) => r.key)).toEqual(['a:2', 'a_1', 'b:1', 'forever']);
      });

      it('the sweep deletes expired records and keeps live and unexpiring ones', async () => {
        let t = 0;
        const s = await fresh(() => t);
        for (let i = 0; i < 50; i++) await s.kvPut('tg:update', `bot:${i}`, '1', 1000);
        await s.kvPut('tg:update', 'bot:late', '1', 5000);
        await s.kvPut('tg:file', 'forever', 'FILEID');
        t = 2000;
        expect(await s.kvSweep()).toBe(50);
        expect(await s.kvSweep()).toBe(0);
        t = 0; // the rows are gone, not just hidden: a clock turned back does not bring them back
        expect((await s.kvList('tg:update')).map((r) => r.key)).toEqual(['bot:late']);
        expect(await s.kvGet('tg:file', 'forever')).toBe('FILEID');
      });
    });

    describe('retention', () => {
      it('deletes feedback and unanswered questions after RECORD_RETENTION_DAYS (default 30), newer ones stay', async () => {
        const clock = new ManualClock();
        const s = await fresh(() => clock.now());
        const ref = { channel: 'webchat', conversationId: 'c1' };
        const now = clock.now();
        for (const at of [now - 31 * DAY, now - 29 * DAY]) {
          await s.addFeedback({ ref, topic: 't', lang: 'en', helpful: true, contentVersion: 'v', at });
          await s.addUnanswered({ ref, lang: 'en', text: `question at ${at}`, contentVersion: 'v', at });
        }
        const config = loadConfig({ DATA_DIR: '/nonexistent', LOG_LEVEL: 'silent' });
        await housekeep(s, config, clock, silent);
        expect((await s.listFeedback()).map((f) => f.at)).toEqual([now - 29 * DAY]);
        expect((await s.listUnanswered()).map((u) => u.text)).toEqual([`question at ${now - 29 * DAY}`]);
        expect(await s.expireRecords(now)).toBe(2);
        expect(await s.listFeedback()).toEqual([]);
      });

      it('drops the remembered raw text of sessions idle longer than 7 days; the session stays', async () => {
        const clock = new ManualClock();
        const s = await fresh(() => clock.now());
        const now = clock.now();
        const old = { channel: 'telegram', conversationId: 'old' };
        const fresh2 = { channel: 'telegram', conversationId: 'fresh' };
        const state = (at: number) => ({ lang: 'en', recent: [{ who: 'person', text: 'my phone is 0660 1234567', at }] });
        await s.putSession({ ref: old, state: state(now - 8 * DAY), updatedAt: now - 8 * DAY });
        await s.putSession({ ref: fresh2, state: state(now - 6 * DAY), updatedAt: now - 6 * DAY });
        await s.putSession({ ref: { channel: 'telegram', conversationId: 'none' }, state: { lang: 'ar' }, updatedAt: now - 9 * DAY });
        await housekeep(s, loadConfig({ DATA_DIR: '/nonexistent', LOG_LEVEL: 'silent' }), clock, silent);
        expect((await s.getSession(old))?.state).toEqual({ lang: 'en' });
        expect((await s.getSession(fresh2))?.state).toEqual(state(now - 6 * DAY));
        expect(await s.forgetRecentText(now)).toBe(1); // only the fresh one still had text
      });
    });

    describe('inbox', () => {
      const msg = (externalId: string, conversationId = 'conv-1', text = 'hello') => ({
        channel: 'webchat',
        externalId,
        conversationId,
        payload: { text },
        now: 1000,
      });

      it('stores a message once: fresh, then pending while unfinished, then done', async () => {
        const inbox = (await fresh()).inbox();
        const a = await inbox.accept(msg('m1'));
        expect(a.status).toBe('fresh');
        expect(a.item).toEqual({
          key: 'webchat:m1',
          channel: 'webchat',
          externalId: 'm1',
          conversationId: 'conv-1',
          payload: { text: 'hello' },
          attempts: 0,
          sent: 0,
          sending: 0,
          receivedAt: 1000,
        });
        const again2 = await inbox.accept(msg('m1', 'conv-1', 'a different body'));
        expect(again2.status).toBe('pending');
        // The first copy's payload stays: a retried delivery does not replace what was stored.
        expect(again2.item.payload).toEqual({ text: 'hello' });
        await inbox.markDone('webchat:m1', 2000);
        const done = await inbox.accept(msg('m1'));
        expect(done.status).toBe('done');
        // Done: the key stays, what the person wrote does not.
        expect(done.item.payload).toBeUndefined();
        expect(await inbox.committedReply('webchat:m1')).toBeUndefined();
      });

      it('two copies at once: exactly one is fresh', async () => {
        const inbox = (await fresh()).inbox();
        const both = await Promise.all([inbox.accept(msg('m2')), inbox.accept(msg('m2'))]);
        expect(both.map((b) => b.status).sort()).toEqual(['fresh', 'pending']);
      });

      it('lists the unfinished messages of a channel in the order they came, and survives a restart', async () => {
        const s = await fresh();
        const inbox = s.inbox();
        for (const id of ['c', 'a', 'b']) await inbox.accept(msg(id));
        await inbox.accept({ ...msg('t1'), channel: 'telegram' });
        await inbox.markDone('webchat:a', 2000);
        await s.close();
        const s2 = await again();
        expect((await s2.inbox().pending('webchat')).map((i) => i.externalId)).toEqual(['c', 'b']);
        expect((await s2.inbox().pending('webchat', 1)).map((i) => i.externalId)).toEqual(['c']);
        expect((await s2.inbox().pending('telegram')).map((i) => i.externalId)).toEqual(['t1']);
      });

      it('a new message can be stored with its first attempt counted; `unfinished` reads the count without adding one', async () => {
        const inbox = (await fresh()).inbox();
        const a = await inbox.accept({ ...msg('m5'), attempt: true });
        expect(a).toMatchObject({ status: 'fresh', item: { attempts: 1 } });
        expect(await inbox.unfinished('webchat:m5')).toBe(1);
        expect(await inbox.unfinished('webchat:m5')).toBe(1);
        // A copy of a known message counts nothing.
        expect(await inbox.accept({ ...msg('m5'), attempt: true })).toMatchObject({ status: 'pending', item: { attempts: 1 } });
        expect(await inbox.attempt('webchat:m5')).toBe(2);
        expect(await inbox.unfinished('webchat:m5')).toBe(2);
        expect(await inbox.unfinished('webchat:nope')).toBe(0);
        await inbox.markDone('webchat:m5', 1200);
        expect(await inbox.unfinished('webchat:m5')).toBe(0);
      });

      it('commits the session and the reply together; counts attempts and sent messages', async () => {
        const s = await fresh();
        const inbox = s.inbox();
        await inbox.accept(msg('m3'));
        expect(await inbox.attempt('webchat:m3')).toBe(1);
        expect(await inbox.attempt('webchat:m3')).toBe(2);
        expect(await inbox.attempt('webchat:nope')).toBe(0);
        // Finished (by another instance, say): nothing to do, and nothing counted.
        await inbox.accept(msg('m4'));
        await inbox.markDone('webchat:m4', 1200);
        expect(await inbox.attempt('webchat:m4')).toBe(0);
        const ref = { channel: 'webchat', conversationId: 'conv-1' };
        await inbox.commitTurn('webchat:m3', { ref, state: { v: 1, lang: 'en' }, updatedAt: 1500 }, { lang: 'en', dir: 'ltr', messages: [] });
        expect((await s.getSession(ref))?.state).toEqual({ v: 1, lang: 'en' });
        expect(await inbox.committedReply('webchat:m3')).toEqual({ lang: 'en', dir: 'ltr', messages: [] });
        await inbox.markSending('webchat:m3', 1);
        await inbox.markSent('webchat:m3', 1);
        await inbox.markSending('webchat:m3', 2);
        const [item] = await inbox.pending('webchat');
        expect(item).toMatchObject({ attempts: 2, sent: 1, sending: 2 });
        // Counts never go back (a late write of an earlier count changes nothing).
        await inbox.markSent('webchat:m3', 0);
        await inbox.markSending('webchat:m3', 1);
        expect((await inbox.pending('webchat'))[0]).toMatchObject({ sent: 1, sending: 2 });
        // "Delete my data" during the turn: no session is saved, the reply still is.
        await inbox.commitTurn('webchat:m3', undefined, { gone: true });
        expect(await inbox.committedReply('webchat:m3')).toEqual({ gone: true });
      });

      it('retention deletes done keys after their time and unfinished messages given up; "delete my data" deletes the person\'s at once', async () => {
        const s = await fresh();
        const inbox = s.inbox();
        await inbox.accept(msg('old-done'));
        await inbox.markDone('webchat:old-done', 1000);
        await inbox.accept(msg('old-pending'));
        await inbox.accept({ ...msg('new'), now: 5000 });
        expect(await inbox.expire(1001, 1001)).toBe(2);
        expect((await inbox.pending('webchat')).map((i) => i.externalId)).toEqual(['new']);
        await inbox.accept(msg('other', 'conv-2', 'someone else'));
        const gone = await s.forgetPerson({ channel: 'webchat', conversationId: 'conv-1' });
        expect(gone.inbox).toBe(1);
        expect((await inbox.pending('webchat')).map((i) => i.externalId)).toEqual(['other']);
      });

      it('a turn run again for the same stored message returns the committed reply and does not move the session on again', async () => {
        const store = await fresh();
        const log = createLogger('silent');
        const bot = new Runtime({ content: new ContentManager(miniRoot, log), store, clock: { now: () => 1000 }, log, config: { SESSION_TTL_DAYS: 30 } });
        const ref = { channel: 'webchat', conversationId: 'conv-9' };
        await bot.handle(ref, { kind: 'start' });
        await bot.handle(ref, { kind: 'button', payload: 'l:en' });
        await store.inbox().accept(msg('menu', 'conv-9'));
        const first = await bot.handle(ref, { kind: 'command', command: 'menu' }, { key: 'webchat:menu' });
        const session = (await store.getSession(ref))?.state;
        expect(first.messages.length).toBeGreaterThan(0);
        const second = await bot.handle(ref, { kind: 'command', command: 'menu' }, { key: 'webchat:menu' });
        expect(second).toEqual(first);
        expect((await store.getSession(ref))?.state).toEqual(session);
        const third = await bot.handle(ref, { kind: 'command', command: 'back' });
        expect((await store.getSession(ref))?.state).not.toEqual(session);
        expect(third.messages.length).toBeGreaterThan(0);
      });
    });

    describe('web chat log and rate counters', () => {
      it('creates a conversation once, touches it, sets its language', async () => {
        const log = (await fresh()).webchatLog();
        const c = { id: 'dl1', userId: 'u1', baseUrl: 'http://x', now: 1000, expiresAt: 5000 };
        expect(await log.createConversation(c)).toBe(true);
        expect(await log.createConversation({ ...c, userId: 'someone else' })).toBe(false);
        await log.touch('dl1', 2000, 9000);
        await log.setLang('dl1', 'ps');
        expect(await log.getConversation('dl1')).toEqual({
          id: 'dl1',
          userId: 'u1',
          baseUrl: 'http://x',
          lang: 'ps',
          lastSeq: 0,
          createdAt: 1000,
          updatedAt: 2000,
          expiresAt: 9000,
        });
        expect(await log.getConversation('nope')).toBeUndefined();
      });

      it('appends with the next numbers, refuses a client activity twice, pages after a watermark, clears and expires', async () => {
        const log = (await fresh()).webchatLog();
        await log.createConversation({ id: 'dl2', userId: 'u', baseUrl: 'b', now: 0, expiresAt: 100 });
        await log.createConversation({ id: 'dl3', userId: 'u', baseUrl: 'b', now: 0, expiresAt: 10_000 });
        const a = await log.append(
          'dl2',
          [{ activity: { type: 'message', text: 'hi' }, clientId: 'c1' }, { activity: { type: 'message', text: 'reply' } }],
          10,
          200,
        );
        expect(a).toEqual({
          duplicate: false,
          stored: [
            { seq: 1, activity: { type: 'message', text: 'hi', id: 'dl2|0000001' } },
            { seq: 2, activity: { type: 'message', text: 'reply', id: 'dl2|0000002' } },
          ],
        });
        const dup = await log.append('dl2', [{ activity: { type: 'message', text: 'hi again' }, clientId: 'c1' }], 20, 300);
        expect(dup).toEqual({ duplicate: true, stored: [{ seq: 1, activity: { type: 'message', text: 'hi', id: 'dl2|0000001' } }] });
        await log.append('dl2', [{ activity: { type: 'message', text: 'third' }, clientId: 'c2' }], 30, 400);
        expect(await log.getConversation('dl2')).toMatchObject({ lastSeq: 3, updatedAt: 30, expiresAt: 400 });
        expect((await log.after('dl2', 1, 10)).map((x) => x.seq)).toEqual([2, 3]);
        expect((await log.after('dl2', 0, 2)).map((x) => x.activity.text)).toEqual(['hi', 'reply']);
        await expect(log.append('missing', [{ activity: { type: 'message' } }], 0, 0)).rejects.toThrow(/no such conversation/);
        await log.clearActivities('dl2');
        expect(await log.after('dl2', 0, 10)).toEqual([]);
        expect((await log.append('dl2', [{ activity: { type: 'message' } }], 40, 150)).stored[0]!.seq).toBe(4);
        expect(await log.expire(5000)).toEqual(['dl2']);
        expect(await log.getConversation('dl2')).toBeUndefined();
        expect(await log.after('dl2', 0, 10)).toEqual([]);
        await log.deleteConversation('dl3');
        expect(await log.getConversation('dl3')).toBeUndefined();
      });

      it('an append marks its inbox item done in the same transaction, also when the activities were there already; a failed append leaves it pending', async () => {
        const s = await fresh();
        const log = s.webchatLog();
        const inbox = s.inbox();
        await log.createConversation({ id: 'dl4', userId: 'u', baseUrl: 'b', now: 0, expiresAt: 10_000 });
        const accept = (externalId: string) => inbox.accept({ channel: 'webchat', externalId, conversationId: 'dl4', payload: { t: externalId }, now: 5 });
        const { item: a } = await accept('a');
        const { item: b } = await accept('b');
        const reply = [{ activity: { type: 'message', text: 'answer' }, clientId: `lotse-reply:${a.key}:0` }];
        await log.append('dl4', reply, 10, 1000, { inboxDone: { key: a.key, at: 11 } });
        expect((await accept('a')).status).toBe('done');
        expect((await inbox.pending('webchat')).map((i) => i.key)).toEqual([b.key]);
        // The reply stored already (a turn run again after a crash): still marked done with it.
        const again = await log.append('dl4', [{ activity: { type: 'message', text: 'answer' }, clientId: 'x' }], 12, 1000);
        expect(again.duplicate).toBe(false);
        const dup = await log.append('dl4', [{ activity: { type: 'message', text: 'x' }, clientId: 'x' }], 13, 1000, { inboxDone: { key: b.key, at: 14 } });
        expect(dup.duplicate).toBe(true);
        expect(await inbox.pending('webchat')).toEqual([]);
        // An append that fails marks nothing done.
        const { item: c } = await accept('c');
        await expect(log.append('missing', [{ activity: { type: 'message' } }], 15, 1000, { inboxDone: { key: c.key, at: 16 } })).rejects.toThrow(
          /no such conversation/,
        );
        expect((await inbox.pending('webchat')).map((i) => i.key)).toEqual([c.key]);
        expect((await log.after('dl4', 0, 10)).map((x) => x.activity.text)).toEqual(['answer', 'answer']);
      });

      it('rate counters: fixed windows, decrement never below 0, reset and sweep', async () => {
        const rc = (await fresh()).rateCounters();
        expect(await rc.hit('k', 1000, 0)).toEqual({ n: 1, resetAt: 1000 });
        expect(await rc.hit('k', 1000, 500)).toEqual({ n: 2, resetAt: 1000 });
        expect(await rc.get('k', 600)).toEqual({ n: 2, resetAt: 1000 });
        await rc.decrement('k', 600);
        await rc.decrement('k', 600);
        await rc.decrement('k', 600);
        expect(await rc.get('k', 600)).toEqual({ n: 0, resetAt: 1000 });
        expect(await rc.get('k', 1000)).toBeUndefined();
        expect(await rc.hit('k', 1000, 1000)).toEqual({ n: 1, resetAt: 2000 });
        await rc.hit('other', 100, 1000);
        await rc.sweep(1500);
        expect(await rc.get('other', 0)).toBeUndefined();
        expect(await rc.get('k', 1500)).toEqual({ n: 1, resetAt: 2000 });
        await rc.reset('k');
        expect(await rc.get('k', 1500)).toBeUndefined();
        const hits = await Promise.all(Array.from({ length: 20 }, () => rc.hit('burst', 60_000, 0)));
        expect(hits.map((h) => h.n).sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      });
    });

    describe('handoffs', () => {
      it('stores a handoff with its first messages, finds it open, orders the queue, takes it once', async () => {
        const s = await fresh();
        const staff = await s.staffAccounts();
        for (const id of ['cw1', 'cw2']) await staff.insertStaff(staffMember(id));
        const hs = await s.handoffs();
        await hs.insertHandoff(handoff('h1', { address: '4711', topic: 'hearing.documents' }), [
          { author: 'bot', kind: 'transcript', text: 'before', at: 1000 },
          { author: 'system', kind: 'event', text: 'opened', at: 1000 },
        ]);
        await hs.insertHandoff(handoff('h2', { priority: 0, createdAt: 2000 }));
        await hs.insertHandoff(handoff('h3', { createdAt: 500 }));
        expect(await hs.getHandoff('h1')).toEqual({
          ...handoff('h1', { address: '4711', topic: 'hearing.documents' }),
          caseworkerId: undefined,
          takenAt: undefined,
          closedAt: undefined,
          outcome: undefined,
          outcomeService: undefined,
          outcomeNote: undefined,
          waitingNoticeAt: undefined,
          unreachableNoticeAt: undefined,
          lastPosition: undefined,
          positionToldAt: undefined,
          ackedAt: undefined,
          seenSeq: undefined,
          firstReplyAt: undefined,
          rating: undefined,
        });
        expect((await hs.messages('h1')).map((m) => [m.seq, m.kind, m.text])).toEqual([
          [1, 'transcript', 'before'],
          [2, 'event', 'opened'],
        ]);
        expect((await hs.open()).map((h) => h.id)).toEqual(['h2', 'h3', 'h1']);
        expect((await hs.openFor({ channel: 'webchat', conversationId: 'c-h1' }))?.id).toBe('h1');
        expect(await hs.openFor({ channel: 'telegram', conversationId: 'c-h1' })).toBeUndefined();
        expect(await hs.takeIfQueued('h1', 'cw1', 3000)).toBe(true);
        expect(await hs.takeIfQueued('h1', 'cw2', 3001)).toBe(false);
        expect(await hs.getHandoff('h1')).toMatchObject({ status: 'active', caseworkerId: 'cw1', takenAt: 3000 });
        // A rejected insert (duplicate id) stores none of its messages.
        await expect(hs.insertHandoff(handoff('h1'), [{ author: 'system', kind: 'event', text: 'twice', at: 1 }])).rejects.toThrow();
        expect((await hs.messages('h1')).map((m) => m.text)).toEqual(['before', 'opened']);
      });

      it('a text with a NUL character is stored with the rest of it, not refused', async () => {
        const s = await fresh();
        const hs = await s.handoffs();
        await hs.insertHandoff(handoff('nul'));
        const m = await hs.addMessage({ handoffId: 'nul', author: 'caseworker', kind: 'note', text: 'before\u0000after', at: 1 });
        await s.addUnanswered({ lang: 'en', text: 'q\u0000', contentVersion: 'v', at: 1 });
        await s.kvPut('ns', 'k\u0000', 'v\u0000');
        // SQLite keeps the NUL; PostgreSQL cannot and keeps U+FFFD in its place.
        const visible = (t: string | undefined) => t?.replace(/[\u0000\uFFFD]/g, '');
        expect(visible((await hs.messages('nul')).find((x) => x.seq === m.seq)?.text)).toBe('beforeafter');
        expect(visible((await s.listUnanswered())[0]?.text)).toBe('q');
        expect((await s.kvList('ns')).map((r) => [visible(r.key), visible(r.value)])).toEqual([['k', 'v']]);
      });

      it('updates fields, null clears one; rating counts once and only when closed', async () => {
        const hs = await (await fresh()).handoffs();
        await hs.insertHandoff(handoff('h'));
        await hs.update('h', { waitingNoticeAt: 5, lastPosition: 3, offHours: true, address: '99' });
        expect(await hs.getHandoff('h')).toMatchObject({ waitingNoticeAt: 5, lastPosition: 3, offHours: true, address: '99' });
        await hs.update('h', { waitingNoticeAt: null, address: null, offHours: false });
        expect(await hs.getHandoff('h')).toMatchObject({ waitingNoticeAt: undefined, address: undefined, offHours: false });
        await hs.update('h', {});
        expect(await hs.rateOnce('h', 5)).toBe(false); // still queued
        await hs.update('h', { status: 'closed', closedAt: 9000, outcome: 'referred', outcomeService: 'legal aid' });
        expect(await hs.rateOnce('h', 0)).toBe(false);
        expect(await hs.rateOnce('h', 4.5)).toBe(false);
        expect(await hs.rateOnce('h', 4)).toBe(true);
        expect(await hs.rateOnce('h', 2)).toBe(false);
        expect(await hs.getHandoff('h')).toMatchObject({ rating: 4, outcome: 'referred', outcomeService: 'legal aid' });
        await expect(hs.update('h', { rating: 6 })).rejects.toThrow(/check/i);
        expect((await hs.closedSince(9000)).map((h) => h.id)).toEqual(['h']);
        expect(await hs.closedSince(9001)).toEqual([]);
      });

      it('messages: stored once per source, delivery marks, undeliverable and retry, the first reply kept on the handoff', async () => {
        const hs = await (await fresh()).handoffs();
        await hs.insertHandoff(handoff('h'));
        expect(await hs.maxSeq()).toBe(0);
        const m = { handoffId: 'h', author: 'person' as const, kind: 'message' as const, text: 'my letter', at: 1000 };
        const a = await hs.addMessage({ ...m, source: 'webchat:x#message' });
        const b = await hs.addMessage({ ...m, source: 'webchat:x#message', text: 'not stored' });
        expect(b).toEqual(a);
        await hs.addMessage(m);
        await hs.addMessage(m);
        expect((await hs.messages('h')).map((x) => x.text)).toEqual(['my letter', 'my letter', 'my letter']);
        await hs.addMessage({ handoffId: 'h', author: 'caseworker', staffId: 'cw', kind: 'note', text: 'internal', at: 1100 });
        expect((await hs.getHandoff('h'))?.firstReplyAt).toBeUndefined();
        const r1 = await hs.addMessage({ handoffId: 'h', author: 'caseworker', staffId: 'cw', kind: 'message', text: 'hello', at: 1200 });
        const r2 = await hs.addMessage({ handoffId: 'h', author: 'caseworker', staffId: 'cw', kind: 'message', text: 'more', at: 1300, topic: 't' });
        expect((await hs.getHandoff('h'))?.firstReplyAt).toBe(1200);
        expect(await hs.maxSeq()).toBe(r2.seq);
        expect((await hs.undelivered()).map((x) => x.text)).toEqual(['hello', 'more']);
        await hs.markDelivered(r1.seq, 1250);
        await hs.markUndeliverable(r2.seq, 1350);
        await hs.markUndeliverable(r1.seq, 1400); // delivered already: stays delivered
        expect(await hs.undelivered()).toEqual([]);
        expect((await hs.messages('h', r1.seq - 1)).map((x) => [x.text, x.deliveredAt, x.undeliverableAt])).toEqual([
          ['hello', 1250, undefined],
          ['more', undefined, 1350],
        ]);
        expect(await hs.retryUndeliverable('h')).toBe(1);
        expect(await hs.retryUndeliverable('h')).toBe(0);
        expect((await hs.undelivered()).map((x) => [x.text, x.topic, x.staffId])).toEqual([['more', 't', 'cw']]);
      });

      it('purges transcripts of handoffs closed long ago; outcome, first reply and rating stay for the statistics', async () => {
        const hs = await (await fresh()).handoffs();
        await hs.insertHandoff(handoff('old', { address: '1', createdAt: 10_000 }), [{ author: 'person', kind: 'message', text: 'secret', at: 10_000 }]);
        await hs.insertHandoff(handoff('open', { createdAt: 11_000 }));
        await hs.addMessage({ handoffId: 'old', author: 'caseworker', kind: 'message', text: 'hello', at: 12_000 });
        await hs.update('old', { status: 'closed', closedAt: 20_000, outcome: 'answered', outcomeNote: 'a note', rating: 4 });
        expect(await hs.searchClosed({ limit: 10, offset: 0 }, 0)).toMatchObject({ total: 1, items: [{ id: 'old' }] });
        expect(await hs.purgeTranscripts(20_000)).toBe(0);
        expect(await hs.purgeTranscripts(30_000)).toBe(1);
        expect(await hs.purgeTranscripts(30_000)).toBe(0);
        expect(await hs.getHandoff('old')).toMatchObject({
          transcriptPurged: true,
          firstReplyAt: 12_000,
          rating: 4,
          closedAt: 20_000,
          address: undefined,
          outcomeNote: undefined,
          ref: { channel: 'webchat', conversationId: 'purged:old' },
        });
        expect(await hs.messages('old')).toEqual([]);
        expect((await hs.createdBetween(0, 11_000)).map((x) => x.id)).toEqual(['old']);
        expect((await hs.createdBetween(0, 11_001)).map((x) => x.id)).toEqual(['old', 'open']);
        expect(await hs.searchClosed({ limit: 10, offset: 0 }, 0)).toEqual({ items: [], total: 0 });
        expect(await hs.stats()).toEqual([{ outcome: 'answered', lang: 'ar', reason: 'asked', n: 1 }]);
      });

      it('searches closed handoffs by pseudonym prefix, language, topic or flow, outcome, caseworker and time, one page at a time', async () => {
        const s = await fresh();
        const staff = await s.staffAccounts();
        await staff.insertStaff(staffMember('cw1'));
        await staff.insertStaff(staffMember('cw2'));
        const hs = await s.handoffs();
        const rows: [string, Partial<Handoff>][] = [
          [
            'a',
            {
              ref: { channel: 'telegram', conversationId: 'p_1abc' },
              lang: 'fa',
              topic: 'hearing.documents',
              outcome: 'answered',
              caseworkerId: 'cw1',
              closedAt: 100,
            },
          ],
          ['b', { ref: { channel: 'telegram', conversationId: 'p%1' }, lang: 'ar', topic: 'hearing', outcome: 'referred', caseworkerId: 'cw2', closedAt: 200 }],
          ['c', { ref: { channel: 'webchat', conversationId: 'zz' }, lang: 'ar', topic: 'hearingx.y', status: 'cancelled', closedAt: 300 }],
          [
            'd',
            { ref: { channel: 'webchat', conversationId: 'yy' }, lang: 'ar', topic: 'work.permit', outcome: 'no-response', caseworkerId: 'cw1', closedAt: 50 },
          ],
        ];
        for (const [id, f] of rows) {
          await hs.insertHandoff(handoff(id, { ...f, status: f.status ?? 'closed' }));
          await hs.update(id, {
            status: f.status ?? 'closed',
            closedAt: f.closedAt!,
            ...(f.outcome ? { outcome: f.outcome } : {}),
            ...(f.caseworkerId ? { caseworkerId: f.caseworkerId } : {}),
          });
        }
        const ids = async (q: Partial<Parameters<typeof hs.searchClosed>[0]>, kept = 0) => {
          const r = await hs.searchClosed({ limit: 10, offset: 0, ...q }, kept);
          return [r.items.map((h) => h.id).join(''), r.total];
        };
        expect(await ids({})).toEqual(['cbad', 4]);
        expect(await ids({}, 100)).toEqual(['cba', 3]);
        expect(await ids({ pseudonym: 'p_' })).toEqual(['a', 1]); // _ is no wildcard
        expect(await ids({ pseudonym: 'p%' })).toEqual(['b', 1]);
        expect(await ids({ pseudonym: 'c' })).toEqual(['c', 1]); // the handoff id
        expect(await ids({ lang: 'ar' })).toEqual(['cbd', 3]);
        expect(await ids({ topic: 'hearing' })).toEqual(['ba', 2]);
        expect(await ids({ topic: 'hearing.documents' })).toEqual(['a', 1]);
        expect(await ids({ outcome: 'cancelled' })).toEqual(['c', 1]);
        expect(await ids({ outcome: 'referred' })).toEqual(['b', 1]);
        expect(await ids({ caseworkerId: 'cw1' })).toEqual(['ad', 2]);
        expect(await ids({ from: 100, to: 300 })).toEqual(['ba', 2]);
        expect(await ids({ limit: 2, offset: 1 })).toEqual(['ba', 4]);
        expect(await ids({ lang: 'ar', caseworkerId: 'cw1', from: 0 })).toEqual(['d', 1]);
      });

      it('the audit log: per handoff in order, latest first overall, filtered by staff and action prefix', async () => {
        const hs = await (await fresh()).handoffs();
        await hs.audit('s1', 'h1', 'take', 1);
        await hs.audit('s1', 'h1', 'close:answered', 2);
        await hs.audit('s2', 'h2', 'open', 3);
        await hs.audit(undefined, undefined, 'close_all', 4);
        expect(await hs.auditLog('h1')).toEqual([
          { staffId: 's1', handoffId: 'h1', action: 'take', at: 1 },
          { staffId: 's1', handoffId: 'h1', action: 'close:answered', at: 2 },
        ]);
        expect((await hs.auditLog()).map((e) => e.at)).toEqual([4, 3, 2, 1]);
        expect(await hs.auditPage({ staffId: 's1', limit: 1, offset: 0 })).toEqual({
          entries: [{ staffId: 's1', handoffId: 'h1', action: 'close:answered', at: 2 }],
          total: 2,
        });
        expect((await hs.auditPage({ action: 'close', limit: 10, offset: 0 })).entries.map((e) => e.at)).toEqual([4, 2]);
        expect((await hs.auditPage({ action: 'close_', limit: 10, offset: 0 })).entries.map((e) => e.at)).toEqual([4]);
        expect((await hs.auditPage({ limit: 2, offset: 2 })).entries.map((e) => e.at)).toEqual([2, 1]);
      });
    });

    describe('staff accounts and snippets', () => {
      it('stores accounts with e-mail in lower case, finds them ignoring case, updates fields', async () => {
        const st = await (await fresh()).staffAccounts();
        await st.insertStaff(staffMember('b', 'admin', { name: 'Bea' }));
        await st.insertStaff(staffMember('a', 'caseworker', { name: 'Ali', topics: ['hearing'], mustChangePassword: true }));
        await expect(st.insertStaff(staffMember('c', 'caseworker', { email: 'A@ngo.example' }))).rejects.toThrow();
        expect(await st.staffByEmail('a@ngo.EXAMPLE')).toEqual({
          ...staffMember('a', 'caseworker', { name: 'Ali', topics: ['hearing'], mustChangePassword: true }),
          email: 'a@ngo.example',
        });
        expect((await st.allStaff()).map((x) => x.name)).toEqual(['Ali', 'Bea']);
        expect(await st.countStaff()).toBe(2);
        await st.updateStaff('a', { name: 'Ali R', languages: ['fa'], active: false, passwordHash: 'new', mustChangePassword: false, role: 'admin' });
        expect(await st.staffById('a')).toMatchObject({
          name: 'Ali R',
          languages: ['fa'],
          active: false,
          passwordHash: 'new',
          mustChangePassword: false,
          role: 'admin',
        });
        await st.updateStaff('a', {});
        expect(await st.staffById('nobody')).toBeUndefined();
        await expect(st.updateStaff('a', { role: 'boss' as never })).rejects.toThrow();
      });

      it('keeps an active admin: the last one cannot be demoted or deactivated', async () => {
        const st = await (await fresh()).staffAccounts();
        await st.insertStaff(staffMember('a1', 'admin'));
        await st.insertStaff(staffMember('a2', 'admin'));
        expect(await st.updateStaffKeepingAnAdmin('a1', { role: 'caseworker' })).toBe(true);
        expect(await st.updateStaffKeepingAnAdmin('a2', { active: false })).toBe(false);
        expect(await st.updateStaffKeepingAnAdmin('a2', { role: 'caseworker', languages: ['de'] })).toBe(false);
        expect(await st.staffById('a2')).toMatchObject({ role: 'admin', active: true, languages: ['ar', 'en'] });
        expect(await st.updateStaffKeepingAnAdmin('a2', { languages: ['de'] })).toBe(true);
        expect((await st.staffById('a2'))?.languages).toEqual(['de']);
      });

      it('sign-in sessions: absolute end, idle sweep, touch only moves forward, revocation per account', async () => {
        const st = await (await fresh()).staffAccounts();
        await st.insertStaff(staffMember('s'));
        await st.insertStaff(staffMember('t'));
        await st.insertSession('h1', 's', 'csrf1', 10_000, 1000);
        await st.insertSession('h2', 's', 'csrf2', 10_000, 1000);
        await st.insertSession('h3', 't', 'csrf3', 2000, 1000);
        expect(await st.session('h1', 5000)).toEqual({ staffId: 's', csrf: 'csrf1', createdAt: 1000, lastSeenAt: 1000, expiresAt: 10_000 });
        expect(await st.session('h1', 10_000)).toBeUndefined();
        await st.touchSession('h1', 3000);
        await st.touchSession('h1', 2000);
        expect((await st.session('h1', 5000))?.lastSeenAt).toBe(3000);
        expect(await st.deleteExpiredSessions(2000, 2500)).toBe(2); // h3 past its end, h2 idle
        expect(await st.session('h1', 5000)).toBeDefined();
        await st.insertSession('h4', 's', 'c', 10_000, 4000);
        expect(await st.deleteSessionsOf('s')).toBe(2);
        await st.insertSession('h5', 't', 'c', 10_000, 4000);
        await st.deleteSession('h5');
        expect(await st.session('h5', 5000)).toBeUndefined();
        expect(await st.deleteExpiredSessions(0)).toBe(0);
      });

      it("snippets: own first, then the team's, each by title ignoring case; remove says whether it existed", async () => {
        const sn = await (await fresh()).snippets();
        await sn.add({ id: '1', authorId: 'x', title: 'beta team', text: 't1', createdAt: 1 });
        await sn.add({ id: '2', ownerId: 'me', authorId: 'me', title: 'Zulu mine', text: 't2', createdAt: 2 });
        await sn.add({ id: '3', ownerId: 'me', authorId: 'me', title: 'alpha mine', text: 't3', createdAt: 3 });
        await sn.add({ id: '4', authorId: 'y', title: 'Alpha team', text: 't4', createdAt: 4 });
        await sn.add({ id: '5', ownerId: 'other', authorId: 'other', title: 'not mine', text: 't5', createdAt: 5 });
        expect((await sn.visibleTo('me')).map((x) => x.id)).toEqual(['3', '2', '4', '1']);
        expect(await sn.get('2')).toEqual({ id: '2', ownerId: 'me', authorId: 'me', title: 'Zulu mine', text: 't2', createdAt: 2 });
        expect(await sn.get('1')).toEqual({ id: '1', authorId: 'x', title: 'beta team', text: 't1', createdAt: 1 });
        expect(await sn.remove('2')).toBe(true);
        expect(await sn.remove('2')).toBe(false);
        expect(await sn.get('2')).toBeUndefined();
      });
    });

    describe('content versions (the editor, issue 16)', () => {
      const by = { authorId: 'stf_1', authorName: 'Ed' };

      it('adds versions on the head only, stores each text once, and reads them back after a reopen', async () => {
        let s = await fresh(() => 5);
        let v = await s.contentVersions();
        expect(await v.head()).toBeUndefined();
        expect(await v.versions(10)).toEqual([]);
        const one = await v.addVersion({
          expectHead: undefined,
          kind: 'import',
          packVersion: 'p1',
          authorName: 'import',
          why: 'first',
          createdAt: 1,
          files: [
            { path: 'content/en/a.yaml', text: 'a: 1\n' },
            { path: 'content/fa/a.yaml', text: 'a: 1\n' },
          ],
        });
        expect(one).toEqual({ id: 1, kind: 'import', packVersion: 'p1', authorName: 'import', why: 'first', createdAt: 1 });
        // A second writer who also saw "no version" loses, and nothing is added.
        expect(
          await v.addVersion({
            expectHead: undefined,
            kind: 'import',
            packVersion: 'px',
            authorName: 'x',
            why: 'x',
            createdAt: 2,
            files: [{ path: 'x', text: 'x' }],
          }),
        ).toBeUndefined();
        // So does one that names a head that never existed.
        expect(await v.addVersion({ expectHead: 7, kind: 'publish', packVersion: 'py', authorName: 'y', why: 'y', createdAt: 2, files: [] })).toBeUndefined();
        expect(await db!.countRows('content_blobs')).toBe(1);
        await v.putDraft({ path: 'content/en/a.yaml', text: 'a: 2\n', baseVersion: 1, ...by, why: 'fix', updatedAt: 10 });
        await v.putDraft({ path: 'content/fa/a.yaml', text: null, baseVersion: 1, ...by, why: 'gone', updatedAt: 11 });
        const two = await v.addVersion({
          expectHead: 1,
          kind: 'publish',
          packVersion: 'p2',
          ...by,
          why: 'fix',
          createdAt: 20,
          files: [{ path: 'content/en/a.yaml', text: 'a: 2\n' }],
          // The fa draft was edited again (updatedAt 12) after the publisher read it (11): it stays.
          publishedDrafts: [
            { path: 'content/en/a.yaml', updatedAt: 10 },
            { path: 'content/fa/a.yaml', updatedAt: 12 },
          ],
        });
        expect(two).toEqual({ id: 2, parent: 1, kind: 'publish', packVersion: 'p2', ...by, why: 'fix', createdAt: 20 });
        expect((await v.drafts()).map((d) => d.path)).toEqual(['content/fa/a.yaml']);
        expect(await v.draft('content/fa/a.yaml')).toEqual({
          path: 'content/fa/a.yaml',
          text: null,
          baseVersion: 1,
          ...by,
          why: 'gone',
          updatedAt: 11,
        });
        const three = await v.addVersion({
          expectHead: 2,
          kind: 'restore',
          restoredFrom: 1,
          packVersion: 'p1',
          ...by,
          why: 'back',
          createdAt: 30,
          files: [
            { path: 'content/en/a.yaml', text: 'a: 1\n' },
            { path: 'content/fa/a.yaml', text: 'a: 1\n' },
          ],
        });
        expect(three).toMatchObject({ id: 3, parent: 2, kind: 'restore', restoredFrom: 1 });

        // A restart (or another instance) reads the same.
        s = db!.open(() => 5);
        await s.migrate();
        v = await s.contentVersions();
        expect(await v.head()).toEqual(three);
        expect(await v.version(2)).toEqual(two);
        expect(await v.version(99)).toBeUndefined();
        expect(await v.files(1)).toEqual([
          { path: 'content/en/a.yaml', hash: sha256Hex('a: 1\n') },
          { path: 'content/fa/a.yaml', hash: sha256Hex('a: 1\n') },
        ]);
        expect(await v.files(2)).toEqual([{ path: 'content/en/a.yaml', hash: sha256Hex('a: 2\n') }]);
        expect(await v.files(99)).toEqual([]);
        const blobs = await v.blobs([sha256Hex('a: 1\n'), sha256Hex('a: 2\n'), sha256Hex('a: 1\n'), 'nope']);
        expect(Object.fromEntries(blobs)).toEqual({ [sha256Hex('a: 1\n')]: 'a: 1\n', [sha256Hex('a: 2\n')]: 'a: 2\n' });
        expect((await v.blobs([])).size).toBe(0);
        // Three versions of five files hold two different texts: each is stored once.
        expect(await db!.countRows('content_blobs')).toBe(2);
        expect(await db!.countRows('content_version_files')).toBe(5);
        expect((await v.versions(10)).map((x) => x.id)).toEqual([3, 2, 1]);
        expect((await v.versions(2)).map((x) => x.id)).toEqual([3, 2]);
        expect((await v.versions(10, 2)).map((x) => x.id)).toEqual([1]);
        expect(await v.deleteDraft('content/fa/a.yaml')).toBe(true);
        expect(await v.deleteDraft('content/fa/a.yaml')).toBe(false);
        expect(await v.drafts()).toEqual([]);
      });

      it('a draft is one per file: a later edit replaces it with its author; drafts are listed by path', async () => {
        const v = await (await fresh()).contentVersions();
        await v.putDraft({ path: 'locales/uk.yaml', text: 'x', baseVersion: 1, ...by, why: 'a', updatedAt: 1 });
        await v.putDraft({ path: 'content/de/b.yaml', text: 'y', baseVersion: 1, ...by, why: 'b', updatedAt: 2 });
        await v.putDraft({ path: 'locales/uk.yaml', text: 'z', baseVersion: 2, authorId: 'stf_2', authorName: 'Olena', why: 'c', updatedAt: 3 });
        expect((await v.drafts()).map((d) => [d.path, d.text, d.authorName, d.baseVersion])).toEqual([
          ['content/de/b.yaml', 'y', 'Ed', 1],
          ['locales/uk.yaml', 'z', 'Olena', 2],
        ]);
        expect(await v.draft('nope')).toBeUndefined();
      });

      it('two instances publishing on the same head at once: exactly one wins, the other changes nothing', async () => {
        const a = await fresh();
        const b = db!.open();
        await b.migrate();
        const [va, vb] = await Promise.all([a.contentVersions(), b.contentVersions()]);
        expect(
          await va.addVersion({ expectHead: undefined, kind: 'import', packVersion: 'p0', authorName: 'i', why: 'i', createdAt: 1, files: [] }),
        ).toBeDefined();
        await va.putDraft({ path: 'content/en/a.yaml', text: 'mine', baseVersion: 1, ...by, why: 'd', updatedAt: 5 });
        const publish = (v: typeof va, who: string) =>
          v.addVersion({
            expectHead: 1,
            kind: 'publish',
            packVersion: `p-${who}`,
            authorName: who,
            why: who,
            createdAt: 2,
            files: [{ path: 'content/en/a.yaml', text: `text of ${who}` }],
            publishedDrafts: [{ path: 'content/en/a.yaml', updatedAt: 5 }],
          });
        const results = await Promise.all([publish(va, 'A'), publish(vb, 'B')]);
        const won = results.filter((r) => r !== undefined);
        expect(won).toHaveLength(1);
        expect(won[0]).toMatchObject({ id: 2, parent: 1 });
        const head = await vb.head();
        expect(head?.id).toBe(2);
        // Only the winner's text is stored; the loser's went with its transaction.
        const winner = head!.authorName;
        expect(await va.files(2)).toEqual([{ path: 'content/en/a.yaml', hash: sha256Hex(`text of ${winner}`) }]);
        expect(await db!.countRows('content_blobs')).toBe(1);
        expect(await va.drafts()).toEqual([]);
      });

      it('keeps every review mark and answers the latest per file of a language', async () => {
        const v = await (await fresh()).contentVersions();
        await v.addVersion({ expectHead: undefined, kind: 'import', packVersion: 'p', authorName: 'i', why: 'i', createdAt: 1, files: [] });
        await v.addVersion({ expectHead: 1, kind: 'publish', packVersion: 'q', authorName: 'i', why: 'i', createdAt: 2, files: [] });
        const mark = { lang: 'fa', path: 'content/fa/a.yaml', hash: 'h', staffId: 's', staffName: 'Fa' };
        await v.addReview({ ...mark, versionId: 1, at: 1 });
        await v.addReview({ ...mark, versionId: 2, hash: 'h2', at: 2 });
        await v.addReview({ ...mark, path: 'content/fa/B.yaml', versionId: 1, at: 4 });
        await v.addReview({ ...mark, path: 'content/ar/a.yaml', lang: 'ar', versionId: 1, at: 3 });
        expect(await v.reviews('fa')).toEqual([
          { ...mark, path: 'content/fa/B.yaml', versionId: 1, at: 4 },
          { ...mark, versionId: 2, hash: 'h2', at: 2 },
        ]);
        expect(await v.reviews('ps')).toEqual([]);
        expect(await db!.countRows('content_reviews')).toBe(4);
        // A mark must name a version that exists.
        await expect(v.addReview({ ...mark, versionId: 9, at: 5 })).rejects.toThrow();
      });
    });

    describe('co-creation questions (issue 16.4)', () => {
      it('reads unanswered and not-helpful questions and feedback of a time range, oldest first, the newest kept under a limit', async () => {
        const s = await fresh();
        const p1 = { channel: 'webchat', conversationId: 'p1' };
        const p2 = { channel: 'telegram', conversationId: 'p2' };
        await s.addUnanswered({ ref: p1, lang: 'de', text: 'wann taschengeld', contentVersion: 'v', at: 100 });
        await s.addUnanswered({ ref: p2, lang: 'de', text: 'taschengeld?', contentVersion: 'v', at: 200, kind: 'not-helpful', topic: 'money.pocket' });
        await s.addUnanswered({ lang: 'fa', text: 'no conversation', contentVersion: 'v', at: 300 });
        await s.addUnanswered({ ref: p1, lang: 'de', text: 'too late', contentVersion: 'v', at: 400 });
        await s.addUnanswered({ ref: p1, lang: 'de', text: 'too early', contentVersion: 'v', at: 99 });
        const q = await s.questions();
        const rows = await q.questionsBetween(100, 400);
        expect(rows.map(({ who, ...r }) => r)).toEqual([
          { kind: 'unanswered', lang: 'de', text: 'wann taschengeld', at: 100 },
          { kind: 'not-helpful', lang: 'de', text: 'taschengeld?', topic: 'money.pocket', at: 200 },
          { kind: 'unanswered', lang: 'fa', text: 'no conversation', at: 300 },
        ]);
        // Who: the conversation, so that groups count people; a question without one counts as a person of its own.
        expect(rows[0]!.who).toBe('webchat:p1');
        expect(rows[1]!.who).toBe('telegram:p2');
        expect(rows[2]!.who).not.toMatch(/^(webchat|telegram):/);
        expect((await q.questionsBetween(0, 1000, 2)).map((r) => r.text)).toEqual(['no conversation', 'too late']);
        // The list the runtime had before stays as it was.
        expect((await s.listUnanswered(1)).map((u) => u.text)).toEqual(['too early']);

        await s.addFeedback({ ref: p1, topic: 'money.pocket', lang: 'de', helpful: false, contentVersion: 'v', at: 150 });
        await s.addFeedback({ ref: p2, topic: 'money.pocket', lang: 'de', helpful: true, contentVersion: 'v', at: 250 });
        await s.addFeedback({ ref: p2, topic: 'x', lang: 'de', helpful: true, contentVersion: 'v', at: 500 });
        expect(await q.feedbackBetween(100, 500)).toEqual([
          { topic: 'money.pocket', lang: 'de', helpful: false, who: 'webchat:p1', at: 150 },
          { topic: 'money.pocket', lang: 'de', helpful: true, who: 'telegram:p2', at: 250 },
        ]);
        expect((await q.feedbackBetween(0, 1000, 1)).map((f) => f.topic)).toEqual(['x']);

        // "Delete my data" and retention take them as before.
        await s.forgetPerson(p2);
        expect((await q.questionsBetween(0, 1000)).map((r) => r.text)).toEqual(['too early', 'wann taschengeld', 'no conversation', 'too late']);
        expect((await q.feedbackBetween(0, 1000)).map((f) => f.who)).toEqual(['webchat:p1']);
        expect(await s.expireRecords(301)).toBe(4);
        expect((await q.questionsBetween(0, 1000)).map((r) => r.text)).toEqual(['too late']);
      });
    });

    describe('staff roles (issue 16)', () => {
      it('stores every role, editors and translators too, and refuses any other', async () => {
        const st = await (await fresh()).staffAccounts();
        for (const role of ROLES) await st.insertStaff(staffMember(role, role, { name: `the ${role}` }));
        expect(Object.fromEntries((await st.allStaff()).map((x) => [x.id, x.role]))).toEqual({
          admin: 'admin',
          editor: 'editor',
          translator: 'translator',
          caseworker: 'caseworker',
        });
        await st.updateStaff('caseworker', { role: 'translator', languages: ['fa'] });
        expect(await st.staffById('caseworker')).toMatchObject({ role: 'translator', languages: ['fa'] });
        await expect(st.insertStaff(staffMember('x', 'owner' as never))).rejects.toThrow();
        await expect(st.updateStaff('editor', { role: 'owner' as never })).rejects.toThrow();
        expect((await st.staffById('editor'))?.role).toBe('editor');
        // An editor is not an admin: the last admin still cannot become one.
        expect(await st.updateStaffKeepingAnAdmin('admin', { role: 'editor' })).toBe(false);
      });
    });

    describe('"delete my data" in the store', () => {
      it('erases one person from every table in one go; handoffs stay as anonymous counts; another person stays', async () => {
        const s = await fresh(() => 7000);
        const me = { channel: 'webchat', conversationId: 'dl-me' };
        const other = { channel: 'webchat', conversationId: 'dl-other' };
        for (const ref of [me, other]) {
          await s.putSession({ ref, state: { lang: 'en' }, updatedAt: 1 });
          await s.addFeedback({ ref, topic: 't', lang: 'en', helpful: true, contentVersion: 'v', at: 1 });
          await s.addUnanswered({ ref, lang: 'en', text: `question of ${ref.conversationId}`, contentVersion: 'v', at: 1 });
          await s.inbox().accept({ channel: 'webchat', externalId: `${ref.conversationId}|1`, conversationId: ref.conversationId, payload: {}, now: 1 });
          await s.webchatLog().createConversation({ id: ref.conversationId, userId: 'u', baseUrl: 'b', now: 1, expiresAt: 10 ** 12 });
          await s.webchatLog().append(ref.conversationId, [{ activity: { text: 'hello' } }], 1, 10 ** 12);
          await s.rateCounters().hit(`conv:${ref.conversationId}`, 60_000, 7000);
          await s.kvPut('ns', ref.conversationId, '1');
          await s.kvPut('ns', `${ref.conversationId}:state`, '1');
          await s.kvPut('other-ns', 'k', `{"conv":"${ref.conversationId}"}`);
        }
        const hs = await s.handoffs();
        await hs.insertHandoff(handoff('open', { ref: me, address: '123' }), [{ author: 'bot', kind: 'transcript', text: 'my story', at: 1 }]);
        await hs.insertHandoff(handoff('closed', { ref: me }));
        await hs.addMessage({ handoffId: 'closed', author: 'person', kind: 'message', text: 'more', at: 2 });
        await hs.update('closed', { status: 'closed', closedAt: 3, outcome: 'answered', outcomeNote: 'note about me' });
        await hs.insertHandoff(handoff('theirs', { ref: other }), [{ author: 'person', kind: 'message', text: 'theirs', at: 1 }]);

        const r = await s.forgetPerson(me);
        expect(r).toEqual({ sessions: 1, feedback: 1, unanswered: 1, inbox: 1, webchatConversations: 1, handoffs: 2, handoffMessages: 2, kv: 2 });
        expect(await s.getSession(me)).toBeUndefined();
        expect(await s.webchatLog().getConversation(me.conversationId)).toBeUndefined();
        expect(await s.rateCounters().get(`conv:${me.conversationId}`, 7000)).toBeUndefined();
        expect(await hs.getHandoff('open')).toMatchObject({ status: 'cancelled', closedAt: 7000, transcriptPurged: true, address: undefined });
        expect(await hs.getHandoff('closed')).toMatchObject({ status: 'closed', closedAt: 3, outcome: 'answered', outcomeNote: undefined });
        for (const id of ['open', 'closed']) {
          expect((await hs.getHandoff(id))?.ref.conversationId).toBe(`deleted:${id}`);
          expect((await hs.messages(id)).map((m) => m.text)).toEqual(['deleted by the person']);
        }
        expect(await hs.openFor(me)).toBeUndefined();
        // The other person is untouched.
        expect(await s.getSession(other)).toBeDefined();
        expect((await s.listUnanswered()).map((u) => u.text)).toEqual(['question of dl-other']);
        expect((await s.webchatLog().after(other.conversationId, 0, 10)).length).toBe(1);
        expect((await s.kvList('ns')).map((x) => x.key)).toEqual(['dl-other', 'dl-other:state']);
        expect((await s.kvList('other-ns')).map((x) => x.value)).toEqual(['{"conv":"dl-other"}']);
        expect((await hs.messages('theirs')).map((m) => m.text)).toEqual(['theirs']);
        // Twice: nothing left to erase.
        expect(await s.forgetPerson(me)).toEqual({
          sessions: 0,
          feedback: 0,
          unanswered: 0,
          inbox: 0,
          webchatConversations: 0,
          handoffs: 0,
          handoffMessages: 0,
          kv: 0,
        });
      });

      it('works on a store whose handoff tables were never created', async () => {
        const s = await fresh();
        await s.putSession({ ref: { channel: 'telegram', conversationId: 'x' }, state: {}, updatedAt: 1 });
        expect(await s.forgetPerson({ channel: 'telegram', conversationId: 'x' })).toMatchObject({ sessions: 1, handoffs: 0 });
      });
    });
  });
}
