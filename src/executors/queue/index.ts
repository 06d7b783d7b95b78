/**
 * The queue executor (Redis, through bullmq) and the `gale worker` that runs its tries. Loaded only
 * by `import('../executors/queue/index.js')` where a scheduler or worker uses it: bullmq and ioredis
 * are slow to import, and every other process (task processes above all) would otherwise pay for them.
 */

export { QueueExecutor, type QueueExecutorOptions } from './queue-executor.js';
export { QueueWorker, type QueueWorkerOptions } from './queue-worker.js';
export { openRedis, redactRedisUrl } from './redis-connection.js';
