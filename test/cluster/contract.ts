/**
 * The cluster contract (src/cluster): what the bus, the locks and leadership promise, run on the
 * in-process implementation (one instance) and on Redis (two "instances": two clusters, each with
 * its own connections, on one key prefix). Waits end when the awaited thing happened; a deadline
 * only fails a hung run.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { Cluster } from '../../src/cluster/cluster.js';

/** Resolves once `pred` holds; throws after `ms` (a hung run, never a timed assertion). */
export async function until(pred: () => boolean | Promise<boolean>, what: string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await pred())) {
    if (Date.now() > end) throw new Error(`never happened: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** How a test gets its instances: `two()` two members of one cluster (the same one in memory). */
export interface ClusterFixture {
  name: string;
  two(): Promise<[Cluster, Cluster]>;
  /** Redis only: the instance `c` dies (its connections drop, nothing released). */
  kill?(c: Cluster): Promise<void>;
}

/** Waits until a subscription of `topic` on `to` receives what `from` publishes (Redis subscribes asynchronously). */
async function connected(from: Cluster, to: Cluster, topic: string): Promise<void> {
  let seen = false;
  const off = to.bus.subscribe(topic, (d) => {
    if (d === 'hello') seen = true;
  });
  await until(() => {
    from.bus.publish(topic, 'hello');
    return seen;
  }, 'the subscription is live');
  off();
}

export function clusterContract(f: ClusterFixture): void {
  describe(`cluster contract: ${f.name}`, () => {
    const open: Cluster[] = [];
    const two = async () => {
      const pair = await f.two();
      open.push(...pair);
      return pair;
    };
    afterAll(async () => {
      for (const c of new Set(open)) await c.close();
    });

    it('the bus carries events to every instance in the order published, this one included at once; unsubscribe ends it', async () => {
      const [a, b] = await two();
      await connected(a, b, 't1');
      const atA: unknown[] = [];
      const atB: unknown[] = [];
      // (Late copies of the handshake's greetings are not part of the test.)
      const offA = a.bus.subscribe('t1', (d) => d !== 'hello' && atA.push(d));
      const offB = b.bus.subscribe('t1', (d) => d !== 'hello' && atB.push(d));
      const other: unknown[] = [];
      b.bus.subscribe('t2', (d) => other.push(d));
      for (let i = 0; i < 50; i++) a.bus.publish('t1', { i, text: `n${i}` });
      // Delivered to the publisher's own subscribers synchronously, as the EventEmitter did.
      expect(atA).toHaveLength(50);
      await until(() => atB.length >= 50, 'b got all 50');
      expect(atB).toEqual(Array.from({ length: 50 }, (_, i) => ({ i, text: `n${i}` })));
      expect(atA).toEqual(atB);
      expect(other).toEqual([]);
      offA();
      offB();
      a.bus.publish('t1', 'after');
      await connected(a, b, 't1');
      expect(atA).toHaveLength(50);
      expect(atB).toHaveLength(50);
    });

    it('a lock is held by one holder at a time across instances; other keys do not wait; a failing holder releases it', async () => {
      const [a, b] = await two();
      let inside = 0;
      let most = 0;
      const ran: string[] = [];
      const work = (who: string, i: number) => async () => {
        inside++;
        most = Math.max(most, inside);
        await new Promise((r) => setTimeout(r, 2));
        ran.push(`${who}${i}`);
        inside--;
        return i;
      };
      const results = await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 ? a : b).locks.withLock('conv:1', work(i % 2 ? 'a' : 'b', i))));
      expect(results).toEqual(Array.from({ length: 30 }, (_, i) => i));
      expect(most).toBe(1);
      expect(ran).toHaveLength(30);

      // While a holds conv:2 (until released by hand), b runs conv:3 to its end.
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      let aIn = false;
      const aDone = a.locks.withLock('conv:2', async () => {
        aIn = true;
        await held;
        return 'a';
      });
      await until(() => aIn, 'a holds conv:2');
      expect(await b.locks.withLock('conv:3', async () => 'b')).toBe('b');
      release();
      expect(await aDone).toBe('a');

      await expect(a.locks.withLock('conv:4', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
      expect(await b.locks.withLock('conv:4', async () => 'free again')).toBe('free again');
    });

    it('one instance leads a job; when it steps down another takes over', async () => {
      const [a, b] = await two();
      const leaders = new Set<string>();
      const log: string[] = [];
      const job = (who: string) => ({
        gained: () => {
          leaders.add(who);
          log.push(`+${who}`);
        },
        lost: () => {
          leaders.delete(who);
          log.push(`-${who}`);
        },
      });
      const stopA = a.leadership.elect('job-1', job('a'));
      await until(() => leaders.has('a'), 'a leads');
      if (a === b) {
        await stopA();
        expect(log).toEqual(['+a', '-a']);
        return;
      }
      const stopB = b.leadership.elect('job-1', job('b'));
      // b keeps trying while a leads; it never leads at the same time.
      for (let i = 0; i < 5; i++) {
        await new Promise((r) => setTimeout(r, 60));
        expect([...leaders]).toEqual(['a']);
      }
      await stopA();
      await until(() => leaders.has('b'), 'b takes over');
      expect(log).toEqual(['+a', '-a', '+b']);
      await stopB();
      expect(leaders.size).toBe(0);
    });

    if (f.kill) {
      const kill = f.kill;
      it('a dead instance loses its locks and its lead after their time to live', async () => {
        const [a, b] = await two();
        let aIn = false;
        void a.locks
          .withLock('conv:dead', async () => {
            aIn = true;
            await new Promise(() => undefined);
          })
          .catch(() => undefined);
        const leaders: string[] = [];
        a.leadership.elect('job-2', { gained: () => void leaders.push('a'), lost: () => undefined });
        await until(() => aIn && leaders.includes('a'), 'a holds the lock and leads');
        const stopB = b.leadership.elect('job-2', { gained: () => void leaders.push('b'), lost: () => undefined });
        await kill(a);
        expect(await b.locks.withLock('conv:dead', async () => 'b has it')).toBe('b has it');
        await until(() => leaders.includes('b'), 'b leads after a died');
        expect(leaders).toEqual(['a', 'b']);
        await stopB();
      });
    }
  });
}
