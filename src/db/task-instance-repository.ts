/**
 * Task instances and their tries. Every state change is a guarded UPDATE (it names the state and
 * try it expects), so two processes can never both move one try: the loser's UPDATE changes
 * nothing. A try is claimed only with the token it was queued with, and recorded once in history
 * (a successful one only once its task instance is cleared or marked: try-history.ts).
 */
import type { Kysely, Transaction } from '#kysely';
import {
  GaleError,
  isAsked,
  type MapIndexesByTask,
  parseNextKwargs,
  type ResumeState,
  retryDelayMs,
  type SerializedTask,
  type TaskInstanceState,
} from '../models/index.js';
import { inTransaction } from './dialect.js';
import type { DagRunRow, Database, TaskInstanceRow } from './schema.js';
import { iso } from './time.js';
import { keepLatestTries } from './try-history.js';

type Db = Kysely<Database> | Transaction<Database>;

/** The columns of a deferral, reset when its try ends or is cleared (Airflow's clear_next_method_args). */
const DEFERRAL_CLEARED = {
  trigger_id: null,
  trigger_timeout: null,
  next_method: null,
  next_kwargs: null,
} as const;

export interface TryKey {
  tiId: string;
  tryNumber: number;
}

export async function getTaskInstance(
  db: Db,
  key: { dagId: string; runId: string; taskId: string; mapIndex?: number },
): Promise<TaskInstanceRow | undefined> {
  return db
    .selectFrom('task_instance')
    .selectAll()
    .where('dag_id', '=', key.dagId)
    .where('run_id', '=', key.runId)
    .where('task_id', '=', key.taskId)
    .where('map_index', '=', key.mapIndex ?? -1)
    .executeTakeFirst();
}

export async function requireTaskInstance(
  db: Db,
  key: { dagId: string; runId: string; taskId: string; mapIndex?: number },
): Promise<TaskInstanceRow> {
  const ti = await getTaskInstance(db, key);
  if (!ti) {
    throw new GaleError(
      'GALE_ERR_TASK_NOT_FOUND',
      `Run "${key.runId}" of DAG "${key.dagId}" has no task "${key.taskId}"`,
      {
        hint: `Run "gale tasks states-for-dag-run ${key.dagId} ${key.runId}" to see its tasks.`,
      },
    );
  }
  return ti;
}

export async function listTaskInstances(db: Db, dagId: string, runId: string): Promise<TaskInstanceRow[]> {
  return db
    .selectFrom('task_instance')
    .selectAll()
    .where('dag_id', '=', dagId)
    .where('run_id', '=', runId)
    .orderBy('task_id')
    .orderBy('map_index')
    .execute();
}

/** A try its process claimed. */
export interface ClaimedTry {
  maxTries: number;
  /** when the try started (ISO); a resumed try keeps the start of its first run */
  startDate: string;
  /** what a try resuming from a deferral resumes with; null for a try's first run */
  resume: ResumeState | null;
  /**
   * The try's DAG run as the claim's transaction read it, when the claim brings it along (bulk
   * claims do: the process that runs the try then need not read it again).
   */
  run?: DagRunRow;
}

/**
 * The task process takes its try: queued with this token -> running, and the outputs of an
 * earlier try are cleared, in one transaction. Returns null when the try was taken by another
 * process, re-queued, or changed by someone else: the caller must not run it. A try resuming from
 * a deferral (next_method set) keeps its start date and outputs, as Airflow's, and gets back
 * what it resumes with.
 */
export async function claimTry(
  db: Kysely<Database>,
  input: TryKey & { token: string; hostname: string; pid: number; now: Date },
): Promise<ClaimedTry | null> {
  return inTransaction(db, async (tx) => {
    const before = await tx
      .selectFrom('task_instance')
      .select(['start_date', 'next_method'])
      .where('id', '=', input.tiId)
      .executeTakeFirst();
    const resuming = before?.next_method != null;
    const startDate = resuming && before.start_date ? before.start_date : iso(input.now);
    const claimed = await tx
      .updateTable('task_instance')
      .set({
        state: 'running',
        hostname: input.hostname,
        pid: input.pid,
        start_date: startDate,
        end_date: null,
        duration: null,
        last_heartbeat_at: iso(input.now),
        updated_at: iso(input.now),
      })
      .where('id', '=', input.tiId)
      .where('try_number', '=', input.tryNumber)
      .where('state', '=', 'queued')
      .where('external_executor_id', '=', input.token)
      .returning(['dag_id', 'run_id', 'task_id', 'map_index', 'max_tries', 'next_method', 'next_kwargs'])
      .executeTakeFirst();
    if (!claimed) return reclaim(tx, input);
    if (claimed.next_method !== null) {
      return { maxTries: claimed.max_tries, startDate, resume: resumeOf(claimed) };
    }
    await tx
      .deleteFrom('xcom')
      .where('dag_id', '=', claimed.dag_id)
      .where('run_id', '=', claimed.run_id)
      .where('task_id', '=', claimed.task_id)
      .where('map_index', '=', claimed.map_index)
      .execute();
    return { maxTries: claimed.max_tries, startDate, resume: null };
  });
}

