/**
 * Reads what dependsOnPast and waitForDownstream need from the previous DAG run (by logical
 * date): one query per run examined, and only while a task with either option has an instance
 * that could be scheduled. Never changes a state: decideRun does that.
 */
import type { Kysely } from '#kysely';
import type { DagRunRow, Database } from '../db/index.js';
import {
  pastTaskIds,
  type SerializedDag,
  type TaskInstanceState,
  taskGraph,
  tasksWaitingForPast,
} from '../models/index.js';

const downstreamOf = new WeakMap<SerializedDag, ReadonlyMap<string, readonly string[]>>();

const pastTasks = new WeakMap<SerializedDag, SerializedDag['tasks']>();

/** The DAG's tasks with dependsOnPast or waitForDownstream (usually none: then nothing is read). */
function pastTasksOf(dag: SerializedDag): SerializedDag['tasks'] {
  let tasks = pastTasks.get(dag);
  if (!tasks) {
    tasks = dag.tasks.filter((t) => t.dependsOnPast || t.waitForDownstream);
    pastTasks.set(dag, tasks);
  }
  return tasks;
}

const SCHEDULABLE: readonly TaskInstanceState[] = ['none', 'up_for_retry', 'up_for_reschedule'];

/** The tasks of `run` that must wait for the previous run (see tasksWaitingForPast). */
export async function tasksWaitingForPreviousRun(
  db: Kysely<Database>,
  dag: SerializedDag,
  run: Pick<DagRunRow, 'dag_id' | 'logical_date'>,
  tis: readonly { task_id: string; state: TaskInstanceState }[],
): Promise<Set<string>> {
  const withPast = pastTasksOf(dag);
  if (withPast.length === 0) return new Set();
  const pending = new Set(tis.filter((ti) => SCHEDULABLE.includes(ti.state)).map((ti) => ti.task_id));
  const tasks = withPast.filter((t) => pending.has(t.taskId));
  if (tasks.length === 0) return new Set();
  let downstream = downstreamOf.get(dag);
  if (!downstream) {
    downstream = taskGraph(dag.tasks).downstream;
    downstreamOf.set(dag, downstream);
  }
  const previous = await db
    .selectFrom('task_instance')
    .select(['task_id', 'state'])
    .where('dag_id', '=', run.dag_id)
    .where('task_id', 'in', pastTaskIds(tasks, downstream))
    .where('run_id', '=', (eb) =>
      eb
        .selectFrom('dag_run')
        .select('run_id')
        .where('dag_id', '=', run.dag_id)
        .where('logical_date', '<', run.logical_date)
        .orderBy('logical_date', 'desc')
        .limit(1),
    )
    .execute();
  return tasksWaitingForPast(tasks, downstream, previous);
}
