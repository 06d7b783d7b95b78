/** Executors: the interface, and the implementations behind it. */

export { ExecutionTokens, type TryClaims } from './execution-token.js';
export type { Executor, ExecutorEvent, TaskWorkload } from './executor.js';
export { taskWorkloadSchema } from './executor.js';
export { ExecutorSet } from './executor-set.js';
// Types only: the kubernetes executor's code (and @kubernetes/client-node, slow to import) is loaded
// by `import('./kubernetes/index.js')` where a scheduler runs it.
export type { DeletePods, KubernetesExecutorOptions } from './kubernetes/index.js';
export { killGroup, LocalExecutor, type LocalExecutorOptions } from './local/local-executor.js';
export {
  TRY_WRITE_METHODS,
  TRY_WRITES_VIA_EXECUTOR_ENV,
  type TryWriteMethod,
  type TryWriteReply,
  type TryWriteRequest,
  type TryWriter,
} from './local/try-writes.js';
export { QueueExecutor, type QueueExecutorOptions } from './queue/queue-executor.js';
export { QueueWorker, type QueueWorkerOptions } from './queue/queue-worker.js';
export { openRedis, redactRedisUrl } from './queue/redis-connection.js';
