/** The task runner: runs one try, in a process of its own or in-process for `dags test`. */
export { batchedTryWriter, MAX_WRITES_PER_BATCH } from './batched-try-writer.js';
export { DbTryChannel } from './db-try-channel.js';
export { HttpTryChannel, REFRESHED_TOKEN_HEADER } from './http-try-channel.js';
export { isLatestRun } from './latest-only.js';
export { type RunTryOptions, runTry, serializeOutput, type TryResult } from './run-try.js';
export { triggerForTask } from './task-dag-runs.js';
export { createTaskLogger, type LogSink, stdoutSink } from './task-log.js';
export type { ChannelSettings, TryChannel } from './try-channel.js';
