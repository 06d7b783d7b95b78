/**
 * The scheduler's part of backfills (Airflow 3): the CLI and API only record a backfill; here the
 * scheduler creates its runs, starts them, and completes it.
 *
 * - planning: for each logical date of a new backfill, in its order, a queued run is created; an
 *   existing run is cleared and adopted when the reprocess behavior says so, or skipped (recorded
 *   with the reason). One transaction per backfill, claimed so that one scheduler plans it.
 * - starting: queued backfill runs start in the backfill's order, at most its max_active_runs at
 *   once, apart from the DAG's max_active_runs (which counts only the DAG's other runs), as
 *   Airflow's get_queued_dag_runs_to_set_running. Not while the backfill is paused; not while the
 *   DAG is paused (as Airflow: runs of a paused DAG wait for it to be unpaused).
 * - completing: a planned backfill without queued or running runs gets completed_at.
 */

import type { Logger } from 'pino';
import type { Kysely, Transaction } from '#kysely';
import {
  adoptRunIntoBackfill,
  type BackfillRow,
  claimBackfillForPlanning,
  clearTaskInstances,
  completeBackfill,
  completeFinishedBackfills,
  type Database,
  getDag,
  insertDagRun,
  inTransaction,
  LOCKS,
  queuedBackfillRuns,
  recordBackfillDate,
  runAtLogicalDate,
  runningBackfillRuns,
  type SerializedDagCache,
  startQueuedRun,
  tryTransactionLock,
  unplannedBackfillIds,
} from '../db/index.js';
import { backfillRunInfos, backfillSkipReason, isGaleError } from '../models/index.js';

export interface BackfillStepStats {
  runsCreated: number;
  runsStarted: number;
  backfillsCompleted: number;
}

/** One pass: plan new backfills, start their queued runs, complete the finished ones. */
export async function scheduleBackfills(
  db: Kysely<Database>,
  cache: SerializedDagCache,
  now: Date,
  log: Logger,
): Promise<BackfillStepStats> {
  if (!(await hasBackfillWork(db))) return { runsCreated: 0, runsStarted: 0, backfillsCompleted: 0 };
  let runsCreated = 0;
  for (const id of await unplannedBackfillIds(db)) {
    runsCreated += await db.transaction().execute((tx) => planBackfill(tx, cache, id, now, log));
  }
  const runsStarted = await startQueuedBackfillRuns(db, now);
  const completed = await completeFinishedBackfills(db, now);
  for (const b of completed) log.info({ backfillId: b.id, dagId: b.dag_id }, 'backfill completed');
  return { runsCreated, runsStarted, backfillsCompleted: completed.length };
}

/**
 * Whether this pass has backfill work: a backfill not completed (to plan or complete) or a queued
 * backfill run (to start; also of a completed or deleted backfill). One read, so that a pass
 * without backfills takes no write lock for them (on SQLite every write statement takes it).
 */
async function hasBackfillWork(db: Kysely<Database>): Promise<boolean> {
  const row = await db
    .selectNoFrom((eb) => [
      eb.exists(eb.selectFrom('backfill').select('id').where('completed_at', 'is', null)).as('open_backfill'),
      eb
        .exists(
          eb
            .selectFrom('dag_run')
            .select('id')
            .where('state', '=', 'queued')
            .where('run_type', '=', 'backfill'),
        )
        .as('queued_run'),
    ])
    .executeTakeFirstOrThrow();
  // SQLite answers 0 or 1, PostgreSQL a boolean
  return Boolean(row.open_backfill) || Boolean(row.queued_run);
}

/** Creates or clears the runs of one backfill; returns how many runs it queued. */
async function planBackfill(
  tx: Transaction<Database>,
  cache: SerializedDagCache,
  id: number,
  now: Date,
  log: Logger,
): Promise<number> {
  const backfill = await claimBackfillForPlanning(tx, id, now);
  if (!backfill) return 0;
  const dag = await getDag(tx, backfill.dag_id);
  if (!dag) {
    log.warn({ backfillId: id, dagId: backfill.dag_id }, 'backfill of a DAG that is gone: completed');
    await completeBackfill(tx, id, now);
    return 0;
  }
  const serialized = await cache.get(tx, dag.dag_id, dag.latest_version_hash);
  let infos: ReturnType<typeof backfillRunInfos>;
  try {
    infos = backfillRunInfos(serialized, requestOf(backfill), now);
  } catch (error) {
    if (!isGaleError(error)) throw error;
    // the DAG changed since the backfill was recorded (its schedule is no longer periodic)
    log.warn({ backfillId: id, dagId: dag.dag_id, err: error }, 'backfill has no runs to create: completed');
    await completeBackfill(tx, id, now);
    return 0;
  }
  const retriesByTask = new Map(serialized.tasks.map((t) => [t.taskId, t.retries]));
  let queued = 0;
  for (const [index, info] of infos.entries()) {
    const existing = await runAtLogicalDate(tx, dag.dag_id, info.logicalDate);
    const reason = existing ? backfillSkipReason(existing.state, backfill.reprocess_behavior) : null;
    let dagRunId: number | null = null;
    if (!existing) {
      const run = await insertDagRun(tx, {
        dag: serialized,
        versionHash: dag.latest_version_hash,
        info,
        runType: 'backfill',
        conf:
          backfill.dag_run_conf === null
            ? {}
            : (JSON.parse(backfill.dag_run_conf) as Record<string, unknown>),
        now,
      });
      dagRunId = run.id;
    } else if (!reason) {
      await clearTaskInstances(tx, { dagId: dag.dag_id, runId: existing.run_id, retriesByTask, now });
      dagRunId = existing.id;
    }
    if (dagRunId !== null) {
      await adoptRunIntoBackfill(tx, dagRunId, backfill, now);
      queued++;
    }
    await recordBackfillDate(tx, {
      backfillId: id,
      dagRunId,
      reason,
      logicalDate: info.logicalDate,
      sortOrdinal: index + 1,
    });
  }
  log.info({ backfillId: id, dagId: dag.dag_id, runs: queued, dates: infos.length }, 'backfill runs created');
  return queued;
}

function requestOf(backfill: BackfillRow) {
  return {
    from: new Date(backfill.from_date),
    to: new Date(backfill.to_date),
    runBackwards: backfill.run_backwards === 1,
  };
}

/**
 * Starts queued backfill runs, at most max_active_runs of each backfill at once. One scheduler at
 * a time, under the lock that also guards starting the DAGs' other runs.
 */
export async function startQueuedBackfillRuns(db: Kysely<Database>, now: Date): Promise<number> {
  return inTransaction(db, async (tx) => {
    if (!(await tryTransactionLock(tx, LOCKS.startRuns))) return 0;
    const queued = await queuedBackfillRuns(tx);
    if (queued.length === 0) return 0;
    // runs of no backfill (its row deleted) count per DAG against the DAG's limit
    const key = (backfillId: number | null, dagId: string) =>
      backfillId === null ? `dag:${dagId}` : `${backfillId}`;
    const running = new Map<string, number>();
    for (const r of await runningBackfillRuns(tx)) running.set(key(r.backfillId, r.dagId), r.running);
    let started = 0;
    for (const run of queued) {
      // a cancelled backfill is paused and completed: runs of it cleared later still start
      if (run.is_paused === 1 && run.completed_at === null) continue;
      const k = key(run.backfill_id, run.dag_id);
      const n = running.get(k) ?? 0;
      if (n >= (run.max_active_runs ?? run.dag_max_active_runs)) continue;
      if (await startQueuedRun(tx, run.id, now)) {
        running.set(k, n + 1);
        started++;
      }
    }
    return started;
  });
}
