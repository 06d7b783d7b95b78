/** Logs, metrics, and the metrics and health server of each long-running process. */
export {
  type HealthServer,
  type HealthServerOptions,
  hostUrl,
  type LoopCheck,
  type ReadinessCheck,
  readinessChecks,
  startHealthServer,
} from './health-server.js';
export { createLogger, type Logger } from './logger.js';
export { createGaleMetrics, type GaleMetrics, type GaleMetricsOptions } from './metrics.js';
