/**
 * Deciding, for each running DAG run, which task instances may be scheduled (their trigger rule
 * passes, retries are due), which are skipped or upstream_failed, and whether the run is done.
 * Works from the serialized DAG only; never runs user code.
 */
import { type Kysely, sql } from 'kysely';
import {
  type DagRunRow,
  type Database,
  inTransaction,
  isPostgres,
  type SerializedDagCache,
} from '../db/index.js';
import {
  countUpstream,
  DEFAULT_MAX_MAP_LENGTH,
  evaluateTriggerRule,
  indirectSetups,
  isFinishedTiState,
  runStateTasks,
  type SerializedDag,
  sharedMappedGroup,
  type TaskInstanceState,
  type TriggerDecision,
  taskGraph,
  tiStatesAllowedBefore,
  UNFINISHED_TI_STATES,
} from '../models/index.js';
import { requestEndOfRunCallbacks } from './dag-callbacks.js';
import { DAG_TEST_RUN_PREFIX } from './dag-run-creation.js';
import { tasksWaitingForPreviousRun } from './past-runs.js';
import { type ExpansionOptions, expandMappedTasks } from './task-expansion.js';

const DEFAULT_EXPANSION: ExpansionOptions = { maxMapLength: DEFAULT_MAX_MAP_LENGTH };

interface DagShape {
  /** the tasks, each after its upstream tasks */
  tasks: SerializedDag['tasks'];
  /** the tasks whose states decide the run's (leaves, teardowns left out as Airflow does) */
  stateTasks: Set<string>;
  byId: Map<string, SerializedDag['tasks'][number]>;
  /** per task, the setups it waits for that are not its direct upstream (Airflow's setup constraint) */
  indirect: Map<string, string[]>;
}

const shapes = new WeakMap<SerializedDag, DagShape>();

function shapeOf(dag: SerializedDag): DagShape {
  let shape = shapes.get(dag);
  if (shape) return shape;
  const graph = taskGraph(dag.tasks);
  const byId = new Map(dag.tasks.map((t) => [t.taskId, t]));
  const order: string[] = [];
  const seen = new Set<string>();
  const visit = (id: string) => {
    if (seen.has(id)) return;
    seen.add(id);
    for (const u of byId.get(id)?.upstream ?? []) visit(u);
    order.push(id);
  };
  for (const t of dag.tasks) visit(t.taskId);
  const hasSetups = dag.tasks.some((t) => t.isSetup);
  const indirect = new Map<string, string[]>();
  if (hasSetups) for (const t of dag.tasks) indirect.set(t.taskId, indirectSetups(graph, t.taskId));
  const tasks = order.flatMap((id) => byId.get(id) ?? []);
  shape = { tasks, stateTasks: runStateTasks(graph), byId, indirect };
  shapes.set(dag, shape);
  return shape;
}

export interface RunDecisions {
  toState: Map<TaskInstanceState, string[]>;
  /** the unexpanded task instances (map_index -1) of mapped tasks whose trigger rule passed: to expand */
  toExpand: { tiId: string; taskId: string }[];
  runState: 'success' | 'failed' | null;
}

export interface TiForDecision {
  id: string;
  task_id: string;
  /** -1 for an unmapped task instance, and for a mapped task's before it is expanded */
  map_index?: number;
  state: TaskInstanceState;
  next_retry_at: string | null;
}

/**
 * Pure: what changes in one run given its task instances' states. A mapped task has several task
 * instances: each is decided alone, and a task downstream of it counts every one of them in its
 * trigger rule, as Airflow does.
 */
