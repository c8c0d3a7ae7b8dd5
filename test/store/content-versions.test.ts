/**
 * The editor's store on a real SQLite file (issue 16), where it is SQLite's
 * own: the staff table takes the editor's roles after migration 400 (a table
 * rebuild) without losing sessions or handoffs. What every store must do with
 * versions, drafts, review marks and roles is in the store contract
 * (contract.ts), run on SQLite and PostgreSQL.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { handoffMigrations } from '../../src/store/sqlite-handoffs.js';
import { SqliteStore } from '../../src/store/sqlite.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lotse-versions-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('ContentVersions (SQLite file)', () => {
  it('migration 400 gives the staff table the editor roles and keeps sessions and handoffs that point at it', async () => {
    const file = path.join(dir, 'staff.sqlite');
    // A file as it was before the editor: every staff migration up to 105.
    const old = new SqliteStore(file);
    await old.migrate();
    old.migrateWith(handoffMigrations.filter((m) => m.version < 400));
    old.db.prepare("INSERT INTO staff (id, email, name, role, password_hash, created_at) VALUES ('s1', 'a@x', 'A', 'caseworker', 'h', 1)").run();
    expect(() =>
      old.db.prepare("INSERT INTO staff (id, email, name, role, password_hash, created_at) VALUES ('s2', 'b@x', 'B', 'editor', 'h', 1)").run(),
    ).toThrow(/CHECK/);
    old.db.prepare("INSERT INTO staff_sessions (token_hash, staff_id, csrf, expires_at, created_at) VALUES ('t', 's1', 'c', 99, 1)").run();
    old.db
      .prepare(
        "INSERT INTO handoffs (id, channel, conversation_id, lang, reason, priority, status, caseworker_id, created_at) VALUES ('h1', 'cli', 'c', 'en', 'asked', 1, 'active', 's1', 1)",
      )
      .run();
    await old.close();

    const s = new SqliteStore(file);
    await s.migrate();
    const accounts = await s.staffAccounts();
    expect((await accounts.staffById('s1'))?.role).toBe('caseworker');
    await accounts.updateStaff('s1', { role: 'translator', languages: ['fa'] });
    expect((await accounts.staffById('s1'))?.role).toBe('translator');
    expect(() => s.db.prepare("UPDATE staff SET role = 'owner' WHERE id = 's1'").run()).toThrow(/CHECK/);
    expect(s.db.prepare("SELECT staff_id FROM staff_sessions WHERE token_hash = 't'").get()).toEqual({ staff_id: 's1' });
    expect((await (await s.handoffs()).getHandoff('h1'))?.caseworkerId).toBe('s1');
    // The references still hold: a session for an account that does not exist is refused.
    expect(() =>
      s.db.prepare("INSERT INTO staff_sessions (token_hash, staff_id, csrf, expires_at, created_at) VALUES ('u', 'nobody', 'c', 9, 1)").run(),
    ).toThrow(/FOREIGN KEY/);
    expect(s.db.pragma('foreign_keys', { simple: true })).toBe(1);
    await s.close();
    const raw = new Database(file, { readonly: true });
    expect((raw.prepare("SELECT sql FROM sqlite_master WHERE name = 'staff'").get() as { sql: string }).sql).toContain("'translator'");
    raw.close();
  });
});
