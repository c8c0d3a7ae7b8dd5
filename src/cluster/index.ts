/**
 * The cluster a server runs in: REDIS_URL set, the instances share a bus, locks and leadership
 * through Redis (src/cluster/redis.ts); unset, one instance keeps them in memory.
 */
import type { Config } from '../config/config.js';
import type { Logger } from '../util/logger.js';
import { type Cluster, memoryCluster } from './cluster.js';
import type { RedisClusterOptions } from './redis.js';

export type { Bus, Cluster, LeaderJob, Leadership, Locks } from './cluster.js';

/** The cluster for this configuration (Redis when REDIS_URL is set). */
export async function createCluster(config: Pick<Config, 'REDIS_URL' | 'REDIS_KEY_PREFIX'>, log: Logger, opts?: RedisClusterOptions): Promise<Cluster> {
  if (!config.REDIS_URL) return memoryCluster();
  // Loaded only when asked for: ioredis is about 20 MB of a single instance's resident memory.
  const { redisCluster } = await import('./redis.js');
  return redisCluster(config.REDIS_URL, config.REDIS_KEY_PREFIX, log, opts);
}
