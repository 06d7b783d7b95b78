/**
 * Which scheduled task instances to queue in one pass, and to which executor: candidates come in
 * priority order; each goes to the executor its task names (or the default executor) while that
 * executor has open slots, the scheduler is under core.parallelism, its run under maxActiveTasks,
 * its pool under its slots and its task under maxActiveTisPerDag and maxActiveTisPerDagrun. Pure: the caller reads the counts and writes the result.
 *
 * A task naming an executor the scheduler does not run is not queued anywhere else: it is
 * returned as unroutable, for the caller to fail with a message (Airflow logs it and leaves the
 * task instance scheduled forever; Gale would rather say so on the task instance).
 */

export interface QueueCandidate {
  /** identifies the candidate's DAG run (dag id and run id) */
  runKey: string;
  /** the DAG's maxActiveTasks: queued and running task instances per run */
  maxActiveTasks: number;
  pool: string;
  poolSlots: number;
  /** the executor the task names; null for the default executor */
  executor: string | null;
  /** identifies the candidate's task across runs (dag id and task id) */
  taskKey?: string;
  /** the task's maxActiveTisPerDag: its queued and running instances across runs; null for none */
  maxActiveTisPerDag?: number | null;
  /** the task's maxActiveTisPerDagrun: its queued and running instances in the run; null for none */
  maxActiveTisPerDagrun?: number | null;
}

/** The key of a task within one run, for maxActiveTisPerDagrun. */
const runTaskKey = (c: QueueCandidate) => `${c.runKey}\u0000${c.taskKey ?? ''}`;

export interface SelectionLimits {
  /** open slots of each executor the scheduler runs, by name */
  openSlots: ReadonlyMap<string, number>;
  /** the executor of tasks that name none */
  defaultExecutor: string;
  /** tries the scheduler may still hand over, all executors together (core.parallelism) */
  totalOpen: number;
  /** queued and running task instances per run */
  activePerRun: ReadonlyMap<string, number>;
  /** slots held by queued and running task instances per pool */
  activePerPool: ReadonlyMap<string, number>;
  /** slots of each pool */
  poolSlots: ReadonlyMap<string, number>;
  /** queued and running instances per task (taskKey), for maxActiveTisPerDag */
  activePerTask?: ReadonlyMap<string, number>;
  /** queued and running instances per task in a run (runKey \0 taskKey), for maxActiveTisPerDagrun */
  activePerRunTask?: ReadonlyMap<string, number>;
}

export interface Selection<C> {
  /** what to queue, each with the executor to hand it to, in priority order */
  chosen: { candidate: C; executor: string }[];
  /** candidates whose task names an executor the scheduler does not run */
  unroutable: { candidate: C; executor: string }[];
}

export function selectTries<C extends QueueCandidate>(
  candidates: readonly C[],
  limits: SelectionLimits,
): Selection<C> {
  const open = new Map(limits.openSlots);
  let total = limits.totalOpen;
  const perRun = new Map(limits.activePerRun);
  const perPool = new Map(limits.activePerPool);
  const perTask = new Map(limits.activePerTask);
  const perRunTask = new Map(limits.activePerRunTask);
  const selection: Selection<C> = { chosen: [], unroutable: [] };
  for (const c of candidates) {
    const executor = c.executor ?? limits.defaultExecutor;
    const slots = open.get(executor);
    if (slots === undefined) {
      selection.unroutable.push({ candidate: c, executor });
      continue;
    }
    // a full executor or run skips only its own candidates; lower priorities may still fit elsewhere
    if (total <= 0 || slots <= 0) continue;
    if ((perRun.get(c.runKey) ?? 0) >= c.maxActiveTasks) continue;
    const poolSlots = limits.poolSlots.get(c.pool);
    if (poolSlots === undefined) continue; // the DAG processor reports unknown pools as import errors
    if ((perPool.get(c.pool) ?? 0) + c.poolSlots > poolSlots) continue;
    const taskKey = c.taskKey ?? '';
    if (c.maxActiveTisPerDag != null && (perTask.get(taskKey) ?? 0) >= c.maxActiveTisPerDag) continue;
    if (c.maxActiveTisPerDagrun != null && (perRunTask.get(runTaskKey(c)) ?? 0) >= c.maxActiveTisPerDagrun)
      continue;
    selection.chosen.push({ candidate: c, executor });
    total--;
    open.set(executor, slots - 1);
    perRun.set(c.runKey, (perRun.get(c.runKey) ?? 0) + 1);
    perPool.set(c.pool, (perPool.get(c.pool) ?? 0) + c.poolSlots);
    perTask.set(taskKey, (perTask.get(taskKey) ?? 0) + 1);
    perRunTask.set(runTaskKey(c), (perRunTask.get(runTaskKey(c)) ?? 0) + 1);
  }
  return selection;
}