function resumeOf(row: { next_method: string | null; next_kwargs: string | null }): ResumeState | null {
  if (row.next_method === null) return null;
  const { event, ...rest } = parseNextKwargs(row.next_kwargs);
  return { method: row.next_method, kwargs: rest, event };
}

/**
 * The same claim made twice (its first answer was lost with the scheduler that recorded it): the
 * try is already running with this token, host and pid, so it is still this process's to run.
 */
async function reclaim(
  tx: Kysely<Database>,
  input: TryKey & { token: string; hostname: string; pid: number },
): Promise<ClaimedTry | null> {
  const row = await tx
    .selectFrom('task_instance')
    .select(['max_tries', 'start_date', 'next_method', 'next_kwargs'])
    .where('id', '=', input.tiId)
    .where('try_number', '=', input.tryNumber)
    .where('state', '=', 'running')
    .where('external_executor_id', '=', input.token)
    .where('hostname', '=', input.hostname)
    .where('pid', '=', input.pid)
    .executeTakeFirst();
  if (!row?.start_date) return null;
  return { maxTries: row.max_tries, startDate: row.start_date, resume: resumeOf(row) };
}

/** Returns false when the try is no longer running (failed by the scheduler, cleared, ...). */
export async function heartbeatTry(db: Db, key: TryKey & { now: Date }): Promise<boolean> {
  const result = await db
    .updateTable('task_instance')
    .set({ last_heartbeat_at: iso(key.now) })
    .where('id', '=', key.tiId)
    .where('try_number', '=', key.tryNumber)
    .where('state', '=', 'running')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export type TryOutcome =
  | { state: 'success' }
  | { state: 'skipped' }
  | { state: 'failed'; error: string }
  | { state: 'up_for_retry'; error: string; nextRetryAt: Date };

/**
 * Records the end of a try, once: moves the task instance from `fromStates` (default: running) to
 * the outcome and writes its history row (not for a success: try-history.ts). Returns false when
 * the try had already ended.
 */
export async function finishTry(
  tx: Transaction<Database>,
  input: TryKey & {
    outcome: TryOutcome;
    now: Date;
    fromStates?: TaskInstanceState[];
    token?: string;
  },
): Promise<boolean> {
  const ti = await tx.selectFrom('task_instance').selectAll().where('id', '=', input.tiId).executeTakeFirst();
  const from = input.fromStates ?? ['running'];
  if (!ti || ti.try_number !== input.tryNumber || !from.includes(ti.state)) return false;
  if (input.token !== undefined && ti.external_executor_id !== input.token) return false;
  const start = ti.start_date ? new Date(ti.start_date) : null;
  const duration = start ? (input.now.getTime() - start.getTime()) / 1000 : null;
  const { outcome } = input;
  const result = await tx
    .updateTable('task_instance')
    .set({
      state: outcome.state,
      end_date: iso(input.now),
      duration,
      next_retry_at: outcome.state === 'up_for_retry' ? iso(outcome.nextRetryAt) : null,
      updated_at: iso(input.now),
      // the try is over: a deferral it made is done with (its trigger is cleaned up)
      ...DEFERRAL_CLEARED,
    })
    .where('id', '=', input.tiId)
    .where('try_number', '=', input.tryNumber)
    .where('state', '=', ti.state)
    // a try re-queued meanwhile keeps its number but has a new token: it is not this one
    .where('external_executor_id', ti.external_executor_id === null ? 'is' : '=', ti.external_executor_id)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) !== 1) return false;
  // a successful try stays in the task instance's row until it is cleared (try-history.ts)
  if (outcome.state === 'success') return true;
  await tx
    .insertInto('task_instance_history')
    .values({
      ti_id: ti.id,
      dag_id: ti.dag_id,
      run_id: ti.run_id,
      task_id: ti.task_id,
      map_index: ti.map_index,
      try_number: ti.try_number,
      state: outcome.state,
      start_date: ti.start_date,
      end_date: iso(input.now),
      duration,
      hostname: ti.hostname,
      pid: ti.pid,
      executor: ti.executor,
      error: 'error' in outcome ? outcome.error : null,
      recorded_at: iso(input.now),
    })
    .onConflict((oc) => oc.columns(['ti_id', 'try_number']).doNothing())
    .execute();
  return true;
}

export type RetryPolicy = Pick<
  SerializedTask,
  'retryDelayMs' | 'retryExponentialBackoff' | 'maxRetryDelayMs'
