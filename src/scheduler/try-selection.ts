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
  const selector = new TrySelector<C>(limits);
  for (const c of candidates) selector.offer(c);
  return selector.selection;
}

/**
 * selectTries one candidate at a time, for a caller that reads the candidates in pages: the
 * counts carry over from one candidate to the next, so offering pages in priority order chooses
 * exactly what selectTries would choose from them all.
 */
export class TrySelector<C extends QueueCandidate> {
  readonly selection: Selection<C> = { chosen: [], unroutable: [] };
  readonly #limits: SelectionLimits;
  readonly #open: Map<string, number>;
  #total: number;
  /** executors with an open slot */
  #openExecutors: number;
  readonly #perRun: Map<string, number>;
  readonly #perPool: Map<string, number>;
  readonly #perTask: Map<string, number>;
  readonly #perRunTask: Map<string, number>;

  constructor(limits: SelectionLimits) {
    this.#limits = limits;
    this.#open = new Map(limits.openSlots);
    this.#total = limits.totalOpen;
    this.#openExecutors = [...this.#open.values()].filter((n) => n > 0).length;
    this.#perRun = new Map(limits.activePerRun);
    this.#perPool = new Map(limits.activePerPool);
    this.#perTask = new Map(limits.activePerTask);
    this.#perRunTask = new Map(limits.activePerRunTask);
  }

  /** Whether no further candidate can be chosen: the scheduler or every executor is full. */
  get isFull(): boolean {
    return this.#total <= 0 || this.#openExecutors === 0;
  }

  offer(c: C): void {
    const limits = this.#limits;
    const executor = c.executor ?? limits.defaultExecutor;
    const slots = this.#open.get(executor);
    if (slots === undefined) {
      this.selection.unroutable.push({ candidate: c, executor });
      return;
    }
    // a full executor or run skips only its own candidates; lower priorities may still fit elsewhere
    if (this.#total <= 0 || slots <= 0) return;
    if ((this.#perRun.get(c.runKey) ?? 0) >= c.maxActiveTasks) return;
    const poolSlots = limits.poolSlots.get(c.pool);
    if (poolSlots === undefined) return; // the DAG processor reports unknown pools as import errors
    if ((this.#perPool.get(c.pool) ?? 0) + c.poolSlots > poolSlots) return;
    const taskKey = c.taskKey ?? '';
    if (c.maxActiveTisPerDag != null && (this.#perTask.get(taskKey) ?? 0) >= c.maxActiveTisPerDag) return;
    const runTask = runTaskKey(c);
    if (c.maxActiveTisPerDagrun != null && (this.#perRunTask.get(runTask) ?? 0) >= c.maxActiveTisPerDagrun)
      return;
    this.selection.chosen.push({ candidate: c, executor });
    this.#total--;
    this.#open.set(executor, slots - 1);
    if (slots === 1) this.#openExecutors--;
    this.#perRun.set(c.runKey, (this.#perRun.get(c.runKey) ?? 0) + 1);
    this.#perPool.set(c.pool, (this.#perPool.get(c.pool) ?? 0) + c.poolSlots);
    this.#perTask.set(taskKey, (this.#perTask.get(taskKey) ?? 0) + 1);
    this.#perRunTask.set(runTask, (this.#perRunTask.get(runTask) ?? 0) + 1);
  }
}
