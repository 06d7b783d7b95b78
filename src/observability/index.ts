/** Logs (and, later, metrics). */
export { createLogger, type Logger } from './logger.js';
