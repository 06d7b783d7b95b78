/**
 * Deciding, for each running DAG run, which task instances may be scheduled (their trigger rule
 * passes, retries are due), which are skipped or upstream_failed, and whether the run is done.
 * Works from the serialized DAG only; never runs user code.
 */
import type { Kysely } from 'kysely';
import {
  type DagRunRow,
  type Database,
  inTransaction,
  isPostgres,
  type SerializedDagCache,
} from '../db/index.js';
import {
  countUpstream,
  evaluateTriggerRule,
  isFinishedTiState,
  type SerializedDag,
  type TaskInstanceState,
  tiStatesAllowedBefore,
} from '../models/index.js';
import { DAG_TEST_RUN_PREFIX } from './dag-run-creation.js';

interface DagShape {
  order: string[];
  leaves: Set<string>;
  byId: Map<string, SerializedDag['tasks'][number]>;
}

const shapes = new WeakMap<SerializedDag, DagShape>();

function shapeOf(dag: SerializedDag): DagShape {
  let shape = shapes.get(dag);
  if (shape) return shape;
  const byId = new Map(dag.tasks.map((t) => [t.taskId, t]));
  const hasDownstream = new Set(dag.tasks.flatMap((t) => t.upstream));
  const order: string[] = [];
  const seen = new Set<string>();
  const visit = (id: string) => {
    if (seen.has(id)) return;
    seen.add(id);
    for (const u of byId.get(id)?.upstream ?? []) visit(u);
    order.push(id);
  };
  for (const t of dag.tasks) visit(t.taskId);
  shape = {
    order,
    leaves: new Set(dag.tasks.map((t) => t.taskId).filter((id) => !hasDownstream.has(id))),
    byId,
  };
  shapes.set(dag, shape);
  return shape;
}

export interface RunDecisions {
  toState: Map<TaskInstanceState, string[]>;
  runState: 'success' | 'failed' | null;
}

/** Pure: what changes in one run given its task instances' states. */
export function decideRun(
  dag: SerializedDag,
  tis: readonly { id: string; task_id: string; state: TaskInstanceState; next_retry_at: string | null }[],
  now: Date,
): RunDecisions {
  const shape = shapeOf(dag);
  const state = new Map(tis.map((t) => [t.task_id, t]));
  const current = new Map<string, TaskInstanceState>(tis.map((t) => [t.task_id, t.state]));
  const toState = new Map<TaskInstanceState, string[]>();
  const move = (taskId: string, to: TaskInstanceState) => {
    const ti = state.get(taskId);
    if (!ti) return;
    current.set(taskId, to);
    const list = toState.get(to) ?? [];
    list.push(ti.id);
    toState.set(to, list);
  };
  for (const taskId of shape.order) {
    const ti = state.get(taskId);
    const task = shape.byId.get(taskId);
    if (!ti || !task) continue;
    const s = current.get(taskId)!;
    const retryDue = s === 'up_for_retry' && (!ti.next_retry_at || ti.next_retry_at <= now.toISOString());
    if (s !== 'none' && !retryDue) continue;
    const upstream = task.upstream.map((u) => ({ state: current.get(u) ?? 'removed' }));
    const decision = evaluateTriggerRule(task.triggerRule, countUpstream(upstream));
    if (decision === 'run') move(taskId, 'scheduled');
    else if (decision === 'skipped' || decision === 'upstream_failed') move(taskId, decision);
  }
  let runState: RunDecisions['runState'] = null;
  const all = [...current.values()];
  if (all.every(isFinishedTiState)) {
    const leafStates = [...shape.leaves].map((id) => current.get(id) ?? 'removed');
    runState = leafStates.some((s) => s === 'failed' || s === 'upstream_failed') ? 'failed' : 'success';
  }
  return { toState, runState };
}

/**
 * A run past its dagrunTimeout fails and its unfinished task instances are skipped, as Airflow's
 * scheduler does; running tries see their state change at their next heartbeat and stop.
 */
async function timeOutRun(db: Kysely<Database>, run: DagRunRow, now: Date): Promise<'failed' | null> {
  return inTransaction(db, async (tx) => {
    await tx
      .updateTable('task_instance')
      .set({ state: 'skipped', end_date: now.toISOString(), updated_at: now.toISOString() })
      .where('dag_id', '=', run.dag_id)
      .where('run_id', '=', run.run_id)
      .where('state', 'in', ['none', 'scheduled', 'queued', 'running', 'up_for_retry', 'deferred'])
      .execute();
    const result = await tx
      .updateTable('dag_run')
      .set({ state: 'failed', end_date: now.toISOString() })
      .where('id', '=', run.id)
      .where('state', '=', 'running')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1 ? 'failed' : null;
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
): Promise<RunOutcome> {
  if (!isPostgres(db)) return examineRun(db, cache, run, now);
  return inTransaction(db, async (tx) => {
    const mine = await tx
      .selectFrom('dag_run')
      .select('id')
      .where('id', '=', run.id)
      .where('state', '=', 'running')
      .forUpdate()
      .skipLocked()
      .executeTakeFirst();
    return mine ? examineRun(tx, cache, run, now) : { scheduled: 0, runState: null };
  });
}

async function examineRun(
  db: Kysely<Database>,
  cache: SerializedDagCache,
  run: DagRunRow,
  now: Date,
): Promise<RunOutcome> {
  const dag = await cache.get(db, run.dag_id, run.dag_version_hash);
  if (
    dag.dagrunTimeoutMs !== null &&
    run.start_date &&
    Date.parse(run.start_date) + dag.dagrunTimeoutMs < now.getTime()
  ) {
    return { scheduled: 0, runState: await timeOutRun(db, run, now) };
  }
  const tis = await db
    .selectFrom('task_instance')
    .select(['id', 'task_id', 'state', 'next_retry_at'])
    .where('dag_id', '=', run.dag_id)
    .where('run_id', '=', run.run_id)
    .execute();
  const { toState, runState } = decideRun(dag, tis, now);
  if (toState.size === 0 && !runState) return { scheduled: 0, runState: null };
  return inTransaction(db, async (tx) => {
    let scheduled = 0;
    for (const [to, ids] of toState) {
      for (let i = 0; i < ids.length; i += 500) {
        const result = await tx
          .updateTable('task_instance')
          .set({
            state: to,
            updated_at: now.toISOString(),
            ...(to === 'scheduled' ? { scheduled_at: now.toISOString() } : {}),
          })
          .where('id', 'in', ids.slice(i, i + 500))
          .where('state', 'in', tiStatesAllowedBefore(to))
          .executeTakeFirst();
        if (to === 'scheduled') scheduled += Number(result.numUpdatedRows);
      }
    }
    if (!runState) return { scheduled, runState: null };
    const result = await tx
      .updateTable('dag_run')
      .set({ state: runState, end_date: now.toISOString() })
      .where('id', '=', run.id)
      .where('state', '=', 'running')
      .executeTakeFirst();
    return { scheduled, runState: Number(result.numUpdatedRows) === 1 ? runState : null };
  });
}

/** Applies decideRun to every running run. */
export async function scheduleRunningRuns(
  db: Kysely<Database>,
  cache: SerializedDagCache,
  now: Date,
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
    const result = await scheduleRun(db, cache, run, now);
    scheduled += result.scheduled;
    if (result.runState) finishedRuns.push({ ...run, state: result.runState });
  }
  return { scheduled, finishedRuns };
}
