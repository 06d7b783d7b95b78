/** Redis connections for the queue executor (ioredis, as BullMQ uses). */
import { Redis, type RedisOptions } from 'ioredis';

/** The URL without its password, for logs. */
export function redactRedisUrl(url: string): string {
  return url.replace(/^(rediss?:\/\/[^:@/]*:)[^@]*@/i, '$1***@');
}

/**
 * A connection that retries for ever, as BullMQ's workers need (`maxRetriesPerRequest: null`);
 * with `failFast`, commands fail at once while Redis is down instead of waiting for it (the
 * scheduler's side: a try it cannot queue stays queued in the database and is queued again).
 */
export function openRedis(url: string, options: { failFast?: boolean } = {}): Redis {
  const redisOptions: RedisOptions = {
    maxRetriesPerRequest: options.failFast ? 1 : null,
    enableOfflineQueue: !options.failFast,
    retryStrategy: (times) => Math.min(times * 200, 2_000),
    lazyConnect: false,
  };
  const redis = new Redis(url, redisOptions);
  // Reconnects are automatic; errors surface on the commands that fail.
  redis.on('error', () => undefined);
  return redis;
}
