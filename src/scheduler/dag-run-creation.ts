/**
 * Creating DAG runs: scheduled ones from each DAG's timetable (honouring catchup, start/end dates,
 * pause and maxActiveRuns), and manual ones with a conf. Each run is created with its task
 * instances in one transaction; the unique (dag_id, logical_date) key makes a double creation fail.
 */
import type { Kysely } from '#kysely';
import {
  computeNextDagRun,
  type Database,
  insertDagRun,
  inTransaction,
  LOCKS,
  lockDagForScheduling,
  refreshNextDagRun,
  type SerializedDagCache,
  tryTransactionLock,
} from '../db/index.js';
import type { DagRunInfo } from '../models/index.js';

/** Runs of `gale dags test` carry this run id prefix; the scheduler leaves them to the test. */
export const DAG_TEST_RUN_PREFIX = 'dags_test__';

export async function createDueScheduledRuns(
  db: Kysely<Database>,
  cache: SerializedDagCache,
  now: Date,
  maxPerDag: number,
): Promise<number> {
  const due = await db
    .selectFrom('dag')
    .select(['dag_id'])
    .where('is_active', '=', 1)
    .where('is_paused', '=', 0)
    .where('next_dagrun_create_after', 'is not', null)
    .where('next_dagrun_create_after', '<=', now.toISOString())
    .execute();
  let created = 0;
  for (const { dag_id } of due) {
    for (let i = 0; i < maxPerDag; i++) {
      const made = await db.transaction().execute(async (tx) => {
        // several schedulers: one creates this DAG's runs, the others skip it this loop
        const dag = await lockDagForScheduling(tx, dag_id);
        if (!dag || dag.is_paused || !dag.is_active || !dag.next_dagrun_create_after) return false;
        if (dag.next_dagrun_create_after > now.toISOString()) return false;
        const active = await tx
          .selectFrom('dag_run')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('dag_id', '=', dag_id)
          .where('state', 'in', ['queued', 'running'])
          // as Airflow: backfill runs count against their backfill's limit, not the DAG's
          .where('run_type', '!=', 'backfill')
          .executeTakeFirstOrThrow();
        if (Number(active.n) >= dag.max_active_runs) return false;
        const serialized = await cache.get(tx, dag_id, dag.latest_version_hash);
        // Without catchup time may have moved past the stored next run: take the later of the two.
        const fresh = await computeNextDagRun(tx, serialized, now);
        const stored: DagRunInfo = {
          logicalDate: new Date(dag.next_dagrun ?? dag.next_dagrun_create_after),
          dataIntervalStart: new Date(dag.next_dagrun_data_interval_start ?? dag.next_dagrun_create_after),
          dataIntervalEnd: new Date(dag.next_dagrun_data_interval_end ?? dag.next_dagrun_create_after),
          runAfter: new Date(dag.next_dagrun_create_after),
        };
        const info = fresh && fresh.logicalDate.getTime() > stored.logicalDate.getTime() ? fresh : stored;
        if (!info || info.runAfter.getTime() > now.getTime()) return false;
        const clash = await tx
          .selectFrom('dag_run')
          .select('id')
          .where('dag_id', '=', dag_id)
          .where('logical_date', '=', info.logicalDate.toISOString())
          .executeTakeFirst();
        // A manual run may already hold this logical date: then the timetable just moves past it.
        if (!clash) {
          await insertDagRun(tx, {
            dag: serialized,
            versionHash: dag.latest_version_hash,
            info,
            runType: 'scheduled',
            now,
          });
        }
        await refreshNextDagRun(tx, serialized, now, info);
        return true;
      });
      if (!made) break;
      created++;
    }
  }
  return created;
}

// Manual runs are created in db/manual-dag-run.ts: the API and task processes create them too.
export { type TriggerInput, triggerDagRun } from '../db/index.js';

/**
 * Moves queued runs to running while their DAG has fewer than maxActiveRuns running. One
 * scheduler at a time (a transaction lock; the others skip this step), so counts cannot race.
 */
export async function startQueuedRuns(db: Kysely<Database>, now: Date): Promise<number> {
  const waiting = await db
    .selectFrom('dag_run')
    .select('id')
    .where('state', '=', 'queued')
    .limit(1)
    .executeTakeFirst();
  if (!waiting) return 0;
  return inTransaction(db, async (tx) => {
    if (!(await tryTransactionLock(tx, LOCKS.startRuns))) return 0;
    return startQueuedRunsLocked(tx, now);
  });
}

async function startQueuedRunsLocked(db: Kysely<Database>, now: Date): Promise<number> {
  const queued = await db
    .selectFrom('dag_run')
    .innerJoin('dag', 'dag.dag_id', 'dag_run.dag_id')
    .select(['dag_run.id', 'dag_run.dag_id', 'dag.max_active_runs'])
    .where('dag_run.state', '=', 'queued')
    .where('dag.is_paused', '=', 0)
    .where('dag_run.run_type', '!=', 'backfill') // started by scheduler/backfills.ts
    .orderBy('dag_run.logical_date')
    .execute();
  if (queued.length === 0) return 0;
  const runningRows = await db
    .selectFrom('dag_run')
    .select(['dag_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where('state', '=', 'running')
    .where('run_type', '!=', 'backfill')
    .groupBy('dag_id')
    .execute();
  const running = new Map(runningRows.map((r) => [r.dag_id, Number(r.n)]));
  let started = 0;
  for (const run of queued) {
    const n = running.get(run.dag_id) ?? 0;
    if (n >= run.max_active_runs) continue;
    const result = await db
      .updateTable('dag_run')
      .set({ state: 'running', start_date: now.toISOString() })
      .where('id', '=', run.id)
      .where('state', '=', 'queued')
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 1) {
      running.set(run.dag_id, n + 1);
      started++;
    }
  }
  return started;
}
