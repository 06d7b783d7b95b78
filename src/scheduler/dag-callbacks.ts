/**
 * What the scheduler does for DAG-level callbacks: records a callback request when it ends a run
 * whose DAG has a callback for that end (in the transaction that ends it, so neither a crash nor a
 * second scheduler loses or doubles one), and when an unfinished run passes its DAG's deadline.
 * It never runs a callback: DAG code runs only in DAG processor and task processes.
 */
import type { Kysely } from '#kysely';
import { type DagRunRow, type Database, requestCallback, type SerializedDagCache } from '../db/index.js';
import type { SerializedDag } from '../models/index.js';
import { DAG_TEST_RUN_PREFIX } from './dag-run-creation.js';

/** When a run's deadline passes, or null when its DAG has none (or it has no reference time yet). */
export function deadlineOf(
  dag: SerializedDag,
  run: Pick<DagRunRow, 'logical_date' | 'queued_at'>,
): number | null {
  if (!dag.deadline) return null;
  const reference = dag.deadline.reference === 'logical_date' ? run.logical_date : run.queued_at;
  if (!reference) return null;
  return Date.parse(reference) + dag.deadline.intervalMs;
}

/** Records the callbacks due when `run` ends in `state` (call it in the transaction that ends it). */
export async function requestEndOfRunCallbacks(
  tx: Kysely<Database>,
  dag: SerializedDag,
  run: DagRunRow,
  state: 'success' | 'failed',
  reason: string,
  now: Date,
): Promise<void> {
  // `gale dags test` runs its run's callbacks itself, in the foreground
  if (run.run_id.startsWith(DAG_TEST_RUN_PREFIX)) return;
  const base = { dagId: run.dag_id, runId: run.run_id, fileloc: dag.fileloc, now };
  if (state === 'success' && dag.callbacks.onSuccess)
    await requestCallback(tx, { ...base, kind: 'on_success', reason });
  if (state === 'failed' && dag.callbacks.onFailure)
    await requestCallback(tx, { ...base, kind: 'on_failure', reason });
  // a run that ends after its deadline missed it, even if no loop saw it unfinished past it
  const deadline = deadlineOf(dag, run);
  if (deadline !== null && deadline < now.getTime())
    await requestCallback(tx, { ...base, kind: 'deadline', reason: 'deadline_missed' });
}

/** Records a deadline callback for every queued or running run past its DAG's deadline. */
export async function requestMissedDeadlines(
  db: Kysely<Database>,
  cache: SerializedDagCache,
  now: Date,
): Promise<number> {
  const runs = await db
    .selectFrom('dag_run')
    .selectAll()
    .where('state', 'in', ['queued', 'running'])
    .where('run_id', 'not like', `${DAG_TEST_RUN_PREFIX}%`)
    .execute();
  let requested = 0;
  for (const run of runs) {
    const dag = await cache.get(db, run.dag_id, run.dag_version_hash);
    const deadline = deadlineOf(dag, run);
    if (deadline === null || deadline >= now.getTime()) continue;
    await requestCallback(db, {
      kind: 'deadline',
      dagId: run.dag_id,
      runId: run.run_id,
      fileloc: dag.fileloc,
      reason: 'deadline_missed',
      now,
    });
    requested += 1;
  }
  return requested;
}
