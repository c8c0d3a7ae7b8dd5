/**
 * The cluster contract (contract.ts) in memory and on Redis (127.0.0.1:6379, or
 * LOTSE_TEST_REDIS_URL), each Redis run under a key prefix of its own, with short lease times so
 * the takeover after a death is quick.
 */
import { randomBytes } from 'node:crypto';
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
