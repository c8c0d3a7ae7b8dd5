import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteStore, sqliteMigrations } from '../../src/store/sqlite.js';
import { questionMigrations } from '../../src/store/sqlite-questions.js';
import { maskPersonalData } from '../../src/store/store.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lotse-store-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

// What every store must do is in contract.ts (run on SQLite by contract-sqlite.test.ts); these are the file's own mechanics.
describe('SqliteStore (a real file)', () => {
  it('creates the file and runs each migration once', async () => {
    const file = path.join(dir, 'a', 'lotse.sqlite');
    const s = new SqliteStore(file);
    await s.migrate();
    await s.migrate();
    const rows = s.db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[];
    expect(rows.map((r) => r.version)).toEqual([...sqliteMigrations, ...questionMigrations].map((m) => m.version));
    expect(fs.existsSync(file)).toBe(true);
    await s.close();
  });

  it('kv: the sweep deletes expired rows from the file and keeps live and unexpiring ones', async () => {
    let t = 0;
    const file = path.join(dir, 'sweep.sqlite');
    const s = new SqliteStore(file, () => t);
    await s.migrate();
    for (let i = 0; i < 50; i++) await s.kvPut('tg:update', `bot:${i}`, '1', 1000);
    await s.kvPut('tg:update', 'bot:late', '1', 5000);
    await s.kvPut('tg:file', 'forever', 'FILEID');
    t = 2000;
    expect(await s.kvSweep()).toBe(50);
    expect(await s.kvSweep()).toBe(0);
    await s.close();
    // Read back from the file: the rows are gone, not just hidden.
    const again = new SqliteStore(file, () => t);
    const rows = (again as unknown as { db: { prepare(q: string): { all(): { key: string }[] } } }).db.prepare('SELECT key FROM kv ORDER BY key').all();
    expect(rows.map((r) => r.key)).toEqual(['bot:late', 'forever']);
    await again.close();
  });
});

describe('unanswered questions are masked before they are written', () => {
  it('masks phone numbers, e-mail addresses and long digit runs in any script', () => {
    expect(maskPersonalData('call me at +43 660 1234567 please')).toBe('call me at [number] please');
    expect(maskPersonalData('my mail is ali.r@example.com')).toBe('my mail is [email]');
    expect(maskPersonalData('my case number 123456789')).toBe('my case number [number]');
    expect(maskPersonalData('رقمي ٠٦٦٠١٢٣٤٥٦٧')).toBe('رقمي [number]');
    expect(maskPersonalData('I am 25 and have 3 kids')).toBe('I am 25 and have 3 kids');
  });
});
