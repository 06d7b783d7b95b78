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
// Types only, likewise: bullmq and ioredis are loaded by `import('./queue/index.js')` where a
// scheduler or `gale worker` runs the queue executor, not by every process that imports this file.
export type { QueueExecutorOptions, QueueWorkerOptions } from './queue/index.js';
