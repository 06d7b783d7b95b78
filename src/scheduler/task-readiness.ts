/**
 * Each pass, for each running DAG run: read its task instances, decide which may be scheduled,
 * skipped or upstream_failed and whether the run is done (run-decisions.ts), and write that.
 * Works from the serialized DAG only; never runs user code.
 */
import { type Kysely, sql } from '#kysely';
import {
  type DagRunRow,
  type Database,
  inTransaction,
  isPostgres,
  type SerializedDagCache,
} from '../db/index.js';
import {
  DEFAULT_MAX_MAP_LENGTH,
  type SerializedDag,
  type TaskInstanceState,
  tiStatesAllowedBefore,
  UNFINISHED_TI_STATES,
} from '../models/index.js';
import { requestEndOfRunCallbacks } from './dag-callbacks.js';
import { DAG_TEST_RUN_PREFIX } from './dag-run-creation.js';
import { tasksWaitingForPreviousRun } from './past-runs.js';
import { decideRun } from './run-decisions.js';
import { type ExpansionOptions, expandMappedTasks } from './task-expansion.js';

const DEFAULT_EXPANSION: ExpansionOptions = { maxMapLength: DEFAULT_MAX_MAP_LENGTH };

/**
 * A run past its dagrunTimeout fails and its unfinished task instances are skipped, as Airflow's
 * scheduler does; running tries see their state change at their next heartbeat and stop.
 */
async function timeOutRun(
  db: Kysely<Database>,
  dag: SerializedDag,
  run: DagRunRow,
  now: Date,
): Promise<'failed' | null> {
  return inTransaction(db, async (tx) => {
    await tx
      .updateTable('task_instance')
      .set({ state: 'skipped', end_date: now.toISOString(), updated_at: now.toISOString() })
      .where('dag_id', '=', run.dag_id)
      .where('run_id', '=', run.run_id)
      .where('state', 'in', UNFINISHED_TI_STATES)
      .execute();
    const result = await tx
      .updateTable('dag_run')
      .set({ state: 'failed', end_date: now.toISOString() })
      .where('id', '=', run.id)
      .where('state', '=', 'running')
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) !== 1) return null;
    await requestEndOfRunCallbacks(tx, dag, run, 'failed', 'timed_out', now);
    return 'failed';
  });
}

type RunOutcome = { scheduled: number; runState: 'success' | 'failed' | null };

/**
 * Applies decideRun to one run in one transaction. Returns how many tasks became scheduled and the
 * run's new state. With several schedulers on PostgreSQL, the run's row is locked first (SKIP
 * LOCKED, as Airflow's schedulers examine runs): a run another scheduler examines is left to it.
 */
export async function scheduleRun(
  db: Kysely<Database>,
  cache: SerializedDagCache,
  run: DagRunRow,
  now: Date,
  expansion: ExpansionOptions = DEFAULT_EXPANSION,
): Promise<RunOutcome> {
  if (!isPostgres(db)) return examineRun(db, cache, run, now, expansion);
  return inTransaction(db, async (tx) => {
    const mine = await tx
      .selectFrom('dag_run')
      .select('id')
      .where('id', '=', run.id)
      .where('state', '=', 'running')
      .forUpdate()
      .skipLocked()
      .executeTakeFirst();
    return mine ? examineRun(tx, cache, run, now, expansion) : { scheduled: 0, runState: null };
  });
}

/** The states decideRun moves task instances out of (a retry or a reschedule once it is due). */
const UNDECIDED_TI_STATES: readonly TaskInstanceState[] = ['none', 'up_for_retry', 'up_for_reschedule'];

/**
 * Whether decideRun could change anything in the run: some task instance is still undecided, or
 * none is unfinished (the run's state is due). Looked up in an index, without reading the run's
 * task instances: a wide run whose tasks are all queued or running is looked at every pass.
 */
