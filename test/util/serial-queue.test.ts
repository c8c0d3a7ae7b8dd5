import { describe, expect, it } from 'vitest';
import { SerialQueue } from '../../src/util/serial-queue.js';

const tick = () => new Promise((r) => setTimeout(r, 1));

describe('SerialQueue', () => {
  it('runs one key in order, other keys side by side, and forgets idle keys', async () => {
    const q = new SerialQueue();
    const log: string[] = [];
    const task = (name: string, ms: number) => async () => {
      log.push(`${name}+`);
      await new Promise((r) => setTimeout(r, ms));
      log.push(`${name}-`);
      return name;
    };
    const a1 = q.run('a', task('a1', 20));
    const a2 = q.run('a', task('a2', 1));
    const b1 = q.run('b', task('b1', 1));
    expect(await Promise.all([a1, a2, b1])).toEqual(['a1', 'a2', 'b1']);
    expect(log.indexOf('a1-')).toBeLessThan(log.indexOf('a2+'));
    expect(log.indexOf('b1-')).toBeLessThan(log.indexOf('a1-'));
    await tick();
    expect(q.size).toBe(0);
  });

  it('a failing task rejects for its caller only; the next one still runs', async () => {
    const q = new SerialQueue();
    const bad = q.run('k', async () => {
      throw new Error('boom');
    });
    const good = q.run('k', async () => 42);
    await expect(bad).rejects.toThrow('boom');
    expect(await good).toBe(42);
  });
});
