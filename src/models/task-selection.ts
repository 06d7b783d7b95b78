/**
 * Which task instances a request names, as Airflow 3's clearTaskInstances takes them: a task id
 * (every instance of the task) or [task id, map index] (one instance of a mapped task).
 */

/** For the tasks named by map index: the map indexes named. A task not in it: every instance. */
export type MapIndexesByTask = ReadonlyMap<string, ReadonlySet<number>>;

/** Task ids, and map indexes for the tasks named only with them (a bare task id wins). */
export function splitTaskIds(items: readonly (string | readonly [string, number])[]): {
  taskIds: string[];
  mapIndexes: MapIndexesByTask;
} {
  const whole = new Set<string>();
  const some = new Map<string, Set<number>>();
  for (const item of items) {
    if (typeof item === 'string') whole.add(item);
    else {
      const [taskId, mapIndex] = item;
      const set = some.get(taskId) ?? new Set<number>();
      set.add(mapIndex);
      some.set(taskId, set);
    }
  }
  for (const taskId of whole) some.delete(taskId);
  return { taskIds: [...new Set([...whole, ...some.keys()])], mapIndexes: some };
}

/** Whether a task instance is one of those named (every instance of a task not in mapIndexes). */
export function isAsked(
  mapIndexes: MapIndexesByTask | undefined,
  ti: { task_id: string; map_index: number },
): boolean {
  const some = mapIndexes?.get(ti.task_id);
  return some === undefined || some.has(ti.map_index);
}
