/** Executors: the interface, and the implementations behind it. */
export type { Executor, ExecutorEvent, TaskWorkload } from './executor.js';
export { taskWorkloadSchema } from './executor.js';
export { killGroup, LocalExecutor, type LocalExecutorOptions } from './local/local-executor.js';
