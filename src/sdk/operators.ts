/**
 * Small built-in operators: `empty` (Airflow's EmptyOperator), a task that does nothing, to
 * give a DAG a named start, end or join point.
 */
import { type TaskRef, task } from './dag.js';
import type { TaskOptions } from './task-options.js';

/** A task that does nothing and succeeds (Airflow's EmptyOperator); its output is null. */
export function empty(idOrOptions: string | TaskOptions): TaskRef<null> {
  return task(typeof idOrOptions === 'string' ? { taskId: idOrOptions } : idOrOptions, () => null)();
}
