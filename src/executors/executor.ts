/**
 * The Executor interface: what the scheduler hands a task try to, and hears back from. Local,
 * queue (Redis) and Kubernetes executors implement it; the scheduler knows nothing else of them.
 * An executor never changes task instance state itself: the task process records its own result,
 * and the scheduler records what the executor reports only when the process could not.
 */
import { z } from '#zod';
import { podOverrideSchema } from '../models/index.js';

/** Everything a task process needs to find and run its try. */
export const taskWorkloadSchema = z.object({
  tiId: z.string(),
  dagId: z.string(),
  runId: z.string(),
  taskId: z.string(),
  mapIndex: z.number().int(),
  tryNumber: z.number().int().positive(),
  /** the queueing token the process must present to claim the try */
  token: z.string(),
  fileloc: z.string(),
  queue: z.string(),
  executionTimeoutMs: z.number().int().positive().nullable(),
  logPath: z.string(),
  /** run this try in a new process of its own, not in a warm one */
  freshProcess: z.boolean(),
  /** the task's pod override, for the kubernetes executor */
  podOverride: podOverrideSchema.nullable().optional(),
});
export type TaskWorkload = z.infer<typeof taskWorkloadSchema>;

export type ExecutorEvent =
  | {
      /** the try ended and its process recorded the result */
      kind: 'finished';
      workload: TaskWorkload;
    }
  | ExitedEvent;

/** The process of a try ended before it reported the try's end: the scheduler records a failure. */
export interface ExitedEvent {
  kind: 'exited';
  workload: TaskWorkload;
  exitCode: number | null;
  signal: string | null;
  /** the executor stopped the process because it outlived its executionTimeout */
  timedOut: boolean;
  /** why, when the executor knows more than the exit code: "OOMKilled", "Evicted", "ImagePullBackOff" */
  reason?: string;
}

export interface Executor {
  readonly name: string;
  /** Starts what the executor keeps ready (warm processes, connections). */
  start(): void;
  /** How many more tries it can take now. */
  openSlots(): number;
  /**
   * Tries it holds now, for the metrics: queued (handed over, no process runs them yet) and
   * running. Optional: for an executor that cannot tell, those metrics stay at 0.
   */
  taskCounts?(): { queued: number; running: number };
  /** Starts a try; returns at once. */
  queue(workload: TaskWorkload): void;
  /** Events since the last call. */
  drainEvents(): ExecutorEvent[];
  /** Called whenever an event arrives, so the scheduler can wake up. */
  onEvent(listener: () => void): void;
  /** Whether this executor is running the given task instance now. */
  isRunning(tiId: string): boolean;
  /** Stops taking tries and waits up to graceMs for running ones; leaves the rest to finish alone. */
  shutdown(graceMs: number): Promise<void>;
}