export function decideRun(
  dag: SerializedDag,
  tis: readonly TiForDecision[],
  now: Date,
  waitingForPast: ReadonlySet<string> = new Set(),
): RunDecisions {
  const shape = shapeOf(dag);
  // Plain loops over positions in `tis`, rather than flatMap, copied arrays and maps by id: a long
  // chain's run is decided every pass, with all its task instances, most of them waiting.
  const byTask = new Map<string, number[]>();
  const current: TaskInstanceState[] = new Array(tis.length);
  for (let i = 0; i < tis.length; i++) {
    const ti = tis[i]!;
    current[i] = ti.state;
    const list = byTask.get(ti.task_id);
    if (list) list.push(i);
    else byTask.set(ti.task_id, [i]);
  }
  const pushStatesOf = (taskId: string, into: TaskInstanceState[]) => {
    const list = byTask.get(taskId);
    if (!list) into.push('removed');
    else for (const i of list) into.push(current[i]!);
  };
  const toState = new Map<TaskInstanceState, string[]>();
  const toExpand: RunDecisions['toExpand'] = [];
  // In a mapped task group, instance i waits for instance i of the group's tasks it depends on; an
  // unexpanded one waits only for the tasks outside the group (the group's input among them).
  const pushUpstreamStates = (
    u: string,
    task: SerializedDag['tasks'][number],
    mapIndex: number,
    into: TaskInstanceState[],
  ) => {
    if (!sharedMappedGroup(task.mapping, shape.byId.get(u)?.mapping)) return pushStatesOf(u, into);
    if (mapIndex < 0) return;
    const same = (byTask.get(u) ?? []).filter((i) => tis[i]!.map_index === mapIndex);
    if (same.length === 0) return pushStatesOf(u, into);
    for (const i of same) into.push(current[i]!);
  };
  const move = (i: number, to: TaskInstanceState) => {
    current[i] = to;
    const list = toState.get(to);
    if (list) list.push(tis[i]!.id);
    else toState.set(to, [tis[i]!.id]);
  };
  let nowIso: string | null = null;
  const states: TaskInstanceState[] = [];
  for (const task of shape.tasks) {
    const taskId = task.taskId;
    const instances = byTask.get(taskId);
    if (!instances) continue;
    for (const i of instances) {
      const ti = tis[i]!;
      const s = current[i]!;
      if (s !== 'none') {
        // a retry, or a reschedule-mode sensor's next poke (the same try), is due at next_retry_at
        if (s !== 'up_for_retry' && s !== 'up_for_reschedule') continue;
        nowIso ??= now.toISOString();
        if (ti.next_retry_at && ti.next_retry_at > nowIso) continue;
      }
      const upstream: { state: TaskInstanceState; isSetup: boolean }[] = [];
      for (const u of task.upstream) {
        const isSetup = shape.byId.get(u)?.isSetup ?? false;
        states.length = 0;
        pushUpstreamStates(u, task, ti.map_index ?? -1, states);
        for (const state of states) upstream.push({ state, isSetup });
      }
      const setups: TaskInstanceState[] = [];
      for (const id of shape.indirect.get(taskId) ?? []) pushStatesOf(id, setups);
      let decision =
        setupConstraint(setups) ?? evaluateTriggerRule(task.triggerRule, countUpstream(upstream));
      if (decision === 'run' && waitingForPast.has(taskId)) decision = 'wait';
      // a mapped task not yet expanded stays none (its downstream tasks wait) until it is expanded
      if (decision === 'run' && task.mapping && (ti.map_index ?? -1) < 0)
        toExpand.push({ tiId: ti.id, taskId });
      else if (decision === 'run') move(i, 'scheduled');
      else if (decision === 'skipped' || decision === 'upstream_failed') move(i, decision);
    }
  }
  let runState: RunDecisions['runState'] = null;
  let allFinished = true;
  for (const state of current) {
    if (!isFinishedTiState(state)) {
      allFinished = false;
      break;
    }
  }
  if (allFinished) {
    const leafStates: TaskInstanceState[] = [];
    for (const id of shape.stateTasks) pushStatesOf(id, leafStates);
    runState = leafStates.some((s) => s === 'failed' || s === 'upstream_failed') ? 'failed' : 'success';
  }
  return { toState, toExpand, runState };
}

/**
 * Airflow's setup constraint on a work task's indirect setups: one failed, the task is
 * upstream_failed; one skipped, skipped; one unfinished, it waits; all succeeded, its trigger rule decides.
 */
function setupConstraint(setups: readonly TaskInstanceState[]): TriggerDecision | null {
  if (setups.some((s) => s === 'failed' || s === 'upstream_failed')) return 'upstream_failed';
  if (setups.some((s) => s === 'skipped')) return 'skipped';
  return setups.every(isFinishedTiState) ? null : 'wait';
}

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
  // two seeks in the index, whatever the run's size
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
