/**
 * dependsOnPast and waitForDownstream, as Airflow's PrevDagrunDep: a task instance may run only
 * when the same task's instances in the previous DAG run (by logical date) succeeded or were
 * skipped, and with waitForDownstream also those of its immediate downstream tasks. The first run
 * is free, and so is a task the previous run did not have (Airflow's ignore_first_depends_on_past).
 * Pure: the caller reads the previous run's states.
 */
import type { TaskInstanceState } from './states.js';

export interface PastTask {
  taskId: string;
  dependsOnPast: boolean;
  waitForDownstream: boolean;
}

const PAST_OK: readonly TaskInstanceState[] = ['success', 'skipped'];

/**
 * The tasks that must wait in a run because of the previous run. `previous` holds the previous
 * run's task instances (every map index) of the tasks asked for; empty when there is no previous run.
 */
export function tasksWaitingForPast(
  tasks: readonly PastTask[],
  downstream: ReadonlyMap<string, readonly string[]>,
  previous: readonly { task_id: string; state: TaskInstanceState }[],
): Set<string> {
  const statesOf = new Map<string, TaskInstanceState[]>();
  for (const ti of previous) statesOf.set(ti.task_id, [...(statesOf.get(ti.task_id) ?? []), ti.state]);
  const waiting = new Set<string>();
  for (const t of tasks) {
    if (!t.dependsOnPast && !t.waitForDownstream) continue;
    const own = statesOf.get(t.taskId);
    if (!own) continue; // the previous run had no such task: nothing to wait for
    if (!own.every((s) => PAST_OK.includes(s))) {
      waiting.add(t.taskId);
      continue;
    }
    if (!t.waitForDownstream) continue;
    // as Airflow's are_dependents_done: every immediate downstream task has a successful or skipped instance
    const downstreamDone = (downstream.get(t.taskId) ?? []).every((d) => {
      const states = statesOf.get(d);
      return states?.every((s) => PAST_OK.includes(s)) === true;
    });
    if (!downstreamDone) waiting.add(t.taskId);
  }
  return waiting;
}

/** The task ids whose previous-run instances tasksWaitingForPast needs: the tasks and, with waitForDownstream, their downstream tasks. */
export function pastTaskIds(
  tasks: readonly PastTask[],
  downstream: ReadonlyMap<string, readonly string[]>,
): string[] {
  const ids = new Set<string>();
  for (const t of tasks) {
    if (!t.dependsOnPast && !t.waitForDownstream) continue;
    ids.add(t.taskId);
    if (t.waitForDownstream) for (const d of downstream.get(t.taskId) ?? []) ids.add(d);
  }
  return [...ids];
}
