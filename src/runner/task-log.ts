/**
 * The log of one try: timestamped, levelled lines. In a task process the sink is stdout, which the
 * executor pointed at the try's log file; `gale dags test` also echoes lines to the terminal.
 */
import { writeSync } from 'node:fs';
import { format } from 'node:util';
import type { TaskLogger } from '../sdk/index.js';

export type LogSink = (line: string) => void;

export const stdoutSink: LogSink = (line) => {
  writeSync(1, line);
};

export type TryLogger = TaskLogger & {
  write(level: string, text: string): void;
  /** From now on, every occurrence of `secret` in this log is written as *** (Airflow's secrets masker). */
  mask(secret: string): void;
  /** `text` with the secrets masked so far replaced by *** (for what is stored beside the log). */
  redact(text: string): string;
};

export function createTaskLogger(sink: LogSink): TryLogger {
  const secrets = new Set<string>();
  const masked = (text: string) => {
    let out = text;
    for (const s of secrets) out = out.replaceAll(s, '***');
    return out;
  };
  const write = (level: string, text: string) => {
    const stamp = new Date().toISOString();
    for (const line of masked(text).split('\n'))
      sink(`[${stamp}] ${level.toUpperCase().padEnd(5)} ${line}\n`);
  };
  return {
    write,
    redact: masked,
    mask(secret) {
      // very short values would mask ordinary words; Airflow skips them too
      if (secret.length >= 4) secrets.add(secret);
    },
    debug: (m, ...a) => write('debug', format(m, ...a)),
    info: (m, ...a) => write('info', format(m, ...a)),
    warn: (m, ...a) => write('warn', format(m, ...a)),
    error: (m, ...a) => write('error', format(m, ...a)),
  };
}

/** Every string inside `value` (objects, arrays) with the log's secrets masked. */
export function redactDeep<T>(value: T, logger: Pick<TryLogger, 'redact'>): T {
  if (typeof value === 'string') return logger.redact(value) as T;
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, logger)) as T;
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactDeep(v, logger)])) as T;
  return value;
}

/** Sends console.* of the task's code to the try's log, with timestamps. Returns the undo. */
export function captureConsole(logger: TryLogger): () => void {
  const original = {
    log: console.log,
    info: console.info,
    warn: console.warn,
    error: console.error,
    debug: console.debug,
  };
  console.log = (...a: unknown[]) => logger.write('info', format(...a));
  console.info = (...a: unknown[]) => logger.write('info', format(...a));
  console.warn = (...a: unknown[]) => logger.write('warn', format(...a));
  console.error = (...a: unknown[]) => logger.write('error', format(...a));
  console.debug = (...a: unknown[]) => logger.write('debug', format(...a));
  return () => Object.assign(console, original);
}
