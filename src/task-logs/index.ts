/**
 * Task logs: reading a try's log file safely in byte ranges, and the log server each `gale worker`
 * runs so that API servers on other machines can read the logs of its tries. Depends only on
 * models (and observability's URL helper); the API server and the CLI use it.
 */
export { type LogChunk, logFilePath, logPathSegments, readLogFile } from './log-files.js';
export {
  LOG_TOKEN_CLOCK_GRACE_SECONDS,
  LOG_TOKEN_TTL_SECONDS,
  LogTokens,
  logServerKey,
} from './log-tokens.js';
export {
  LOG_SIZE_HEADER,
  MAX_SERVED_BYTES,
  servedLogUrl,
  startWorkerLogServer,
  type WorkerLogServer,
  type WorkerLogServerOptions,
} from './worker-log-server.js';
