/**
 * The executors one scheduler runs, by name (Airflow 2.10+'s multiple executors): the first is the
 * default, which runs every task that names no executor. The scheduler starts, drains and stops
 * them all through this set; it never routes a try to an executor it does not hold.
 */
import type { Executor, ExecutorEvent } from './executor.js';

export class ExecutorSet {
  readonly #byName = new Map<string, Executor>();
  /** the executor of tasks that name none: the first of core.executor */
  readonly default: Executor;

  /** `executors` in the order of core.executor; names must be distinct. */
  constructor(executors: readonly Executor[]) {
    const first = executors[0];
    if (!first) throw new Error('an ExecutorSet needs at least one executor');
    for (const e of executors) {
      if (this.#byName.has(e.name)) throw new Error(`executor "${e.name}" given twice`);
      this.#byName.set(e.name, e);
    }
    this.default = first;
  }

  get names(): string[] {
    return [...this.#byName.keys()];
  }

  all(): Executor[] {
    return [...this.#byName.values()];
  }

  get(name: string): Executor | undefined {
    return this.#byName.get(name);
  }

  /** Open slots of each executor, by name. */
  openSlots(): Map<string, number> {
    return new Map(this.all().map((e) => [e.name, Math.max(0, e.openSlots())]));
  }

  /** Tries handed to the executors and not finished: queued and running, all executors together. */
  inUse(): number {
    let n = 0;
    for (const e of this.all()) {
      const counts = e.taskCounts?.();
      if (counts) n += counts.queued + counts.running;
    }
    return n;
  }

  /**
   * Whether a task instance runs in one of the executors. `executorName` is the executor it was
   * queued to (task_instance.executor); when unknown, every executor is asked.
   */
  isRunning(tiId: string, executorName: string | null): boolean {
    const named = executorName === null ? undefined : this.#byName.get(executorName);
    if (named) return named.isRunning(tiId);
    return this.all().some((e) => e.isRunning(tiId));
  }

  onEvent(listener: () => void): void {
    for (const e of this.all()) e.onEvent(listener);
  }

  /** The events of every executor since the last call. */
  drainEvents(): ExecutorEvent[] {
    return this.all().flatMap((e) => e.drainEvents());
  }

  start(): void {
    for (const e of this.all()) e.start();
  }

  /** Stops every executor at once; each has the same grace. Rejects if any failed, after all ended. */
  async shutdown(graceMs: number): Promise<void> {
    const results = await Promise.allSettled(this.all().map((e) => e.shutdown(graceMs)));
    const reasons = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
    if (reasons.length === 1) throw reasons[0];
    if (reasons.length > 1) throw new AggregateError(reasons, 'several executors failed to stop');
  }
}
