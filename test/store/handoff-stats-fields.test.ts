/**
 * The handoff fields the admin's statistics rest on (first caseworker reply,
 * rating) in a real SQLite file: migration 102 fills the first reply of
 * handoffs stored before it, the store keeps it from then on, and both
 * outlive retention of the transcript.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Handoff } from '../../src/store/handoffs.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import { handoffMigrations } from '../../src/store/sqlite-handoffs.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lotse-stats-fields-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const handoff = (id: string, createdAt: number): Handoff => ({
  id,
  ref: { channel: 'webchat', conversationId: `c-${id}` },
  lang: 'ar',
  reason: 'asked',
  priority: 1,
  status: 'queued',
  createdAt,
  offHours: false,
  transcriptPurged: false,
});

describe('first reply and rating on the handoff', () => {
  it('migration 102 takes the first reply of older handoffs from their messages', async () => {
    const file = path.join(dir, 'old.sqlite');
    const s = new SqliteStore(file);
    await s.migrate();
    // A file from before 102: the handoff tables as versions 100 and 101 made them.
    s.migrateWith(handoffMigrations.filter((m) => m.version < 102));
    const insert = s.db.prepare(
      "INSERT INTO handoffs (id, channel, conversation_id, lang, reason, priority, status, created_at) VALUES (?, 'webchat', ?, 'ar', 'asked', 1, 'closed', 1000)",
    );
    const msg = s.db.prepare('INSERT INTO handoff_messages (handoff_id, author, kind, text, at) VALUES (?, ?, ?, ?, ?)');
    insert.run('a', 'ca');
    msg.run('a', 'person', 'message', 'hello', 1500);
    msg.run('a', 'caseworker', 'note', 'internal', 1600); // a note is no reply
    msg.run('a', 'caseworker', 'message', 'first', 2000);
    msg.run('a', 'caseworker', 'message', 'second', 3000);
    insert.run('b', 'cb');
    msg.run('b', 'person', 'message', 'nobody answered', 1500);
    const hs = await s.handoffs(); // applies 102
    expect((await hs.getHandoff('a'))?.firstReplyAt).toBe(2000);
    expect((await hs.getHandoff('b'))?.firstReplyAt).toBeUndefined();
    await s.close();
  });

  it('the store sets the first reply once, ratings are 1..5, and both outlive the purge of the transcript', async () => {
    const s = new SqliteStore(path.join(dir, 'new.sqlite'));
    await s.migrate();
    const hs = await s.handoffs();
    await hs.insertHandoff(handoff('h', 10_000));
    await hs.addMessage({ handoffId: 'h', author: 'caseworker', kind: 'note', text: 'looking', at: 11_000 });
    expect((await hs.getHandoff('h'))?.firstReplyAt).toBeUndefined();
    await hs.addMessage({ handoffId: 'h', author: 'caseworker', kind: 'message', text: 'hello', at: 12_000 });
    await hs.addMessage({ handoffId: 'h', author: 'caseworker', kind: 'message', text: 'more', at: 13_000 });
    expect((await hs.getHandoff('h'))?.firstReplyAt).toBe(12_000);
    await hs.update('h', { status: 'closed', closedAt: 20_000, outcome: 'answered', rating: 4 });
    await expect(hs.update('h', { rating: 6 })).rejects.toThrow(/CHECK/);
    expect(await hs.purgeTranscripts(30_000)).toBe(1);
    const after = await hs.getHandoff('h');
    expect(after).toMatchObject({ transcriptPurged: true, firstReplyAt: 12_000, rating: 4, closedAt: 20_000 });
    expect(await hs.messages('h')).toEqual([]);
    expect((await hs.createdBetween(0, 20_000)).map((x) => x.id)).toEqual(['h']);
    expect(await hs.searchClosed({ limit: 10, offset: 0 }, 0)).toEqual({ items: [], total: 0 }); // no transcript left to show
    await s.close();
  });
});
