/**
 * A PostgreSQL database from before the content editor (issue 16) takes its
 * migrations on the next start: 400 lets the staff table hold editors and
 * translators without touching the sessions and handoffs that point at the
 * accounts (the CHECK is replaced in place; SQLite's table rebuild is tested
 * in content-versions.test.ts), 410 adds the editor's tables when they are
 * first asked for, and 450 adds the co-creation columns to the questions
 * kept before, which read as unanswered questions.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgCoreMigrations, pgHandoffMigrations } from '../../src/store/postgres/migrations.js';
import { createTestSchema, type TestSchema } from '../helpers/postgres.js';

let t: TestSchema;
beforeAll(async () => {
  t = await createTestSchema();
});
afterAll(async () => {
  await t?.drop();
});

describe('PostgreSQL migrations of the editor and co-creation', () => {
  it('a database at migration 105 gets the editor roles, keeps its sessions and handoffs, and its old questions read as unanswered', async () => {
    const old = t.store();
    await old.migrateWith(pgCoreMigrations);
    await old.migrateWith(pgHandoffMigrations.filter((m) => m.version < 400));
    await old.pool.query("INSERT INTO staff (id, email, name, role, password_hash, created_at) VALUES ('s1', 'a@x', 'A', 'caseworker', 'h', 1)");
    await expect(
      old.pool.query("INSERT INTO staff (id, email, name, role, password_hash, created_at) VALUES ('s2', 'b@x', 'B', 'editor', 'h', 1)"),
    ).rejects.toThrow(/staff_role_check/);
    await old.pool.query("INSERT INTO staff_sessions (token_hash, staff_id, csrf, expires_at, created_at) VALUES ('t', 's1', 'c', 99, 1)");
    await old.pool.query(
      "INSERT INTO handoffs (id, channel, conversation_id, lang, reason, priority, status, caseworker_id, created_at) VALUES ('h1', 'cli', 'c', 'en', 'asked', 1, 'active', 's1', 1)",
    );
    await old.pool.query("INSERT INTO unanswered (channel, conversation_id, lang, text, content_version, at) VALUES ('cli', 'c', 'de', 'alte Frage', 'v', 5)");
    await old.close();

    // The next start: migrate(), then the parts as they are asked for.
    const s = t.store();
    await s.migrate();
    expect(await (await s.questions()).questionsBetween(0, 10)).toEqual([{ kind: 'unanswered', lang: 'de', text: 'alte Frage', who: 'cli:c', at: 5 }]);
    const accounts = await s.staffAccounts();
    expect((await accounts.staffById('s1'))?.role).toBe('caseworker');
    await accounts.updateStaff('s1', { role: 'translator', languages: ['fa'] });
    expect((await accounts.staffById('s1'))?.role).toBe('translator');
    await expect(s.pool.query("UPDATE staff SET role = 'owner' WHERE id = 's1'")).rejects.toThrow(/staff_role_check/);
    expect((await s.pool.query("SELECT staff_id FROM staff_sessions WHERE token_hash = 't'")).rows).toEqual([{ staff_id: 's1' }]);
    expect((await (await s.handoffs()).getHandoff('h1'))?.caseworkerId).toBe('s1');
    // The references still hold: a session for an account that does not exist is refused.
    await expect(
      s.pool.query("INSERT INTO staff_sessions (token_hash, staff_id, csrf, expires_at, created_at) VALUES ('u', 'nobody', 'c', 9, 1)"),
    ).rejects.toThrow(/foreign key/);
    expect(await s.pool.query("SELECT 1 FROM information_schema.tables WHERE table_schema = $1 AND table_name = 'content_versions'", [t.schema])).toMatchObject(
      {
        rowCount: 0,
      },
    );
    expect(await (await s.contentVersions()).head()).toBeUndefined();
    const applied = (await s.pool.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version')).rows.map((r) => r.version);
    expect(applied).toEqual([1, 2, 3, 4, 100, 101, 102, 103, 104, 105, 400, 410, 450, 460]);
  });
});
