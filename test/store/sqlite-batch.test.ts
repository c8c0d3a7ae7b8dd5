/**
 * The SQLite group commit (src/store/sqlite-batch.ts): the writes of one event-loop turn commit
 * together, and one that fails is undone alone, also now that jobs first run without a savepoint
 * each and only a failing batch is run again with them.
 */
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { WriteBatch } from '../../src/store/sqlite-batch.js';

function db() {
  const d = new Database(':memory:');
  d.exec('CREATE TABLE t (k TEXT PRIMARY KEY, n INTEGER NOT NULL)');
  return d;
}

describe('group commit', () => {
  it('commits the writes of one turn once, each caller gets its own result', async () => {
    const d = db();
    const b = new WriteBatch(d);
    const ins = d.prepare('INSERT INTO t (k, n) VALUES (?, ?) RETURNING n');
    const rs = await Promise.all([1, 2, 3].map((n) => b.run(() => (ins.get(`k${n}`, n) as { n: number }).n)));
    expect(rs).toEqual([1, 2, 3]);
    expect(b.stats).toEqual({ commits: 1, writes: 3 });
    expect(d.prepare('SELECT count(*) AS c FROM t').get()).toEqual({ c: 3 });
  });

  it('a write that fails half-way is undone alone and rejects alone; the others, before and after it, commit', async () => {
    const d = db();
    const b = new WriteBatch(d);
    const ins = d.prepare('INSERT INTO t (k, n) VALUES (?, ?)');
    let runs = 0;
    const first = b.run(() => ins.run('a', 1).changes);
    const bad = b.run(() => {
      runs++;
      ins.run('half', 1); // done, then undone with the failure
      ins.run('a', 2); // duplicate key
    });
    const last = b.run(() => ins.run('b', 3).changes);
    await expect(first).resolves.toBe(1);
    await expect(bad).rejects.toThrow(/UNIQUE/);
    await expect(last).resolves.toBe(1);
    expect(d.prepare('SELECT k, n FROM t ORDER BY k').all()).toEqual([
      { k: 'a', n: 1 },
      { k: 'b', n: 3 },
    ]);
    // Run once optimistically, once again under its savepoint.
    expect(runs).toBe(2);
    expect(d.inTransaction).toBe(false);
    // The next turn's batch works as before.
    await expect(b.run(() => ins.run('c', 4).changes)).resolves.toBe(1);
    expect(b.stats.commits).toBe(2);
  });
});
