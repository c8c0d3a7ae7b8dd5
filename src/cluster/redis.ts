/**
 * The cluster on Redis (REDIS_URL): pub/sub for the bus, `SET NX PX` leases for locks and
 * leadership. Every key and channel starts with REDIS_KEY_PREFIX.
 *
 * Why Redis and not PostgreSQL's LISTEN/NOTIFY, which the store already has: a NOTIFY is sent
 * only at COMMIT, so an event must ride a transaction, and each listener holds a dedicated
 * connection from the pool; a lock held across a turn in PostgreSQL (an advisory lock) pins a
 * pooled connection for the whole turn, and a caseworker console burst (typing, status) would
 * go through the database's WAL-less but still serialised notification queue. Redis does all
 * three with expiring keys, so a SIGKILLed holder frees its lock and lead by itself after the
 * time to live. What needs to be durable (rate counters, de-duplication ids, the inbox) stays in
 * the store, which is shared already: rate counters are one atomic upsert there.
 */
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { Redis } from 'ioredis';
import type { Logger } from '../util/logger.js';
import { SerialQueue } from '../util/serial-queue.js';
import type { Bus, Cluster, LeaderJob, Leadership, Locks } from './cluster.js';

/** Deletes the key only when it still holds our token (a lock we lost after its TTL is not ours to delete). */
const RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";
/** Extends the key's life only when it still holds our token. */
const RENEW = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end";

/** Timings of the Redis cluster; the defaults suit production, tests may shorten them. */
export interface RedisClusterOptions {
  /** A conversation lock's life without renewal: how long a dead holder blocks its conversation (default 10 s). */
  lockTtlMs?: number;
  /** How long a turn waits for its conversation's lock before it fails (default 60 s; the turn runs again later). */
  lockWaitMs?: number;
  /** A leader's lease without renewal: how long after a leader dies another takes over, at most 4/3 of it (default 6 s). */
  leaderTtlMs?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The bus on Redis pub/sub: delivered here at once, to the other instances through Redis (they skip their own echo). */
export class RedisBus implements Bus {
  private readonly local = new EventEmitter().setMaxListeners(0);
  private readonly topics = new Set<string>();
  constructor(
    private readonly pub: Redis,
    private readonly sub: Redis,
    private readonly prefix: string,
    private readonly instanceId: string,
    private readonly log: Logger,
  ) {
    sub.on('message', (channel: string, raw: string) => {
      if (!channel.startsWith(`${prefix}bus:`)) return;
      try {
        const m = JSON.parse(raw) as { from: string; data: unknown };
        if (m.from === this.instanceId) return;
        this.local.emit(channel.slice(prefix.length + 4), m.data);
      } catch (err) {
        this.log.warn('cluster: unreadable bus message ignored', { err });
      }
    });
  }
  publish(topic: string, data: unknown): void {
    this.local.emit(topic, data);
    this.pub.publish(`${this.prefix}bus:${topic}`, JSON.stringify({ from: this.instanceId, data })).catch((err: unknown) => {
      // The other instances catch up from the store at their next reconnect or poll.
      this.log.warn('cluster: bus publish failed', { topic, err });
    });
  }
  subscribe(topic: string, fn: (data: unknown) => void): () => void {
    if (!this.topics.has(topic)) {
      this.topics.add(topic);
      this.sub.subscribe(`${this.prefix}bus:${topic}`).catch((err: unknown) => this.log.error('cluster: bus subscribe failed', { topic, err }));
    }
    this.local.on(topic, fn);
    return () => this.local.off(topic, fn);
  }
}

/** Per-key locks as Redis leases (`SET key token NX PX ttl`), renewed while held, released by token. */
export class RedisLocks implements Locks {
  /** Waiters of this process queue here first, so only one of them at a time asks Redis. */
  private readonly q = new SerialQueue();
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly instanceId: string,
    private readonly ttlMs: number,
    private readonly waitMs: number,
  ) {}
  withLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
    return this.q.run(key, () => this.held(key, fn));
  }
  private async held<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const k = `${this.prefix}lock:${key}`;
    const token = `${this.instanceId}:${randomBytes(8).toString('hex')}`;
    const end = Date.now() + this.waitMs;
    for (let delay = 5; ; delay = Math.min(delay * 2, 200)) {
      if ((await this.redis.set(k, token, 'PX', this.ttlMs, 'NX')) === 'OK') break;
      if (Date.now() > end) throw new Error(`conversation lock busy for ${this.waitMs} ms`);
      await sleep(delay + Math.random() * delay);
    }
    const renew = setInterval(() => void this.redis.eval(RENEW, 1, k, token, String(this.ttlMs)).catch(() => undefined), Math.max(50, this.ttlMs / 3));
    renew.unref();
    try {
      return await fn();
    } finally {
      clearInterval(renew);
      await this.redis.eval(RELEASE, 1, k, token).catch(() => undefined);
    }
  }
}

