/** When the next try of a failed task may start, as Airflow's TaskInstance.next_retry_datetime (without jitter). */
import type { SerializedTask } from './serialized-dag.js';

const MAX_DELAY_MS = 24 * 3_600_000;

export function retryDelayMs(
  task: Pick<SerializedTask, 'retryDelayMs' | 'retryExponentialBackoff' | 'maxRetryDelayMs'>,
  tryNumber: number,
): number {
  // As Airflow, maxRetryDelay bounds only exponential backoff.
  if (!task.retryExponentialBackoff) return task.retryDelayMs;
  const cap = task.maxRetryDelayMs ?? MAX_DELAY_MS;
  const factor = 2 ** Math.max(0, tryNumber - 1);
  return Math.min(task.retryDelayMs * factor, cap);
}

/** The error recorded for a try stopped by its executionTimeout. */
export function executionTimeoutMessage(timeoutMs: number): string {
  return `Task exceeded its executionTimeout of ${timeoutMs / 1000}s and was stopped (GALE_ERR_TASK_TIMEOUT)`;
}
