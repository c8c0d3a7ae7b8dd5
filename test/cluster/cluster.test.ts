/**
 * The cluster contract (contract.ts) in memory and on Redis (127.0.0.1:6379, or
 * LOTSE_TEST_REDIS_URL), each Redis run under a key prefix of its own, with short lease times so
 * the takeover after a death is quick.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { memoryCluster } from '../../src/cluster/cluster.js';
import { redisCluster } from '../../src/cluster/redis.js';
import type { Cluster } from '../../src/cluster/cluster.js';
import { silentLogger } from '../../src/util/logger.js';
import { clusterContract } from './contract.js';

const REDIS_URL = process.env.LOTSE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const opts = { lockTtlMs: 400, lockWaitMs: 10_000, leaderTtlMs: 300 };

clusterContract({
  name: 'in memory',
  async two() {
    const c = memoryCluster();
    return [c, c];
  },
});

clusterContract({
  name: 'Redis',
  async two(): Promise<[Cluster, Cluster]> {
    const prefix = `lotse-test-redis:${randomBytes(4).toString('hex')}:`;
    return [await redisCluster(REDIS_URL, prefix, silentLogger, opts), await redisCluster(REDIS_URL, prefix, silentLogger, opts)];
  },
  // Its connections drop at once (no release, no goodbye), as a SIGKILLed process's do.
  kill: async (c) => c.close(),
});

describe('REDIS_URL without a Redis', () => {
  it('stops start-up with a message that names the variable, not the password', async () => {
    await expect(redisCluster('redis://:hunter2@127.0.0.1:1', 'lotse-test-redis:x:', silentLogger)).rejects.toThrow(
      /^cannot reach Redis at REDIS_URL: (?!.*hunter2)/,
    );
  });
  it('a malformed REDIS_URL is a configuration error naming it, without its value', () => {
    expect(() => loadConfig({ REDIS_URL: 'http://:secret@redis' })).toThrow(/REDIS_URL: looks like redis:\/\/host:6379 .*\(value not shown\)/);
    expect(loadConfig({ REDIS_URL: 'redis://redis:6379' })).toMatchObject({ REDIS_URL: 'redis://redis:6379', REDIS_KEY_PREFIX: 'lotse:' });
  });
});
