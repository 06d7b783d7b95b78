/**
 * Which scheduled task instances to queue in one pass, and to which executor: candidates come in
 * priority order; each goes to the executor its task names (or the default executor) while that
 * executor has open slots, the scheduler is under core.parallelism, its run under maxActiveTasks
 * and its pool under its slots. Pure: the caller reads the counts and writes the result.
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
}

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
    selection.chosen.push({ candidate: c, executor });
    total--;
    open.set(executor, slots - 1);
    perRun.set(c.runKey, (perRun.get(c.runKey) ?? 0) + 1);
    perPool.set(c.pool, (perPool.get(c.pool) ?? 0) + c.poolSlots);
  }
  return selection;
}
