/**
 * The benchmark's instant executor: an Executor (src/executors/executor.ts) for the decisions
 * scenario that completes every try it is handed at once, in the benchmark's own process. It
 * records each try the way a task process does on the direct database channel
 * (src/runner/db-try-channel.ts): claim (queued -> running, with the queueing token), then success,
 * through the same repository functions; then it reports the try finished. No process, no task
 * code: what is left to measure is the scheduler's own work. Never use it outside the benchmark.
 */
import { hostname } from 'node:os';
import type { Kysely } from 'kysely';
import { claimTry, type Database, recordTrySuccess } from '../../db/index.js';
import type { Executor, ExecutorEvent, TaskWorkload } from '../../executors/index.js';

export class InstantExecutor implements Executor {
  readonly name = 'instant';
  readonly #db: Kysely<Database>;
  readonly #capacity: number;
  readonly #waiting: TaskWorkload[] = [];
  /** tries handed over and not reported yet, by task instance id */
  readonly #held = new Set<string>();
  readonly #events: ExecutorEvent[] = [];
  readonly #listeners: (() => void)[] = [];
  readonly #host = hostname();
  #draining: Promise<void> | null = null;
  #failure: unknown = null;
  /** performance.now() of the first try handed over; null before */
  firstQueuedAt: number | null = null;
  completed = 0;

  /** `capacity`: tries it may hold at once (core.parallelism, as the local executor's) */
  constructor(db: Kysely<Database>, capacity: number) {
    this.#db = db;
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
    // after the scheduler's step that queued it, as a task process would start
    this.#draining ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.#drain());
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
    await this.#draining;
  }

  async #drain(): Promise<void> {
    try {
      for (let w = this.#waiting.shift(); w; w = this.#waiting.shift()) await this.#complete(w);
    } catch (error) {
      this.#failure ??= error;
    } finally {
      this.#draining = null;
      if (this.#waiting.length > 0 && this.#failure === null) {
        this.#draining = this.#drain();
      }
    }
  }

  async #complete(w: TaskWorkload): Promise<void> {
    const tryRef = { tiId: w.tiId, tryNumber: w.tryNumber };
    const claimed = await claimTry(this.#db, {
      ...tryRef,
      token: w.token,
      hostname: this.#host,
      pid: process.pid,
      now: new Date(),
    });
    if (claimed) {
      await recordTrySuccess(this.#db, {
        ...tryRef,
        dagId: w.dagId,
        runId: w.runId,
        taskId: w.taskId,
        mapIndex: w.mapIndex,
        skip: [],
        outputJson: undefined,
        now: new Date(),
      });
      this.completed++;
    }
    this.#held.delete(w.tiId);
    this.#events.push({ kind: 'finished', workload: w });
    for (const listener of this.#listeners) listener();
  }
}
