/**
 * The names of Gale's executors: what `core.executor` lists and what a task's `executor` option
 * may name (Airflow 2.10+'s multiple executors). Only the names live here; the executors
 * themselves are in src/executors.
 */

export const EXECUTOR_NAMES = [
  /** task processes on the scheduler's machine */
  'local',
  /** tries sent through Redis to `gale worker` processes (Airflow's Celery executor's place) */
  'queue',
  /** a pod per try in a Kubernetes cluster (Airflow's KubernetesExecutor) */
  'kubernetes',
] as const;
export type ExecutorName = (typeof EXECUTOR_NAMES)[number];

export function isExecutorName(name: string): name is ExecutorName {
  return (EXECUTOR_NAMES as readonly string[]).includes(name);
}
