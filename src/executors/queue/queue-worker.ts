/**
 * `gale worker`: takes tries from Redis queues (BullMQ) and runs them in task processes on this
 * machine, as the local executor does (warm processes, each try claiming its task instance with its
 * token, recording its own result, heartbeating, enforcing its timeout). Concurrency is shared by
 * all the worker's queues. A try whose process dies before recording a result is handed to
 * `onExited`, which records the failure (or retry) as the scheduler would.
 *
 * At most once: BullMQ never redelivers a stalled job here (maxStalledCount 0), and even a
 * duplicate job could not run: its claim in the database would fail.
 */
import { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { ExecutorEvent, ExitedEvent, TaskWorkload } from '../executor.js';
import { taskWorkloadSchema } from '../executor.js';
import { LocalExecutor, type LocalExecutorOptions } from '../local/local-executor.js';
import { openRedis } from './redis-connection.js';

export interface QueueWorkerOptions {
  redisUrl: string;
  keyPrefix: string;
  queues: string[];
  concurrency: number;
  local: Omit<LocalExecutorOptions, 'parallelism'>;
  /**
   * Where a try writes its log on this machine: under the worker's own logging.base_log_folder
   * (served by its log server), not the scheduler's, as Airflow's workers. Default: the workload's.
   */
  logPathOf?: (workload: TaskWorkload) => string;
  onExited: (event: ExitedEvent) => Promise<void>;
  onError?: (message: string, error: unknown) => void;
}

/** A counting semaphore: the worker's concurrency across all its queues. */
class Slots {
  #free: number;
  readonly #waiters: (() => void)[] = [];
  constructor(n: number) {
    this.#free = n;
  }
  async acquire(): Promise<void> {
    if (this.#free > 0) {
      this.#free--;
      return;
    }
    await new Promise<void>((resolve) => this.#waiters.push(resolve));
  }
  release(): void {
    const next = this.#waiters.shift();
    if (next) next();
    else this.#free++;
  }
}

export class QueueWorker {
  readonly #options: QueueWorkerOptions;
  readonly #executor: LocalExecutor;
  readonly #slots: Slots;
  readonly #pending = new Map<string, (event: ExecutorEvent) => void>();
  #workers: Worker[] = [];
  /** BullMQ leaves connections it was given open: the worker closes them itself */
  readonly #connections: Redis[] = [];

  constructor(options: QueueWorkerOptions) {
    this.#options = options;
    this.#slots = new Slots(options.concurrency);
    this.#executor = new LocalExecutor({ ...options.local, parallelism: options.concurrency });
    this.#executor.onEvent(() => {
      for (const event of this.#executor.drainEvents()) {
        const resolve = this.#pending.get(event.workload.token);
        this.#pending.delete(event.workload.token);
        resolve?.(event);
      }
    });
  }

  /** Tries running now. */
  get running(): number {
    return this.#pending.size;
  }

  start(): void {
    this.#executor.start();
    for (const name of this.#options.queues) {
      const connection = openRedis(this.#options.redisUrl);
      this.#connections.push(connection);
      const worker = new Worker(name, (job) => this.#run(job.data), {
        connection,
        prefix: this.#options.keyPrefix,
        concurrency: this.#options.concurrency,
        maxStalledCount: 0,
        removeOnComplete: { count: 0 },
        removeOnFail: { count: 0 },
      });
      worker.on('error', (error) => this.#options.onError?.(`worker of queue "${name}"`, error));
      this.#workers.push(worker);
    }
  }

  async #run(data: unknown): Promise<{ kind: ExecutorEvent['kind'] }> {
    const sent = taskWorkloadSchema.parse(data);
    const workload = this.#options.logPathOf ? { ...sent, logPath: this.#options.logPathOf(sent) } : sent;
    await this.#slots.acquire();
    try {
      const done = new Promise<ExecutorEvent>((resolve) => this.#pending.set(workload.token, resolve));
      this.#executor.queue(workload);
      const event = await done;
      if (event.kind === 'exited') await this.#options.onExited(event);
      return { kind: event.kind };
    } finally {
      this.#slots.release();
    }
  }

  /**
   * Stops taking tries and waits up to graceMs for the running ones; the tries still running then
   * go on alone in their own processes (they record their own result) and the worker exits.
   */
  async shutdown(graceMs: number): Promise<void> {
    // Every step is bounded by the grace period: with Redis unreachable, BullMQ's pause and close
    // would wait for it forever.
    const deadline = Date.now() + graceMs;
    const within = async (p: Promise<unknown>): Promise<'done' | 'late'> => {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((resolve) => {
        timer = setTimeout(() => resolve('late'), Math.max(0, deadline - Date.now()));
      });
      const outcome = await Promise.race([p.then(() => 'done' as const), late]);
      clearTimeout(timer);
      return outcome;
    };
    let outcome = await within(Promise.allSettled(this.#workers.map((w) => w.pause(true))));
    if (outcome === 'done') outcome = await within(Promise.allSettled(this.#workers.map((w) => w.close())));
    if (outcome === 'late') {
      const forced = Promise.allSettled(this.#workers.map((w) => w.close(true)));
      await Promise.race([forced, new Promise((r) => setTimeout(r, 2_000).unref())]);
    }
    for (const c of this.#connections) c.disconnect();
    await this.#executor.shutdown(0);
  }
}
