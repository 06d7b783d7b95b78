/**
 * The benchmark's instant executor: an Executor (src/executors/executor.ts) for the decisions
 * scenario that completes every try it is handed at once, in the benchmark's own process. It
 * records each try the way a warm task process of the local executor does: claim (queued ->
 * running, with the queueing token), then success, through the scheduler's batched try writer
 * (src/runner/batched-try-writer.ts, the same repository functions, the writes that arrive together
 * in one transaction); then it reports the try finished. No process, no task code: what is left to
 * measure is the scheduler's own work. Never use it outside the benchmark.
 */
import { hostname } from 'node:os';
import type { Executor, ExecutorEvent, TaskWorkload, TryWriter } from '../../executors/index.js';

export class InstantExecutor implements Executor {
  readonly name = 'instant';
  readonly #write: TryWriter;
  readonly #capacity: number;
  readonly #waiting: TaskWorkload[] = [];
  /** tries handed over and not reported yet, by task instance id */
  readonly #held = new Set<string>();
  readonly #events: ExecutorEvent[] = [];
  readonly #listeners: (() => void)[] = [];
  readonly #host = hostname();
  /** tries being recorded */
  readonly #inFlight = new Set<Promise<void>>();
  #failure: unknown = null;
  /** performance.now() of the first try handed over; null before */
  firstQueuedAt: number | null = null;
  completed = 0;

  /** `capacity`: tries it may hold at once (core.parallelism, as the local executor's) */
  constructor(write: TryWriter, capacity: number) {
    this.#write = write;
    this.#capacity = capacity;
  }

  start(): void {}

  openSlots(): number {
    return this.#capacity - this.#held.size;
  }

  taskCounts(): { queued: number; running: number } {
    return { queued: this.#waiting.length, running: this.#held.size - this.#waiting.length };
  }

  queue(workload: TaskWorkload): void {
    this.firstQueuedAt ??= performance.now();
    this.#held.add(workload.tiId);
    this.#waiting.push(workload);
    // after the scheduler's step that queued it, as a task process would start; every try at once,
    // as the warm processes of a pool run side by side
    if (this.#waiting.length === 1) setImmediate(() => this.#startWaiting());
  }

  drainEvents(): ExecutorEvent[] {
    return this.#events.splice(0);
  }

  onEvent(listener: () => void): void {
    this.#listeners.push(listener);
  }

  isRunning(tiId: string): boolean {
    return this.#held.has(tiId);
  }

  /** Throws the first error a claim or a result met: the scenario must not report a figure then. */
  assertHealthy(): void {
    if (this.#failure !== null) {
      throw new Error(`bench: the instant executor could not record a try: ${String(this.#failure)}`, {
        cause: this.#failure,
      });
    }
  }

  async shutdown(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.all([...this.#inFlight]);
  }

  #startWaiting(): void {
    for (const w of this.#waiting.splice(0)) {
      const done: Promise<void> = this.#complete(w)
        .catch((error: unknown) => {
          this.#failure ??= error;
        })
        .finally(() => this.#inFlight.delete(done));
      this.#inFlight.add(done);
    }
  }

  async #complete(w: TaskWorkload): Promise<void> {
    const claimed = await this.#write('claim', [
      w,
      { token: w.token, hostname: this.#host, pid: process.pid },
    ]);
    if (claimed) {
      await this.#write('succeed', [w, { skip: [], outputJson: undefined }]);
      this.completed++;
    }
    this.#held.delete(w.tiId);
    this.#events.push({ kind: 'finished', workload: w });
    for (const listener of this.#listeners) listener();
  }
}