>;

/**
 * Records a failed try: up_for_retry while tries are left (try_number <= max_tries), else failed;
 * or the terminal state the task asked for (skipped, or failed without retry).
 * Returns the outcome, or null when the try had already ended.
 */
export async function failTry(
  db: Kysely<Database>,
  input: TryKey & {
    error: string;
    retry: RetryPolicy;
    /** ends the try in this state whatever its retries (Airflow's AirflowSkipException, AirflowFailException) */
    terminal?: 'skipped' | 'failed' | null;
    now: Date;
    fromStates?: TaskInstanceState[];
    token?: string;
  },
): Promise<TryOutcome | null> {
  return inTransaction(db, async (tx) => {
    const ti = await tx
      .selectFrom('task_instance')
      .select(['max_tries', 'try_number'])
      .where('id', '=', input.tiId)
      .executeTakeFirst();
    if (!ti) return null;
    const outcome: TryOutcome =
      input.terminal === 'skipped'
        ? { state: 'skipped' }
        : input.terminal !== 'failed' && input.tryNumber <= ti.max_tries
          ? {
              state: 'up_for_retry',
              error: input.error,
              nextRetryAt: new Date(input.now.getTime() + retryDelayMs(input.retry, input.tryNumber)),
            }
          : { state: 'failed', error: input.error };
    const done = await finishTry(tx, { ...input, outcome });
    return done ? outcome : null;
  });
}

export async function listTryHistory(
  db: Db,
  key: { dagId: string; runId: string; taskId: string },
): Promise<Database['task_instance_history'][]> {
  return db
    .selectFrom('task_instance_history')
    .selectAll()
    .where('dag_id', '=', key.dagId)
    .where('run_id', '=', key.runId)
    .where('task_id', '=', key.taskId)
    .orderBy('try_number')
    .execute() as unknown as Promise<Database['task_instance_history'][]>;
}

/** Running tries whose heartbeat is older than `before`. */
export async function findStaleRunning(db: Db, before: Date): Promise<TaskInstanceRow[]> {
  return db
    .selectFrom('task_instance')
    .selectAll()
    .where('state', '=', 'running')
    .where('last_heartbeat_at', '<', iso(before))
    .execute();
}

/** Queued tries not claimed since `before`. */
export async function findStaleQueued(db: Db, before: Date): Promise<TaskInstanceRow[]> {
  return db
    .selectFrom('task_instance')
    .selectAll()
    .where('state', '=', 'queued')
    .where('queued_at', '<', iso(before))
    .execute();
}

/**
 * Clears task instances so they run again (Airflow's clear): finished ones go back to none and get
 * their task's retries again; their run goes back to queued. Running and queued ones are left alone.
 */
export async function clearTaskInstances(
  db: Kysely<Database>,
  input: {
    dagId: string;
    runId: string;
    retriesByTask: ReadonlyMap<string, number>;
    taskIds?: string[];
    /** for these tasks (mapped), only these map indexes: the others of taskIds, every instance */
    mapIndexes?: MapIndexesByTask;
    onlyFailed?: boolean;
    now: Date;
  },
): Promise<string[]> {
  // in the caller's transaction when there is one (a backfill clears runs while it creates others)
  return inTransaction(db, async (tx) => {
    let q = tx
      .selectFrom('task_instance')
      .select(['id', 'task_id', 'map_index', 'try_number'])
      .where('dag_id', '=', input.dagId)
      .where('run_id', '=', input.runId)
      .where('state', 'not in', ['running', 'queued']);
    if (input.taskIds && input.taskIds.length > 0) q = q.where('task_id', 'in', input.taskIds);
    if (input.onlyFailed) q = q.where('state', 'in', ['failed', 'upstream_failed']);
    const tis = (await q.execute()).filter((ti) => isAsked(input.mapIndexes, ti));
    await keepLatestTries(
      tx,
      tis.map((t) => t.id),
      input.now,
    );
    for (const ti of tis) {
      await tx
        .updateTable('task_instance')
        .set({
          state: 'none',
          max_tries: ti.try_number + (input.retriesByTask.get(ti.task_id) ?? 0),
          next_retry_at: null,
          external_executor_id: null,
          updated_at: iso(input.now),
          ...DEFERRAL_CLEARED,
        })
        .where('id', '=', ti.id)
        .execute();
    }
    if (tis.length > 0) {
      await tx
        .updateTable('dag_run')
        .set({ state: 'queued', end_date: null, queued_at: iso(input.now) })
        .where('dag_id', '=', input.dagId)
        .where('run_id', '=', input.runId)
        .where('state', 'in', ['success', 'failed'])
        .execute();
    }
    return tis.map((t) => t.task_id);
  });
}
