/**
 * Two instances on one PostgreSQL database: two stores, each with its own
 * connection pool, run the same read-then-write operations at the same
 * moment, many times over. Nothing may be lost or happen twice: web chat
 * appends get gapless numbers and a retried client activity is stored once,
 * put-if-absent and the inbox say "new" once per key, a handoff goes to one
 * of two caseworkers, two admins demoting each other leave one admin, and a
 * reader of the handoff messages that resumes after the last seq it saw (the
 * console's live stream) misses none, and of editors publishing content on
 * the same head at once exactly one wins.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PostgresStore } from '../../src/store/postgres/store.js';
import { sha256Hex } from '../../src/util/hash.js';
import { createTestSchema, type TestSchema } from '../helpers/postgres.js';
import { handoff, staffMember } from './contract.js';

let t: TestSchema;
let a: PostgresStore;
let b: PostgresStore;
beforeAll(async () => {
  t = await createTestSchema();
  a = t.store();
  b = t.store();
  // Both start together, as two containers would: the migrations run once.
  await Promise.all([a.migrate(), b.migrate()]);
  await Promise.all([a.handoffs(), b.handoffs(), a.snippets(), b.snippets(), a.contentVersions(), b.contentVersions()]);
});
afterAll(async () => {
  await t?.drop();
});

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('two instances on one PostgreSQL database', () => {
  it('the migrations ran once although both instances started at the same moment', async () => {
    const rows = (await a.pool.query<{ version: number; n: number }>('SELECT version, COUNT(*) AS n FROM schema_migrations GROUP BY version ORDER BY version'))
      .rows;
    expect(rows.map((r) => r.version)).toEqual([1, 2, 3, 4, 100, 101, 102, 103, 104, 105, 300, 400, 410, 450, 460]);
    expect(rows.every((r) => r.n === 1)).toBe(true);
  });

  it('web chat: appends from both get gapless numbers in order; each client activity is stored once', async () => {
    await a.webchatLog().createConversation({ id: 'conv', userId: 'u', baseUrl: 'b', now: 0, expiresAt: 10 ** 12 });
    // 40 client activities, each posted to both instances (a retry that reached the other one), each followed by a reply.
    const post = (s: PostgresStore, i: number) =>
      s
        .webchatLog()
        .append('conv', [{ activity: { type: 'message', text: `m${i}` }, clientId: `c${i}` }, { activity: { type: 'message', text: `r${i}` } }], i, 10 ** 12);
    const results = await Promise.all(range(40).flatMap((i) => [post(a, i), post(b, i)]));
    // Of each pair, one stored it and the other was told it is a duplicate, with the stored copy.
    for (const i of range(40)) {
      const pair = [results[2 * i]!, results[2 * i + 1]!];
      expect(pair.map((r) => r.duplicate).sort()).toEqual([false, true]);
      const stored = pair.find((r) => !r.duplicate)!;
      expect(pair.find((r) => r.duplicate)!.stored).toEqual([stored.stored[0]]);
    }
    const log = await b.webchatLog().after('conv', 0, 1000);
    expect(log.map((x) => x.seq)).toEqual(range(80).map((i) => i + 1));
    expect(new Set(log.map((x) => x.activity.text)).size).toBe(80);
    // Each reply directly follows its message: a call's activities are not interleaved with another's.
    for (let i = 0; i < 80; i += 2) expect(String(log[i + 1]!.activity.text).slice(1)).toBe(String(log[i]!.activity.text).slice(1));
    expect((await a.webchatLog().getConversation('conv'))?.lastSeq).toBe(80);
  });

  it('put-if-absent: one of the two wins each key, also when both replace an expired record', async () => {
    const keys = range(60).map((i) => `update:${i}`);
    const wins = await Promise.all(keys.flatMap((k) => [a.kvPutIfAbsent('tg', k, 'a', 60_000), b.kvPutIfAbsent('tg', k, 'b', 60_000)]));
    for (const i of range(60)) expect([wins[2 * i], wins[2 * i + 1]].filter(Boolean)).toHaveLength(1);
    // Expired records: both instances see "absent" and race to replace it.
    for (const k of keys) await a.pool.query('UPDATE kv SET expires_at = 1 WHERE ns = $1 AND key = $2', ['tg', k]);
    const again = await Promise.all(keys.flatMap((k) => [a.kvPutIfAbsent('tg', k, 'a2', 60_000), b.kvPutIfAbsent('tg', k, 'b2', 60_000)]));
    for (const i of range(60)) expect([again[2 * i], again[2 * i + 1]].filter(Boolean)).toHaveLength(1);
    expect((await a.kvList('tg')).every((r) => r.value === 'a2' || r.value === 'b2')).toBe(true);
  });

  it('inbox: a message delivered to both is fresh on one; attempts from both all count', async () => {
    const msg = (i: number) => ({ channel: 'telegram', externalId: `bot:${i}`, conversationId: 'p', payload: { i }, now: i });
    const accepted = await Promise.all(range(50).flatMap((i) => [a.inbox().accept(msg(i)), b.inbox().accept(msg(i))]));
    for (const i of range(50)) expect([accepted[2 * i]!.status, accepted[2 * i + 1]!.status].sort()).toEqual(['fresh', 'pending']);
    expect(await a.inbox().pending('telegram')).toHaveLength(50);
    const counts = await Promise.all(range(30).flatMap(() => [a.inbox().attempt('telegram:bot:0'), b.inbox().attempt('telegram:bot:0')]));
    expect(counts.sort((x, y) => x - y)).toEqual(range(60).map((i) => i + 1));
  });

  it('handoff: two caseworkers on two instances take the same handoffs; each goes to exactly one', async () => {
    const staff = await a.staffAccounts();
    await staff.insertStaff(staffMember('cw-a'));
    await staff.insertStaff(staffMember('cw-b'));
    const hs = await a.handoffs();
    for (const i of range(40)) await hs.insertHandoff(handoff(`take-${i}`));
    const hsB = await b.handoffs();
    const took = await Promise.all(range(40).flatMap((i) => [hs.takeIfQueued(`take-${i}`, 'cw-a', 1), hsB.takeIfQueued(`take-${i}`, 'cw-b', 2)]));
    for (const i of range(40)) {
      const [byA, byB] = [took[2 * i], took[2 * i + 1]];
      expect(Number(byA) + Number(byB)).toBe(1);
      expect((await hsB.getHandoff(`take-${i}`))?.caseworkerId).toBe(byA ? 'cw-a' : 'cw-b');
    }
  });

  it('last admin: two admins demoting each other at once on two instances leave one admin, every time', async () => {
    const sa = await a.staffAccounts();
    const sb = await b.staffAccounts();
    await sa.insertStaff(staffMember('adm-1', 'admin'));
    await sa.insertStaff(staffMember('adm-2', 'admin'));
    // The caseworkers of the test above are no admins; only these two count.
    for (const round of range(15)) {
      await sa.updateStaff('adm-1', { role: 'admin', active: true });
      await sa.updateStaff('adm-2', { role: 'admin', active: true });
      const change = round % 2 ? { active: false } : { role: 'caseworker' as const };
      const [one, two] = await Promise.all([sa.updateStaffKeepingAnAdmin('adm-2', change), sb.updateStaffKeepingAnAdmin('adm-1', change)]);
      expect(Number(one) + Number(two)).toBe(1);
      const admins = (await sa.allStaff()).filter((s) => s.role === 'admin' && s.active);
      expect(admins).toHaveLength(1);
    }
  });

  it('handoff messages: a reader resuming after the last seq it saw misses none written by two instances at once', async () => {
    await (await a.handoffs()).insertHandoff(handoff('live'));
    const seen = new Map<number, string>();
    let last = 0;
    let writing = true;
    const reader = (async () => {
      const hs = await a.handoffs();
      while (writing || seen.size < 200) {
        for (const m of await hs.messages('live', last)) {
          seen.set(m.seq, m.text);
          last = Math.max(last, m.seq);
        }
        if (!writing && seen.size < 200) break;
      }
    })();
    const write = async (s: PostgresStore, who: string) => {
      const hs = await s.handoffs();
      await Promise.all(range(100).map((i) => hs.addMessage({ handoffId: 'live', author: 'person', kind: 'message', text: `${who}${i}`, at: i })));
    };
    await Promise.all([write(a, 'a'), write(b, 'b')]);
    writing = false;
    await reader;
    // One last read after the writers finished catches only what the loop had not reached yet; nothing before `last` may be missing.
    const all = await (await b.handoffs()).messages('live');
    expect(all).toHaveLength(200);
    expect(all.filter((m) => m.seq <= last && !seen.has(m.seq)).map((m) => m.text)).toEqual([]);
    // The same incoming message relayed by both instances is stored once.
    const [x, y] = await Promise.all([
      (await a.handoffs()).addMessage({ handoffId: 'live', author: 'person', kind: 'message', text: 'once', at: 1, source: 'tg:1#m' }),
      (await b.handoffs()).addMessage({ handoffId: 'live', author: 'person', kind: 'message', text: 'once', at: 1, source: 'tg:1#m' }),
    ]);
    expect(x.seq).toBe(y.seq);
    expect((await (await a.handoffs()).messages('live')).filter((m) => m.text === 'once')).toHaveLength(1);
  });

  it('"delete my data" on one instance while the other stores messages of the same handoff: both finish, nothing of the person is left from before', async () => {
    const hs = await a.handoffs();
    const ref = { channel: 'webchat', conversationId: 'forget-me' };
    await hs.insertHandoff(handoff('forget', { ref }), [{ author: 'bot', kind: 'transcript', text: 'before', at: 1 }]);
    const hsB = await b.handoffs();
    const writes = range(30).map((i) => hsB.addMessage({ handoffId: 'forget', author: 'caseworker', kind: 'message', text: `cw${i}`, at: 2 }));
    const [forgot] = await Promise.all([a.forgetPerson(ref), ...writes]);
    expect(forgot.handoffs).toBe(1);
    const left = (await hs.messages('forget')).map((m) => m.text);
    // What was stored before the erasure is gone; what came after it (in seq order) is all that remains besides the event.
    const event = left.indexOf('deleted by the person');
    expect(event).toBeGreaterThanOrEqual(0);
    expect(left.slice(0, event)).toEqual([]);
    expect(left).not.toContain('before');
    expect(await hs.getHandoff('forget')).toMatchObject({ status: 'cancelled', transcriptPurged: true, ref: { conversationId: 'deleted:forget' } });
  });

  it('content: both instances import at first start, then editors on both publish on the same head at once, round after round; one wins each time', async () => {
    const va = await a.contentVersions();
    const vb = await b.contentVersions();
    const starter = [{ path: 'content/en/a.yaml', text: 'a: 0\n' }];
    // Two instances starting together both find no version and import the files: one import is version 1.
    const imports = await Promise.all([
      va.addVersion({ expectHead: undefined, kind: 'import', packVersion: 'p0', authorName: 'import', why: 'a', createdAt: 0, files: starter }),
      vb.addVersion({ expectHead: undefined, kind: 'import', packVersion: 'p0', authorName: 'import', why: 'b', createdAt: 0, files: starter }),
    ]);
    expect(imports.filter(Boolean).map((v) => v!.id)).toEqual([1]);
    const winners: string[] = [];
    for (const round of range(15)) {
      const head = (await va.head())!.id;
      await va.putDraft({ path: 'content/en/a.yaml', text: `draft ${round}`, baseVersion: head, authorId: 's', authorName: 'S', why: 'w', updatedAt: round });
      // Four publishers, two on each instance, all built on the same head, each with its own text.
      const publish = (v: typeof va, who: string) =>
        v.addVersion({
          expectHead: head,
          kind: 'publish',
          packVersion: `p${round}${who}`,
          authorName: who,
          why: `round ${round}`,
          createdAt: round,
          files: [
            { path: 'content/en/a.yaml', text: `a: ${round} by ${who}\n` },
            { path: 'content/en/shared.yaml', text: `shared ${round}\n` },
          ],
          publishedDrafts: [{ path: 'content/en/a.yaml', updatedAt: round }],
        });
      const results = await Promise.all([publish(va, 'A1'), publish(vb, 'B1'), publish(va, 'A2'), publish(vb, 'B2')]);
      const won = results.filter((r) => r !== undefined);
      expect(won).toHaveLength(1);
      expect(won[0]).toMatchObject({ id: head + 1, parent: head });
      winners.push(won[0]!.authorName);
      // The version holds the winner's files only, and the draft it published is gone.
      expect(await vb.files(head + 1)).toEqual([
        { path: 'content/en/a.yaml', hash: sha256Hex(`a: ${round} by ${won[0]!.authorName}\n`) },
        { path: 'content/en/shared.yaml', hash: sha256Hex(`shared ${round}\n`) },
      ]);
      expect(await vb.drafts()).toEqual([]);
    }
    expect((await vb.versions(100)).map((v) => v.id)).toEqual(range(16).map((i) => 16 - i));
    // No loser left a text behind: one starter text, then a winner's text and a shared text per round.
    const blobs = (await a.pool.query<{ text: string }>('SELECT text FROM content_blobs')).rows.map((r) => r.text);
    expect(blobs.sort()).toEqual(['a: 0\n', ...range(15).flatMap((i) => [`a: ${i} by ${winners[i]}\n`, `shared ${i}\n`])].sort());
  });

  it('a connection the database server drops (restart, failover) is replaced: the instance carries on, nothing crashes', async () => {
    const c = t.store(Date.now, `${t.schema}_dropped`);
    await c.migrate();
    await c.kvPut('ns', 'before', '1');
    expect(c.pool.totalCount).toBeGreaterThan(0);
    // The server ends every connection of this instance, as a restart of PostgreSQL would.
    const killed = await a.pool.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [`${t.schema}_dropped`]);
    expect(killed.rowCount).toBeGreaterThan(0);
    const end = Date.now() + 10_000;
    while (c.pool.totalCount > 0) {
      if (Date.now() > end) throw new Error('the pool kept its dead connections');
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(await c.ping()).toBe(true);
    expect(await c.kvGet('ns', 'before')).toBe('1');
    expect(await c.kvPutIfAbsent('ns', 'after', '1')).toBe(true);
  });
});
