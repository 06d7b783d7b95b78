/**
 * What the scheduler does when a task process could not report for itself: a process that
 * exited without recording its result (crash, process.exit, abort, out of memory, killed), a
 * running try whose heartbeat stopped (zombie), and a queued try that no process claimed.
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { Kysely } from '#kysely';
import {
  type Database,
  failTry,
  findStaleQueued,
  findStaleRunning,
  type SerializedDagCache,
} from '../db/index.js';
import { type ExecutorEvent, type ExecutorSet, killGroup } from '../executors/index.js';
import type { SerializedTask } from '../models/index.js';
import type { LostTryContainers } from './lost-try-containers.js';

async function taskOf(
  db: Kysely<Database>,
  cache: SerializedDagCache,
  dagId: string,
  runId: string,
  taskId: string,
): Promise<SerializedTask | undefined> {
  const run = await db
    .selectFrom('dag_run')
    .select('dag_version_hash')
    .where('dag_id', '=', dagId)
    .where('run_id', '=', runId)
    .executeTakeFirst();
  if (!run) return undefined;
  const dag = await cache.get(db, dagId, run.dag_version_hash);
  return dag.tasks.find((t) => t.taskId === taskId);
}

const NO_RETRY_POLICY = { retryDelayMs: 0, retryExponentialBackoff: false, maxRetryDelayMs: null };

export async function handleExecutorEvents(
  db: Kysely<Database>,
  cache: SerializedDagCache,
  events: readonly ExecutorEvent[],
  log: Logger,
  now: Date,
  /** stops and removes a lost container task's container */
  containers?: LostTryContainers,
): Promise<number> {
  let handled = 0;
  for (const e of events) {
    if (e.kind !== 'exited') continue;
    const w = e.workload;
    const how = e.timedOut
      ? `was killed after exceeding its executionTimeout of ${(w.executionTimeoutMs ?? 0) / 1000}s`
      : e.signal
        ? `was killed by ${e.signal}`
        : e.exitCode === null
          ? 'ended without an exit code'
          : `exited with code ${e.exitCode}`;
    // what the executor knows beyond the exit code: OOMKilled, Evicted, ImagePullBackOff...
    const why = e.reason ? ` (${e.reason})` : '';
    const task = await taskOf(db, cache, w.dagId, w.runId, w.taskId);
    const outcome = await failTry(db, {
      tiId: w.tiId,
      tryNumber: w.tryNumber,
      token: w.token,
      fromStates: ['running', 'queued'],
      error: `The task process ${how} before recording a result${why}`,
      retry: task ?? NO_RETRY_POLICY,
      now,
    });
    if (outcome) {
      handled++;
      log.warn(
        { dagId: w.dagId, runId: w.runId, taskId: w.taskId, tryNumber: w.tryNumber, state: outcome.state },
        `task process ${how}${why}`,
      );
      containers?.cleanUp(task, w);
    }
  }
  return handled;
}

function isOurTaskProcess(pid: number): boolean {
  try {
    return /runner\/(main|pool-worker)\.js/.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
  } catch {
    return false;
  }
}

/** Fails (or retries) running tries that stopped heartbeating, killing their process if it is here. */
export async function failZombies(
  db: Kysely<Database>,
  cache: SerializedDagCache,
  timeoutSeconds: number,
  log: Logger,
  now: Date,
  containers?: LostTryContainers,
): Promise<number> {
  const stale = await findStaleRunning(db, new Date(now.getTime() - timeoutSeconds * 1000));
  let failed = 0;
  for (const ti of stale) {
    if (ti.pid && ti.hostname === hostname() && isOurTaskProcess(ti.pid)) killGroup(ti.pid, 'SIGKILL');
    const task = await taskOf(db, cache, ti.dag_id, ti.run_id, ti.task_id);
    const outcome = await failTry(db, {
      tiId: ti.id,
      tryNumber: ti.try_number,
      error: `No heartbeat for more than ${timeoutSeconds}s (scheduler.task_instance_heartbeat_timeout): the task process is gone`,
      retry: task ?? NO_RETRY_POLICY,
      now,
    });
    if (outcome) {
      failed++;
      log.warn(
        {
          dagId: ti.dag_id,
          runId: ti.run_id,
          taskId: ti.task_id,
          tryNumber: ti.try_number,
          state: outcome.state,
        },
        'zombie task instance',
      );
      containers?.cleanUp(task, {
        dagId: ti.dag_id,
        runId: ti.run_id,
        taskId: ti.task_id,
        mapIndex: ti.map_index,
        tryNumber: ti.try_number,
      });
    }
  }
  return failed;
}

/**
 * Queued tries that no process claimed in time (the scheduler died between queueing and starting
 * it) go back to scheduled with a new token to come, so the old workload can never claim them.
 */
export async function requeueStaleQueued(
  db: Kysely<Database>,
  executors: ExecutorSet,
  timeoutSeconds: number,
  log: Logger,
  now: Date,
): Promise<number> {
  const stale = await findStaleQueued(db, new Date(now.getTime() - timeoutSeconds * 1000));
  let requeued = 0;
  for (const ti of stale) {
    // the executor it was queued to still holds it (a slow start, a long broker queue)
    if (executors.isRunning(ti.id, ti.executor)) continue;
    const result = await db
      .updateTable('task_instance')
      .set({
        state: 'scheduled',
        // queueing numbers the try; a try resuming from a deferral kept its number when queued
        try_number: ti.next_method === null ? ti.try_number - 1 : ti.try_number,
        external_executor_id: null,
        queued_at: null,
        updated_at: now.toISOString(),
      })
      .where('id', '=', ti.id)
      .where('state', '=', 'queued')
      .where('external_executor_id', '=', ti.external_executor_id)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 1) {
      requeued++;
      log.warn(
        { dagId: ti.dag_id, runId: ti.run_id, taskId: ti.task_id },
        'queued task instance was never started; scheduling it again',
      );
    }
  }
  return requeued;
}
