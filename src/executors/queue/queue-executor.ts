/**
 * The queue executor (Airflow's Celery executor's place): the scheduler sends each try through
 * Redis (BullMQ) to the queue its task names, and `gale worker` processes run them. The job id is
 * the try's queueing token, so a try is in the broker at most once, and a worker can only run it
 * by claiming it with that token in the database: a redelivered or duplicated job cannot run twice.
 *
 * What the broker loses (a Redis restart without persistence) the scheduler does not lose: every
 * few seconds it checks the jobs it sent; a job Redis no longer has stops counting as in flight,
 * and the database's queued try is queued again after scheduler.task_queued_timeout.
 */
import { Queue, QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Executor, ExecutorEvent, TaskWorkload } from '../executor.js';
import { ExecutorEvents } from '../executor-events.js';
import { openRedis } from './redis-connection.js';

export interface QueueExecutorOptions {
  redisUrl: string;
  keyPrefix: string;
  /** tries in flight (sent, not yet finished) at most */
  parallelism: number;
  /** ms between checks of in-flight jobs against the broker */
  reconcileIntervalMs?: number;
  onError?: (message: string, error: unknown) => void;
  /** called at each check with the tries waiting in each queue (for the queue depth metric) */
  onQueueDepth?: (queue: string, depth: number) => void;
}

interface InFlight {
  workload: TaskWorkload;
  sentAt: number;
}

export class QueueExecutor implements Executor {
  readonly name = 'queue';
  readonly #options: QueueExecutorOptions;
  readonly #queues = new Map<string, Queue>();
  readonly #queueEvents = new Map<string, QueueEvents>();
  /** by token (the job id) */
  readonly #inFlight = new Map<string, InFlight>();
  readonly #events = new ExecutorEvents();
  #redis: Redis | null = null;
  /** BullMQ leaves connections it was given open: the executor closes them itself */
  readonly #connections: Redis[] = [];
  #timer: NodeJS.Timeout | null = null;
  #reconciling = false;

  constructor(options: QueueExecutorOptions) {
    this.#options = options;
  }

  start(): void {
    this.#redis = openRedis(this.#options.redisUrl, { failFast: true });
    this.#timer = setInterval(() => {
      void this.#reconcile();
    }, this.#options.reconcileIntervalMs ?? 5_000);
  }

  openSlots(): number {
    return this.#options.parallelism - this.#inFlight.size;
  }

  /** Tries sent and not finished; the broker alone knows which of them a worker has started. */
  taskCounts(): { queued: number; running: number } {
    return { queued: this.#inFlight.size, running: 0 };
  }

  isRunning(tiId: string): boolean {
    for (const f of this.#inFlight.values()) if (f.workload.tiId === tiId) return true;
    return false;
  }

  onEvent(listener: () => void): void {
    this.#events.onEvent(listener);
  }

  drainEvents(): ExecutorEvent[] {
    return this.#events.drain();
  }

  /** Queued tries waiting for a worker, per queue this scheduler has sent to (for autoscaling). */
  async queueDepths(): Promise<Map<string, number>> {
    const depths = new Map<string, number>();
    for (const [name, queue] of this.#queues) depths.set(name, await queue.getWaitingCount());
    return depths;
  }

  queue(workload: TaskWorkload): void {
    this.#inFlight.set(workload.token, { workload, sentAt: Date.now() });
    this.#queueFor(workload.queue)
      .add('try', workload, { jobId: workload.token, removeOnComplete: true, removeOnFail: true })
      .catch((error: unknown) => {
        // The try stays queued in the database; recovery queues it again.
        this.#inFlight.delete(workload.token);
        this.#options.onError?.(`could not send the try to queue "${workload.queue}"`, error);
      });
  }

  #queueFor(name: string): Queue {
    let queue = this.#queues.get(name);
    if (!queue) {
      const connection = this.#redis ?? openRedis(this.#options.redisUrl, { failFast: true });
      queue = new Queue(name, { connection, prefix: this.#options.keyPrefix });
      queue.on('error', (error) => this.#options.onError?.(`queue "${name}"`, error));
      this.#queues.set(name, queue);
      const eventsConnection = openRedis(this.#options.redisUrl);
      this.#connections.push(eventsConnection);
      const events = new QueueEvents(name, {
        connection: eventsConnection,
        prefix: this.#options.keyPrefix,
      });
      events.on('error', (error) => this.#options.onError?.(`events of queue "${name}"`, error));
      events.on('completed', ({ jobId }) => this.#finished(jobId));
      events.on('failed', ({ jobId }) => this.#finished(jobId));
      this.#queueEvents.set(name, events);
    }
    return queue;
  }

  #finished(jobId: string): void {
    const entry = this.#inFlight.get(jobId);
    if (!entry) return;
    this.#inFlight.delete(jobId);
    // The worker recorded what its process could not: the scheduler only frees the slot.
    this.#events.emit({ kind: 'finished', workload: entry.workload });
  }

  /** Jobs the broker no longer has (done while we did not listen, or lost) stop counting. */
  async #reconcile(): Promise<void> {
    if (this.#reconciling) return;
    this.#reconciling = true;
    try {
      const before = Date.now() - (this.#options.reconcileIntervalMs ?? 5_000);
      for (const [token, entry] of [...this.#inFlight]) {
        if (entry.sentAt > before) continue;
        const queue = this.#queues.get(entry.workload.queue);
        if (!queue) continue;
        const state = await queue.getJobState(token);
        if (state === 'unknown' || state === 'completed' || state === 'failed') this.#finished(token);
      }
      if (this.#options.onQueueDepth) {
        for (const [name, depth] of await this.queueDepths()) this.#options.onQueueDepth(name, depth);
      }
    } catch (error) {
      this.#options.onError?.('could not check in-flight tries against the broker', error);
    } finally {
      this.#reconciling = false;
    }
  }

  async shutdown(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    // Sent tries stay in Redis for the workers; the scheduler that restarts finds them in the database.
    await Promise.allSettled([...this.#queueEvents.values()].map((e) => e.close()));
    await Promise.allSettled([...this.#queues.values()].map((q) => q.close()));
    this.#redis?.disconnect();
    for (const c of this.#connections) c.disconnect();
  }
}
