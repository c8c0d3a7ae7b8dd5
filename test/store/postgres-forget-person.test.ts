/**
 * "Delete my data" leaves nothing of the person in any PostgreSQL table: a
 * person's records of every kind (session, feedback, an unanswered question,
 * the inbox, the web chat log and rate counter, keyed records, handoffs with
 * messages, notes, outcome note and address) carry a distinctive word; after
 * `forgetPerson` every column of every table of the schema is read as text
 * and none holds it, nor the conversation id. Another person's records stay.
 * (The SQLite file gets the same scan on the real server in
 * forget-person.test.ts.)
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PostgresStore } from '../../src/store/postgres/store.js';
import { createTestSchema, type TestSchema } from '../helpers/postgres.js';
import { handoff, staffMember } from './contract.js';

let t: TestSchema;
let s: PostgresStore;
beforeAll(async () => {
  t = await createTestSchema();
  s = t.store();
  await s.migrate();
});
afterAll(async () => {
  await t?.drop();
});

/** Every non-null value of every column of every table in the schema, as text, with where it is. */
async function everyCell(): Promise<{ where: string; value: string }[]> {
  const c = new pg.Client({ connectionString: t.url });
  await c.connect();
  try {
    const cols = (
      await c.query<{ table_name: string; column_name: string }>(
        'SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = $1 ORDER BY table_name, ordinal_position',
        [t.schema],
      )
    ).rows;
    const out: { where: string; value: string }[] = [];
    for (const { table_name: tb, column_name: col } of cols)
      for (const r of (await c.query<{ v: string }>(`SELECT "${col}"::text AS v FROM "${tb}" WHERE "${col}" IS NOT NULL`)).rows)
        out.push({ where: `${tb}.${col}`, value: r.v });
    return out;
  } finally {
    await c.end();
  }
}

/** Stores one person's records of every kind, each carrying `word` (handoff ids are random in the service; here `id`). */
async function person(conversationId: string, word: string, id: string): Promise<void> {
  const ref = { channel: 'webchat', conversationId };
  await s.putSession({ ref, state: { lang: 'en', recent: [{ who: 'person', text: `${word} in the session`, at: 1 }] }, updatedAt: 1 });
  await s.addFeedback({ ref, topic: 'hearing.documents', lang: 'en', helpful: true, contentVersion: 'v', at: 1 });
  await s.addUnanswered({ ref, lang: 'en', text: `${word} unanswered`, contentVersion: 'v', at: 1 });
  await s.inbox().accept({ channel: 'webchat', externalId: `${conversationId}|c1`, conversationId, payload: { text: `${word} in the inbox` }, now: 1 });
  const log = s.webchatLog();
  await log.createConversation({ id: conversationId, userId: `u_${word}`, baseUrl: 'http://x', now: 1, expiresAt: 10 ** 12 });
  await log.append(conversationId, [{ activity: { type: 'message', text: `${word} in the log` }, clientId: 'c1' }], 1, 10 ** 12);
  await s.rateCounters().hit(`conv:${conversationId}`, 60_000, Date.now());
  await s.kvPut('channel-state', `${conversationId}:state`, `${word} state`);
  await s.kvPut('blocked', conversationId, '1');
  const hs = await s.handoffs();
  await hs.insertHandoff(handoff(id, { ref, address: `addr-${word}` }), [{ author: 'bot', kind: 'transcript', text: `${word} transcript`, at: 1 }]);
  await hs.takeIfQueued(id, 'cw', 2);
  await hs.addMessage({ handoffId: id, author: 'person', kind: 'message', text: `${word} relayed`, at: 3, source: `webchat:${conversationId}|c1#m` });
  await hs.addMessage({ handoffId: id, author: 'caseworker', staffId: 'cw', kind: 'note', text: `${word} note`, at: 4 });
  await hs.update(id, { status: 'closed', closedAt: 5, outcome: 'referred', outcomeService: 'legal aid', outcomeNote: `${word} outcome note` });
  await hs.audit('cw', id, 'close:referred', 5);
}

describe('"delete my data" on PostgreSQL', () => {
  it('no column of any table holds anything of the person afterwards; the other person is still there', async () => {
    await (await s.staffAccounts()).insertStaff(staffMember('cw'));
    await person('conv-gone', 'Zorblax', 'ho_1');
    await person('conv-kept', 'Quokka', 'ho_2');
    const before = (await everyCell()).map((c) => c.value).join('\n');
    for (const n of ['Zorblax', 'conv-gone', 'addr-Zorblax', 'Quokka']) expect(before, n).toContain(n);

    const r = await s.forgetPerson({ channel: 'webchat', conversationId: 'conv-gone' });
    expect(r).toEqual({ sessions: 1, feedback: 1, unanswered: 1, inbox: 1, webchatConversations: 1, handoffs: 1, handoffMessages: 3, kv: 2 });

    const cells = await everyCell();
    for (const n of ['Zorblax', 'conv-gone']) {
      const hits = cells.filter((c) => c.value.includes(n)).map((c) => c.where);
      expect(hits, `"${n}" is still in ${hits.join(', ')}`).toEqual([]);
    }
    const after = cells.map((c) => c.value).join('\n');
    for (const n of ['Quokka in the log', 'Quokka outcome note', 'addr-Quokka', 'conv-kept']) expect(after, n).toContain(n);
    // The handoff stays as a count: language, reason, outcome, times.
    expect((await (await s.handoffs()).stats()).find((x) => x.outcome === 'referred')?.n).toBe(2);
  });
});
