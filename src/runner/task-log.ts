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

export function createTaskLogger(sink: LogSink): TaskLogger & { write(level: string, text: string): void } {
  const write = (level: string, text: string) => {
    const stamp = new Date().toISOString();
    for (const line of text.split('\n')) sink(`[${stamp}] ${level.toUpperCase().padEnd(5)} ${line}\n`);
  };
  return {
    write,
    debug: (m, ...a) => write('debug', format(m, ...a)),
    info: (m, ...a) => write('info', format(m, ...a)),
    warn: (m, ...a) => write('warn', format(m, ...a)),
    error: (m, ...a) => write('error', format(m, ...a)),
  };
}

/** Sends console.* of the task's code to the try's log, with timestamps. Returns the undo. */
export function captureConsole(logger: ReturnType<typeof createTaskLogger>): () => void {
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