async function mayChange(db: Kysely<Database>, run: DagRunRow): Promise<boolean> {
  const some = (states: readonly TaskInstanceState[]) =>
    db
      .selectFrom('task_instance')
      .select(sql.lit(1).as('one'))
      .where('dag_id', '=', run.dag_id)
      .where('run_id', '=', run.run_id)
      .where('state', 'in', states);
  // a few seeks in idx_ti_dag_state_run, whatever the run's size
  const found = await db
    .selectNoFrom((eb) => [
      eb.exists(some(UNDECIDED_TI_STATES)).as('undecided'),
      eb.exists(some(UNFINISHED_TI_STATES)).as('unfinished'),
    ])
    .executeTakeFirstOrThrow();
  return Boolean(found.undecided) || !found.unfinished;
}

async function examineRun(
  db: Kysely<Database>,
  cache: SerializedDagCache,
  run: DagRunRow,
  now: Date,
  expansion: ExpansionOptions,
): Promise<RunOutcome> {
  const dag = await cache.get(db, run.dag_id, run.dag_version_hash);
  if (
    dag.dagrunTimeoutMs !== null &&
    run.start_date &&
    Date.parse(run.start_date) + dag.dagrunTimeoutMs < now.getTime()
  ) {
    return { scheduled: 0, runState: await timeOutRun(db, dag, run, now) };
  }
  if (!(await mayChange(db, run))) return { scheduled: 0, runState: null };
  const tis = await db
    .selectFrom('task_instance')
    .select(['id', 'task_id', 'map_index', 'state', 'next_retry_at'])
    .where('dag_id', '=', run.dag_id)
    .where('run_id', '=', run.run_id)
    .execute();
  const { toState, toExpand, runState } = decideRun(
    dag,
    tis,
    now,
    await tasksWaitingForPreviousRun(db, dag, run, tis),
  );
  if (toState.size === 0 && toExpand.length === 0 && !runState) return { scheduled: 0, runState: null };
  return inTransaction(db, async (tx) => {
    let scheduled = 0;
    const at = now.toISOString();
    for (const [to, ids] of toState) {
      for (let i = 0; i < ids.length; i += 500) {
        // joined from a VALUES list: SQLite looks each id up, where `id in (...) and state in (...)`
        // makes it walk every task instance in those states (all of a new wide run's)
        const values = sql.join(ids.slice(i, i + 500).map((id) => sql`(${id})`));
        const { rows } = await sql<{ id: string }>`
          update task_instance
          set state = ${to}, updated_at = ${at}${to === 'scheduled' ? sql`, scheduled_at = ${at}` : sql``}
          from (values ${values}) as v
          where task_instance.id = v.column1
            and task_instance.state in (${sql.join(tiStatesAllowedBefore(to))})
          returning task_instance.id`.execute(tx);
        if (to === 'scheduled') scheduled += rows.length;
      }
    }
    scheduled += await expandMappedTasks(tx, dag, run, toExpand, now, expansion);
    if (!runState) return { scheduled, runState: null };
    const result = await tx
      .updateTable('dag_run')
      .set({ state: runState, end_date: now.toISOString() })
      .where('id', '=', run.id)
      .where('state', '=', 'running')
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) !== 1) return { scheduled, runState: null };
    await requestEndOfRunCallbacks(
      tx,
      dag,
      run,
      runState,
      runState === 'success' ? 'success' : 'task_failure',
      now,
    );
    return { scheduled, runState };
  });
}

/** Applies decideRun to every running run. */
export async function scheduleRunningRuns(
  db: Kysely<Database>,
  cache: SerializedDagCache,
  now: Date,
  expansion: ExpansionOptions = DEFAULT_EXPANSION,
): Promise<{ scheduled: number; finishedRuns: DagRunRow[] }> {
  // As Airflow: runs of paused DAGs wait (their running tries finish) until the DAG is unpaused.
  const runs = await db
    .selectFrom('dag_run')
    .innerJoin('dag', 'dag.dag_id', 'dag_run.dag_id')
    .selectAll('dag_run')
    .where('dag_run.state', '=', 'running')
    .where('dag.is_paused', '=', 0)
    .where('dag_run.run_id', 'not like', `${DAG_TEST_RUN_PREFIX}%`)
    .execute();
  let scheduled = 0;
  const finishedRuns: DagRunRow[] = [];
  for (const run of runs) {
    const result = await scheduleRun(db, cache, run, now, expansion);
    scheduled += result.scheduled;
    if (result.runState) finishedRuns.push({ ...run, state: result.runState });
  }
  return { scheduled, finishedRuns };
}
