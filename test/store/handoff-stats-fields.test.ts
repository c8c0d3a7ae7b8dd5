/**
 * The handoff fields the admin's statistics rest on (first caseworker reply,
 * rating): migration 102 fills the first reply of handoffs stored before it,
 * in a real SQLite file and in PostgreSQL. That the store keeps it from then
 * on, and it and the rating outlive the purge, is in the store contract.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pgHandoffMigrations } from '../../src/store/postgres/migrations.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import { handoffMigrations } from '../../src/store/sqlite-handoffs.js';
import { createTestSchema } from '../helpers/postgres.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lotse-stats-fields-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

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

  it('PostgreSQL migration 102 does the same', async () => {
    const t = await createTestSchema();
    try {
      const s = t.store();
      await s.migrate();
      await s.migrateWith(pgHandoffMigrations.filter((m) => m.version < 102));
      const insert = (id: string) =>
        s.pool.query(
          "INSERT INTO handoffs (id, channel, conversation_id, lang, reason, priority, status, created_at) VALUES ($1, 'webchat', $2, 'ar', 'asked', 1, 'closed', 1000)",
          [id, `c${id}`],
        );
      const msg = (h: string, author: string, kind: string, text: string, at: number) =>
        s.pool.query('INSERT INTO handoff_messages (handoff_id, author, kind, text, at) VALUES ($1, $2, $3, $4, $5)', [h, author, kind, text, at]);
      await insert('a');
      await msg('a', 'person', 'message', 'hello', 1500);
      await msg('a', 'caseworker', 'note', 'internal', 1600);
      await msg('a', 'caseworker', 'message', 'second', 3000);
      await msg('a', 'caseworker', 'message', 'first', 2000); // stored later, written earlier: MIN(at) decides
      await insert('b');
      await msg('b', 'person', 'message', 'nobody answered', 1500);
      const hs = await s.handoffs(); // applies 102-105 and the editor's roles (400)
      expect((await hs.getHandoff('a'))?.firstReplyAt).toBe(2000);
      expect((await hs.getHandoff('b'))?.firstReplyAt).toBeUndefined();
      expect((await s.pool.query('SELECT version FROM schema_migrations ORDER BY version')).rows.map((r) => r.version)).toEqual([
        1, 2, 3, 4, 100, 101, 102, 103, 104, 105, 400, 450,
      ]);
    } finally {
      await t.drop();
    }
  });
});
