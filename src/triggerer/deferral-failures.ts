/**
 * Failing a deferred try when its wait cannot end well: its deferral timed out (Airflow's
 * TaskDeferralTimeout) or its trigger failed. The try fails, or is retried when the task has
 * retries left, as any failed try; recorded once in its history (a guarded update from deferred).
 */

import type { Logger } from 'pino';
import type { Kysely } from '#kysely';
import {
  type Database,
  failTry,
  type RetryPolicy,
  type SerializedDagCache,
  type TaskInstanceRow,
  type TryOutcome,
} from '../db/index.js';
import { describeError, isGaleError } from '../models/index.js';

const NO_RETRY: RetryPolicy = { retryDelayMs: 0, retryExponentialBackoff: false, maxRetryDelayMs: null };

/** The retry policy of the task instance's task, in the DAG version of its run. */
async function retryPolicyOf(
  db: Kysely<Database>,
  cache: SerializedDagCache,
  ti: TaskInstanceRow,
  log: Logger | undefined,
): Promise<RetryPolicy> {
  const run = await db
    .selectFrom('dag_run')
    .select('dag_version_hash')
    .where('dag_id', '=', ti.dag_id)
    .where('run_id', '=', ti.run_id)
    .executeTakeFirst();
  if (!run) return NO_RETRY;
  try {
    const dag = await cache.get(db, ti.dag_id, run.dag_version_hash);
    return dag.tasks.find((t) => t.taskId === ti.task_id) ?? NO_RETRY;
  } catch (error) {
    log?.warn(
      { dagId: ti.dag_id, err: error },
      `no serialized DAG for the retry policy: ${describeError(error)}`,
    );
    return NO_RETRY;
  }
}

/** Fails (or retries) a deferred try; null when it was no longer deferred. */
export async function failDeferredTry(
  db: Kysely<Database>,
  cache: SerializedDagCache,
  input: { ti: TaskInstanceRow; error: string; now: Date; log?: Logger },
): Promise<TryOutcome | null> {
  const { ti, log } = input;
  const outcome = await failTry(db, {
    tiId: ti.id,
    tryNumber: ti.try_number,
    fromStates: ['deferred'],
    error: input.error,
    retry: await retryPolicyOf(db, cache, ti, log),
    now: input.now,
  });
  if (outcome) {
    log?.warn(
      {
        dagId: ti.dag_id,
        runId: ti.run_id,
        taskId: ti.task_id,
        tryNumber: ti.try_number,
        state: outcome.state,
      },
      input.error,
    );
  }
  return outcome;
}

/** The error of a deferral past its timeout (Airflow's TaskDeferralTimeout). */
export function deferralTimeoutError(ti: Pick<TaskInstanceRow, 'trigger_timeout'>): string {
  return `GALE_ERR_DEFERRAL_TIMEOUT: the trigger did not fire by ${ti.trigger_timeout} (the deferral's timeout, or the task's executionTimeout)`;
}

/** The error of a trigger that failed, or could not be made (GALE_ERR_TRIGGER_INVALID). */
export function triggerFailureError(classpath: string, error: unknown): string {
  return isGaleError(error)
    ? `${error.code}: ${describeError(error)}`
    : `GALE_ERR_TRIGGER_FAILED: ${classpath} failed: ${describeError(error)}`;
}
