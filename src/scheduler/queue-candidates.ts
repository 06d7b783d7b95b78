/**
 * The candidates of a queueing pass: each scheduled task instance read, with its serialized task
 * (from the DAG version its run uses) and the keys its limits are counted by.
 */
import type { Kysely } from '#kysely';
import type { DagRow, DagRunRow, Database, SerializedDagCache, TaskInstanceRow } from '../db/index.js';
import type { SerializedDag, SerializedTask } from '../models/index.js';
import type { QueueCandidate } from './try-selection.js';

export interface DagVersionTasks {
  fileloc: string;
  tasks: ReadonlyMap<string, SerializedTask>;
}

/** Each cached DAG version's tasks by id, built once per version rather than once per pass. */
const tasksById = new WeakMap<SerializedDag, ReadonlyMap<string, SerializedTask>>();

/** The serialized tasks of each DAG version the rows belong to, by `dag id \0 version hash`. */
export async function tasksOfVersions(
  db: Kysely<Database>,
  cache: SerializedDagCache,
  rows: readonly { dag_id: string; dag_version_hash: string }[],
): Promise<Map<string, DagVersionTasks>> {
  const versions = new Map<string, DagVersionTasks>();
  for (const r of rows) {
    const key = `${r.dag_id}\u0000${r.dag_version_hash}`;
    if (versions.has(key)) continue;
    const dag = await cache.get(db, r.dag_id, r.dag_version_hash);
    let tasks = tasksById.get(dag);
    if (!tasks) {
      tasks = new Map(dag.tasks.map((t) => [t.taskId, t]));
      tasksById.set(dag, tasks);
    }
    versions.set(key, { fileloc: dag.fileloc, tasks });
  }
  return versions;
}

/** A scheduled task instance as the candidates' query reads it, with its run's and DAG's columns. */
export type CandidateRow = Pick<
  TaskInstanceRow,
  | 'id'
  | 'dag_id'
  | 'run_id'
  | 'task_id'
  | 'map_index'
  | 'try_number'
  | 'next_method'
  | 'pool'
  | 'pool_slots'
  | 'queue'
> &
  Pick<DagRunRow, 'dag_version_hash'> &
  Pick<DagRow, 'max_active_tasks'>;

export interface Candidate
  extends QueueCandidate,
    Pick<
      CandidateRow,
      'id' | 'dag_id' | 'run_id' | 'task_id' | 'map_index' | 'try_number' | 'next_method' | 'queue'
    > {
  fileloc: string;
  task: SerializedTask | undefined;
  /** the number the try gets when queued */
  nextTry: number;
}

export function candidateOf(r: CandidateRow, dag: DagVersionTasks | undefined): Candidate {
  const task = dag?.tasks.get(r.task_id);
  return {
    id: r.id,
    dag_id: r.dag_id,
    run_id: r.run_id,
    task_id: r.task_id,
    map_index: r.map_index,
    try_number: r.try_number,
    next_method: r.next_method,
    queue: r.queue,
    fileloc: dag?.fileloc ?? '',
    task,
    runKey: `${r.dag_id}\u0000${r.run_id}`,
    maxActiveTasks: r.max_active_tasks,
    pool: r.pool,
    poolSlots: r.pool_slots,
    executor: task?.executor ?? null,
    taskKey: `${r.dag_id}\u0000${r.task_id}`,
    maxActiveTisPerDag: task?.maxActiveTisPerDag ?? null,
    maxActiveTisPerDagrun: task?.maxActiveTisPerDagrun ?? null,
    // a try resuming from a deferral keeps its number (Airflow does not count a resume as a try)
    nextTry: r.next_method === null ? r.try_number + 1 : r.try_number,
  };
}
