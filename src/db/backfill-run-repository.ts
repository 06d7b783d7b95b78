/**
 * The scheduler's queries on backfills: claiming a new backfill to create its runs, linking each
 * logical date to its run (or why it was skipped), the queued backfill runs to start, and
 * completing backfills whose runs are all done. Each caller holds the transaction.
 */
import type { Kysely, Transaction } from '#kysely';
import type { BackfillSkipReason } from '../models/index.js';
import type { BackfillRow, Database } from './schema.js';
import { iso } from './time.js';

type Db = Kysely<Database> | Transaction<Database>;

/** Backfills whose runs the scheduler has not created yet. */
export async function unplannedBackfillIds(db: Db): Promise<number[]> {
  const rows = await db
    .selectFrom('backfill')
    .select('id')
    .where('planned_at', 'is', null)
    .where('completed_at', 'is', null)
    .orderBy('id')
    .execute();
  return rows.map((r) => r.id);
}

/**
 * Marks the backfill planned and returns it, or undefined when another scheduler planned it (or
 * it was cancelled) first: on PostgreSQL the second update waits for the first transaction and
 * then matches no row.
 */
export async function claimBackfillForPlanning(
  db: Db,
  id: number,
  now: Date,
): Promise<BackfillRow | undefined> {
  return db
    .updateTable('backfill')
    .set({ planned_at: iso(now), updated_at: iso(now) })
    .where('id', '=', id)
    .where('planned_at', 'is', null)
    .where('completed_at', 'is', null)
    .returningAll()
    .executeTakeFirst();
}

/** The run of a DAG at a logical date (there is at most one). */
export async function runAtLogicalDate(db: Db, dagId: string, logicalDate: Date) {
  return db
    .selectFrom('dag_run')
    .select(['id', 'run_id', 'state'])
    .where('dag_id', '=', dagId)
    .where('logical_date', '=', iso(logicalDate))
    .executeTakeFirst();
}

/**
 * Makes a new or cleared run the backfill's (as Airflow's _handle_clear_run: run type backfill,
 * queued, and the backfill's conf when it has one).
 */
export async function adoptRunIntoBackfill(
  db: Db,
  runId: number,
  backfill: Pick<BackfillRow, 'id' | 'dag_run_conf'>,
  now: Date,
): Promise<void> {
  await db
    .updateTable('dag_run')
    .set({
      backfill_id: backfill.id,
      run_type: 'backfill',
      state: 'queued',
      queued_at: iso(now),
      start_date: null,
      end_date: null,
      ...(backfill.dag_run_conf === null ? {} : { conf: backfill.dag_run_conf }),
    })
    .where('id', '=', runId)
    .execute();
}

export async function recordBackfillDate(
  db: Db,
  row: {
    backfillId: number;
    dagRunId: number | null;
    reason: BackfillSkipReason | null;
    logicalDate: Date;
    sortOrdinal: number;
  },
): Promise<void> {
  await db
    .insertInto('backfill_dag_run')
    .values({
      backfill_id: row.backfillId,
      dag_run_id: row.dagRunId,
      exception_reason: row.reason,
      logical_date: iso(row.logicalDate),
      sort_ordinal: row.sortOrdinal,
    })
    .execute();
}

/** Queued backfill runs of unpaused DAGs, in each backfill's order, with the limits that apply. */
export async function queuedBackfillRuns(db: Db) {
  return db
    .selectFrom('dag_run')
    .innerJoin('dag', 'dag.dag_id', 'dag_run.dag_id')
    .leftJoin('backfill', 'backfill.id', 'dag_run.backfill_id')
    .leftJoin('backfill_dag_run', (join) =>
      join
        .onRef('backfill_dag_run.backfill_id', '=', 'dag_run.backfill_id')
        .onRef('backfill_dag_run.dag_run_id', '=', 'dag_run.id'),
    )
    .select([
      'dag_run.id',
      'dag_run.dag_id',
      'dag_run.backfill_id',
      'dag.max_active_runs as dag_max_active_runs',
      'backfill.max_active_runs',
      'backfill.is_paused',
      'backfill.completed_at',
    ])
    .where('dag_run.state', '=', 'queued')
    .where('dag_run.run_type', '=', 'backfill')
    .where('dag.is_paused', '=', 0)
    .orderBy('backfill_dag_run.sort_ordinal')
    .orderBy('dag_run.logical_date')
    .execute();
}

/** Running backfill runs per backfill (and per DAG for runs of no backfill). */
export async function runningBackfillRuns(db: Db) {
  const rows = await db
    .selectFrom('dag_run')
    .select(['backfill_id', 'dag_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where('state', '=', 'running')
    .where('run_type', '=', 'backfill')
    .groupBy(['backfill_id', 'dag_id'])
    .execute();
  return rows.map((r) => ({ backfillId: r.backfill_id, dagId: r.dag_id, running: Number(r.n) }));
}

/** Moves a queued run to running; false when it is no longer queued. */
export async function startQueuedRun(db: Db, id: number, now: Date): Promise<boolean> {
  const result = await db
    .updateTable('dag_run')
    .set({ state: 'running', start_date: iso(now) })
    .where('id', '=', id)
    .where('state', '=', 'queued')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** As Airflow's _mark_backfills_complete: a planned backfill with no queued or running run is done. */
export async function completeFinishedBackfills(
  db: Db,
  now: Date,
): Promise<{ id: number; dag_id: string }[]> {
  return db
    .updateTable('backfill')
    .set({ completed_at: iso(now), updated_at: iso(now) })
    .where('completed_at', 'is', null)
    .where('planned_at', 'is not', null)
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('dag_run')
            .select('dag_run.id')
            .whereRef('dag_run.backfill_id', '=', 'backfill.id')
            .where('dag_run.state', 'in', ['queued', 'running']),
        ),
      ),
    )
    .returning(['id', 'dag_id'])
    .execute();
}

/** Ends a backfill that has nothing to run (its DAG is gone, or its schedule no longer has dates). */
export async function completeBackfill(db: Db, id: number, now: Date): Promise<void> {
  await db
    .updateTable('backfill')
    .set({ completed_at: iso(now), updated_at: iso(now) })
    .where('id', '=', id)
    .execute();
}