/** Leadership as a renewed Redis lease per job name; a candidate tries every third of the lease. */
export class RedisLeadership implements Leadership {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly instanceId: string,
    private readonly ttlMs: number,
    private readonly log: Logger,
  ) {}
  elect(name: string, job: LeaderJob): () => Promise<void> {
    const k = `${this.prefix}leader:${name}`;
    const token = `${this.instanceId}:${randomBytes(8).toString('hex')}`;
    let leading = false;
    let stopped = false;
    let renewedAt = 0;
    // Ticks never overlap: gained/lost run to their end before the next look at the lease.
    let chain: Promise<void> = Promise.resolve();
    const lose = async (why: string) => {
      leading = false;
      this.log.warn('cluster: leadership lost', { job: name, why });
      await job.lost();
    };
    const tick = async () => {
      if (stopped) return;
      try {
        if (leading) {
          if (Number(await this.redis.eval(RENEW, 1, k, token, String(this.ttlMs))) === 1) renewedAt = Date.now();
          else await lose('the lease went to another instance');
        } else if ((await this.redis.set(k, token, 'PX', this.ttlMs, 'NX')) === 'OK') {
          leading = true;
          renewedAt = Date.now();
          this.log.info('cluster: leading', { job: name, instance: this.instanceId });
          await job.gained();
        }
      } catch (err) {
        // Redis unreachable: keep leading only while the last lease certainly still runs.
        if (leading && Date.now() - renewedAt > (this.ttlMs * 2) / 3) await lose('Redis unreachable');
        else this.log.warn('cluster: leadership check failed', { job: name, err });
      }
    };
    const timer = setInterval(() => (chain = chain.then(tick)), Math.max(50, this.ttlMs / 3));
    timer.unref();
    chain = chain.then(tick);
    return async () => {
      stopped = true;
      clearInterval(timer);
      await chain;
      if (!leading) return;
      leading = false;
      await job.lost();
      await this.redis.eval(RELEASE, 1, k, token).catch(() => undefined);
    };
  }
}

/** Connects to Redis (failing start-up with a clear message when it cannot) and builds the cluster on it. */
export async function redisCluster(url: string, prefix: string, log: Logger, opts: RedisClusterOptions = {}): Promise<Cluster> {
  const instanceId = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const connect = () => new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 3, enableAutoPipelining: true });
  const cmd = connect();
  const sub = connect();
  for (const c of [cmd, sub]) c.on('error', (err: unknown) => log.warn('cluster: Redis connection error', { err }));
  try {
    await cmd.connect();
    await sub.connect();
  } catch (err) {
    cmd.disconnect();
    sub.disconnect();
    throw new Error(`cannot reach Redis at REDIS_URL: ${(err as Error).message}`);
  }
  return {
    kind: 'redis',
    instanceId,
    bus: new RedisBus(cmd, sub, prefix, instanceId, log),
    locks: new RedisLocks(cmd, prefix, instanceId, opts.lockTtlMs ?? 10_000, opts.lockWaitMs ?? 60_000),
    leadership: new RedisLeadership(cmd, prefix, instanceId, opts.leaderTtlMs ?? 6_000, log),
    ready: async () => (await cmd.ping().catch(() => '')) === 'PONG',
    close: async () => {
      await Promise.allSettled([sub.quit(), cmd.quit()]);
    },
  };
}
