/**
 * A task instance whose task names an executor this scheduler does not run (not in core.executor)
 * is failed, with the reason recorded as its try's error and written to its try's log, rather than
 * left scheduled forever or run by another executor. It is failed at once, without retries: a
 * retry would meet the same configuration. After the configuration is fixed, clearing the task
 * instance runs it.
 */
import { randomUUID } from 'node:crypto';
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Logger } from 'pino';
import type { Transaction } from '#kysely';
import { type Database, finishTry, iso } from '../db/index.js';
import { GaleError } from '../models/index.js';

export interface UnroutableTry {
  tiId: string;
  dagId: string;
  runId: string;
  taskId: string;
  mapIndex: number;
  /** the task instance's try_number while scheduled */
  scheduledTryNumber: number;
  /** the try the task instance was about to start (as queueing would number it) */
  tryNumber: number;
  /** the executor its task names */
  executor: string;
  /** the try's log file */
  logPath: string;
}

export function executorNotConfigured(u: UnroutableTry, configured: readonly string[]): GaleError {
  return new GaleError(
    'GALE_ERR_EXECUTOR_NOT_CONFIGURED',
    `Task "${u.taskId}" of DAG "${u.dagId}" names executor "${u.executor}", which this scheduler does not run (core.executor is ${configured.join(',')})`,
    {
      hint: `Add "${u.executor}" to core.executor on every scheduler (e.g. GALE__CORE__EXECUTOR=${[...configured, u.executor].join(',')}), or change the task's executor option; then clear the task instance.`,
    },
  );
}

/** The text recorded as the try's error: the message, the code, and what to do. */
function errorText(error: GaleError): string {
  return `${error.message} (${error.code}). ${error.hint ?? ''}`.trim();
}

/**
 * Fails a scheduled task instance as try `tryNumber`, in the caller's transaction (which holds the
 * queueing lock). Returns false when the task instance changed meanwhile.
 */
export async function failUnroutableTry(
  tx: Transaction<Database>,
  u: UnroutableTry,
  configured: readonly string[],
  now: Date,
): Promise<boolean> {
  const token = randomUUID();
  // scheduled -> queued (as try tryNumber) -> failed, so the try is recorded like any other
  const queued = await tx
    .updateTable('task_instance')
    .set({
      state: 'queued',
      try_number: u.tryNumber,
      queued_at: iso(now),
      external_executor_id: token,
      executor: u.executor,
      hostname: null,
      pid: null,
      start_date: null,
      end_date: null,
      duration: null,
      updated_at: iso(now),
    })
    .where('id', '=', u.tiId)
    .where('state', '=', 'scheduled')
    .where('try_number', '=', u.scheduledTryNumber)
    .executeTakeFirst();
  if (Number(queued.numUpdatedRows) !== 1) return false;
  return finishTry(tx, {
    tiId: u.tiId,
    tryNumber: u.tryNumber,
    token,
    fromStates: ['queued'],
    outcome: { state: 'failed', error: errorText(executorNotConfigured(u, configured)) },
    now,
  });
}

/** After the transaction: a warning in the scheduler's log, and the reason in the try's log. */
export function reportUnroutableTry(
  u: UnroutableTry,
  configured: readonly string[],
  log: Logger,
  now: Date,
): void {
  const error = executorNotConfigured(u, configured);
  log.warn(
    { dagId: u.dagId, runId: u.runId, taskId: u.taskId, tryNumber: u.tryNumber, executor: u.executor },
    `task instance failed: ${error.message}`,
  );
  try {
    mkdirSync(dirname(u.logPath), { recursive: true });
    appendFileSync(u.logPath, `[${now.toISOString()}] ERROR ${errorText(error)}\n`);
  } catch (cause) {
    log.warn({ err: cause, logPath: u.logPath }, 'could not write the reason to the try log');
  }
}
