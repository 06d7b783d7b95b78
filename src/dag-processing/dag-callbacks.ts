/**
 * The DAG processor's side of DAG-level callbacks: claims the requests the scheduler recorded and
 * runs each in a process of its own (callback-worker.ts), with a timeout, logging its lines with
 * the DAG and run, and recording how it ended. A callback's failure is recorded and logged; it
 * never changes the run, and one hanging callback is killed, never blocking the processor.
 */
import { fork } from 'node:child_process';
import type { Logger } from 'pino';
import {
  type CallbackRequestRow,
  claimCallbackRequests,
  finishCallbackRequest,
  type GaleDb,
} from '../db/index.js';
import type { CallbackMessage, CallbackRequest } from './callback-worker.js';

const WORKER = new URL('./callback-worker.js', import.meta.url);

export interface CallbackRunnerOptions {
  db: GaleDb;
  log: Logger;
  processorId: number;
  /** a callback process is killed after this long */
  timeoutMs: number;
  /** processors that heartbeated since this long ago are alive */
  livenessMs: number;
  now: () => Date;
}

/** Runs one callback in a child process; resolves with its error, or null when it succeeded. */
export function runCallbackProcess(
  request: CallbackRequest,
  timeoutMs: number,
  onLog: (level: 'info' | 'warn' | 'error', message: string) => void,
): Promise<string | null> {
  return new Promise((resolve) => {
    const child = fork(WORKER, [], {
      env: { ...process.env, GALE_CALLBACK_REQUEST: JSON.stringify(request) },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'advanced',
    });
    let output = '';
    const capture = (chunk: Buffer) => {
      if (output.length < 8192) output += chunk.toString('utf8');
    };
    child.stdout?.on('data', capture);
    child.stderr?.on('data', capture);
    let outcome: string | null | undefined;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('message', (message: CallbackMessage) => {
      if ('log' in message) onLog(message.log.level, message.log.message);
      else if ('outcome' in message) outcome = message.outcome.error;
    });
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve(`could not start a callback process: ${error.message}`);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (outcome !== undefined) return resolve(outcome);
      if (timedOut) return resolve(`the callback took longer than ${timeoutMs / 1000}s and was killed`);
      const how = signal ? `signal ${signal}` : `exit code ${code}`;
      resolve(
        `the callback process ended (${how}) before reporting${output.trim() ? `:\n${output.trim()}` : ''}`,
      );
    });
  });
}

async function requestFor(db: GaleDb, row: CallbackRequestRow): Promise<CallbackRequest | null> {
  const run = await db.db
    .selectFrom('dag_run')
    .select(['state', 'logical_date', 'conf'])
    .where('dag_id', '=', row.dag_id)
    .where('run_id', '=', row.run_id)
    .executeTakeFirst();
  if (!run) return null;
  return {
    file: row.fileloc,
    dagId: row.dag_id,
    runId: row.run_id,
    kind: row.kind as CallbackRequest['kind'],
    reason: row.reason,
    runState: run.state,
    logicalDate: run.logical_date,
    conf: JSON.parse(run.conf) as Record<string, unknown>,
  };
}

/** Claims the pending callback requests and runs them one after another; returns how many ran. */
export async function runCallbackRequests(options: CallbackRunnerOptions): Promise<number> {
  const { db, log } = options;
  const now = options.now();
  const claimed = await claimCallbackRequests(db.db, options.processorId, {
    now,
    liveSince: new Date(now.getTime() - options.livenessMs),
    limit: 20,
  });
  for (const row of claimed) {
    const fields = { dagId: row.dag_id, runId: row.run_id, callback: row.kind };
    const request = await requestFor(db, row);
    const error =
      request === null
        ? 'the DAG run no longer exists'
        : await runCallbackProcess(request, options.timeoutMs, (level, message) =>
            log[level]({ ...fields }, message),
          );
    if (error === null) log.info(fields, 'DAG callback ran');
    else log.warn({ ...fields, error }, 'DAG callback failed');
    await finishCallbackRequest(db.db, row.id, { error, now: options.now() });
  }
  return claimed.length;
}
