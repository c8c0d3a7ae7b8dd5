/**
 * The editor's store on a real SQLite file (issue 16): versions are
 * immutable and content-addressed, a version made on a stale head is
 * refused, published drafts go with their version unless edited since,
 * review marks keep their history, and the staff table takes the editor's
 * roles after migration 400 without losing sessions or handoffs.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { handoffMigrations } from '../../src/store/sqlite-handoffs.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import { sha256Hex } from '../../src/util/hash.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lotse-versions-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const by = { authorId: 'stf_1', authorName: 'Ed' };

describe('ContentVersions (SQLite file)', () => {
  it('adds versions on the head only, stores each text once, and reads them back after a reopen', async () => {
    const file = path.join(dir, 'v.sqlite');
    let s = new SqliteStore(file, () => 5);
    await s.migrate();
    let v = await s.contentVersions();
    expect(await v.head()).toBeUndefined();
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
    expect(one).toMatchObject({ id: 1, kind: 'import', packVersion: 'p1' });
    expect(one!.parent).toBeUndefined();
    // A second writer who also saw "no version" loses, and nothing is added.
    expect(
      await v.addVersion({ expectHead: undefined, kind: 'import', packVersion: 'px', authorName: 'x', why: 'x', createdAt: 2, files: [] }),
    ).toBeUndefined();
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
    expect(two).toMatchObject({ id: 2, parent: 1, authorName: 'Ed', why: 'fix' });
    expect((await v.drafts()).map((d) => d.path)).toEqual(['content/fa/a.yaml']);
    expect((await v.draft('content/fa/a.yaml'))?.text).toBeNull();
    await s.close();

    s = new SqliteStore(file, () => 5);
    await s.migrate();
    v = await s.contentVersions();
    expect((await v.head())?.id).toBe(2);
    expect(await v.files(1)).toEqual([
      { path: 'content/en/a.yaml', hash: sha256Hex('a: 1\n') },
      { path: 'content/fa/a.yaml', hash: sha256Hex('a: 1\n') },
    ]);
    expect(await v.files(2)).toEqual([{ path: 'content/en/a.yaml', hash: sha256Hex('a: 2\n') }]);
    const blobs = await v.blobs([sha256Hex('a: 1\n'), sha256Hex('a: 2\n'), 'nope']);
    expect([...blobs.values()].sort()).toEqual(['a: 1\n', 'a: 2\n']);
    expect((s.db.prepare('SELECT COUNT(*) AS n FROM content_blobs').get() as { n: number }).n).toBe(2);
    expect((await v.versions(10)).map((x) => x.id)).toEqual([2, 1]);
    expect((await v.versions(10, 2)).map((x) => x.id)).toEqual([1]);
    expect(await v.deleteDraft('content/fa/a.yaml')).toBe(true);
    expect(await v.deleteDraft('content/fa/a.yaml')).toBe(false);
    await s.close();
  });

  it('keeps every review mark and answers the latest per file', async () => {
    const s = new SqliteStore(path.join(dir, 'r.sqlite'));
    await s.migrate();
    const v = await s.contentVersions();
    await v.addVersion({ expectHead: undefined, kind: 'import', packVersion: 'p', authorName: 'i', why: 'i', createdAt: 1, files: [] });
    await v.addVersion({ expectHead: 1, kind: 'publish', packVersion: 'q', authorName: 'i', why: 'i', createdAt: 2, files: [] });
    const mark = { lang: 'fa', path: 'content/fa/a.yaml', hash: 'h', staffId: 's', staffName: 'Fa' };
    await v.addReview({ ...mark, versionId: 1, at: 1 });
    await v.addReview({ ...mark, versionId: 2, at: 2 });
    await v.addReview({ ...mark, path: 'content/ar/a.yaml', lang: 'ar', versionId: 1, at: 3 });
    expect((await v.reviews('fa')).map((r) => [r.path, r.versionId])).toEqual([['content/fa/a.yaml', 2]]);
    expect((s.db.prepare('SELECT COUNT(*) AS n FROM content_reviews').get() as { n: number }).n).toBe(3);
    await s.close();
  });

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
