/**
 * The pure part of readiness: given a run's task instances and its serialized DAG, which may be
 * scheduled (their trigger rule passes, retries are due), which are skipped or upstream_failed,
 * and whether the run is done. No database, no user code (task-readiness.ts reads and writes).
 */
import {
  countUpstream,
  evaluateTriggerRule,
  indirectSetups,
  isFinishedTiState,
  runStateTasks,
  type SerializedDag,
  sharedMappedGroup,
  type TaskInstanceState,
  type TriggerDecision,
  taskGraph,
} from '../models/index.js';

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
