/**
 * The logger factory: pino, one JSON object per line (GALE_LOG_FORMAT=json, for log shippers) or
 * readable lines (the default on a terminal). The only module-level state Gale keeps.
 */
import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';

export type { Logger } from 'pino';

export function createLogger(options: { level: string; name: string; format?: 'json' | 'text' }): Logger {
  const format = options.format ?? (process.env.GALE_LOG_FORMAT === 'json' ? 'json' : 'text');
  const base = { level: options.level, name: options.name };
  if (format === 'json') return pino(base, pino.destination({ fd: 2, sync: true }));
  return pino(
    base,
    pretty({
      destination: 2,
      sync: true,
      colorize: process.stderr.isTTY,
      translateTime: 'SYS:HH:MM:ss.l',
      ignore: 'pid,hostname',
      singleLine: true,
    }),
  );
}
