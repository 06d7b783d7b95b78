/**
 * Setup and teardown tasks over a DAG's graph, as Airflow 3 works them out: which tasks decide a
 * run's state (teardowns do not, unless onFailureFailDagrun), which setups a work task waits for
 * although they are not its direct upstream, and which tasks a clear takes along. Pure graph
 * functions of the serialized tasks; never reads states or the database.
 */

/** A task as a node of the graph. */
export interface GraphNode {
  taskId: string;
  upstream: readonly string[];
}

/** What these functions read of a serialized task. */
export interface GraphTask extends GraphNode {
  isSetup: boolean;
  isTeardown: boolean;
  onFailureFailDagrun: boolean;
}

export interface TaskGraph<T extends GraphNode = GraphTask> {
  byId: ReadonlyMap<string, T>;
  downstream: ReadonlyMap<string, readonly string[]>;
}

export function taskGraph<T extends GraphNode>(tasks: readonly T[]): TaskGraph<T> {
  const downstream = new Map<string, string[]>(tasks.map((t) => [t.taskId, []]));
  for (const t of tasks) for (const u of t.upstream) downstream.get(u)?.push(t.taskId);
  return { byId: new Map(tasks.map((t) => [t.taskId, t])), downstream };
}

/** Every task reachable upstream (or downstream) of `taskId`, not itself (Airflow's get_flat_relatives). */
export function flatRelatives(
  g: TaskGraph<GraphNode>,
  taskId: string,
  direction: 'upstream' | 'downstream',
): Set<string> {
  const edges = (id: string): readonly string[] =>
    direction === 'upstream' ? (g.byId.get(id)?.upstream ?? []) : (g.downstream.get(id) ?? []);
  const seen = new Set<string>();
  const stack = [...edges(taskId)];
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (seen.has(id)) continue;
    seen.add(id);
    stack.push(...edges(id));
  }
  return seen;
}

const teardownsOf = (g: TaskGraph, id: string): string[] =>
  (g.downstream.get(id) ?? []).filter((d) => g.byId.get(d)?.isTeardown);

/**
 * The setups upstream of a task that are relevant to it, with their teardowns (Airflow's
 * get_upstreams_only_setups_and_teardowns): a setup is relevant when it has no teardown or one of
 * its teardowns is downstream of the task, that is, when the task runs inside its scope.
 */
export function relevantSetupsAndTeardowns(
  g: TaskGraph,
  taskId: string,
): { setups: string[]; teardowns: string[] } {
  const downstreamTeardowns = new Set(
    [...flatRelatives(g, taskId, 'downstream')].filter((id) => g.byId.get(id)?.isTeardown),
  );
  const setups: string[] = [];
  const teardowns: string[] = [];
  for (const id of flatRelatives(g, taskId, 'upstream')) {
    if (!g.byId.get(id)?.isSetup) continue;
    const own = teardownsOf(g, id);
    if (own.length > 0 && !own.some((t) => downstreamTeardowns.has(t))) continue;
    setups.push(id);
    teardowns.push(...own.filter((t) => t !== taskId));
  }
  return { setups, teardowns };
}

/**
 * The relevant setups a work task waits for that are not its direct upstream tasks: Airflow's
 * setup constraint, so that a task with all_done, two steps below a setup, does not run before
 * the setup succeeded. Teardowns have none (their own trigger rule counts their setups).
 */
export function indirectSetups(g: TaskGraph, taskId: string): string[] {
  const task = g.byId.get(taskId);
  if (!task || task.isTeardown) return [];
  const direct = new Set(task.upstream);
  return relevantSetupsAndTeardowns(g, taskId).setups.filter((id) => !direct.has(id));
}

/**
 * The tasks whose instances decide a run's final state, as Airflow's tis_for_dagrun_state: the
 * leaves once teardowns without onFailureFailDagrun are left out (a task whose only downstream
 * tasks are such teardowns counts as a leaf). A DAG of such teardowns only falls back to its leaves.
 */
export function runStateTasks(g: TaskGraph): Set<string> {
  const ignorable = (id: string) => {
    const t = g.byId.get(id);
    return t?.isTeardown === true && !t.onFailureFailDagrun;
  };
  const ids = [...g.byId.keys()];
  const effective = ids.filter((id) => !ignorable(id) && (g.downstream.get(id) ?? []).every(ignorable));
  if (effective.length > 0) return new Set(effective);
  return new Set(ids.filter((id) => (g.downstream.get(id) ?? []).length === 0));
}

/**
 * The tasks a clear of `taskIds` takes, as Airflow's partial_subset: with `upstream`, every upstream
 * task (and the teardowns of upstream setups); with `downstream`, every downstream task (and the
 * setups and teardowns those run inside). A work task always brings its relevant setups and their
 * teardowns, and a setup its teardowns, so that the resource is made again and cleaned up again.
 */
export function tasksToClear(
  g: TaskGraph,
  taskIds: readonly string[],
  include: { upstream?: boolean; downstream?: boolean } = {},
): string[] {
  const matched = new Set(taskIds);
  const out = new Set(taskIds);
  const withScope = (id: string) => {
    const t = g.byId.get(id);
    if (!t || t.isSetup || t.isTeardown) return;
    const { setups, teardowns } = relevantSetupsAndTeardowns(g, id);
    for (const x of [...setups, ...teardowns]) out.add(x);
  };
  for (const id of taskIds) {
    const t = g.byId.get(id);
    if (!t) continue;
    if (include.downstream) {
      for (const d of flatRelatives(g, id, 'downstream')) {
        out.add(d);
        if (!matched.has(d)) withScope(d);
      }
    }
    if (include.upstream) {
      for (const u of flatRelatives(g, id, 'upstream')) {
        out.add(u);
        if (g.byId.get(u)?.isSetup) for (const td of teardownsOf(g, u)) if (td !== id) out.add(td);
      }
    } else {
      withScope(id);
    }
    if (t.isSetup && !include.downstream) for (const td of teardownsOf(g, id)) out.add(td);
  }
  return [...out];
}
