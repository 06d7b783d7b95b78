/** The task runner: runs one try, in a process of its own or in-process for `dags test`. */
export { type RunTryOptions, runTry, serializeOutput, type TryResult } from './run-try.js';
export { createTaskLogger, type LogSink, stdoutSink } from './task-log.js';
