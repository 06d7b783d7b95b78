/**
 * DAG-level callbacks, as Airflow's DAG on_success_callback / on_failure_callback and Airflow
 * 3.1's deadline alerts. They run in a DAG processor's process of their own (never in the
 * scheduler), after the run's state is decided; their errors are logged and never change it.
 */
import type { Duration } from '../models/index.js';

/** What a DAG-level callback receives. */
export interface DagRunCallbackContext {
  dagId: string;
  runId: string;
  logicalDate: Date;
  /** the run's state when the callback was asked for: success or failed, or running/queued for a deadline */
  runState: string;
  /** why: "success", "task_failure", "timed_out" (dagrunTimeout), or "deadline_missed" */
  reason: string | null;
  conf: Record<string, unknown>;
  /** lines go to the DAG processor's log, with the DAG and run */
  log: {
    info(message: string): void;
    warn(message: string): void;
    error(message: string): void;
  };
}

export type DagRunCallback = (ctx: DagRunCallbackContext) => void | Promise<void>;

/**
 * A deadline alert (Airflow 3.1's DeadlineAlert): `callback` runs once when a run is still not
 * finished `interval` after its logical date or after it was queued.
 */
export interface DeadlineAlert {
  reference: 'logical_date' | 'queued_at';
  interval: Duration;
  callback: DagRunCallback;
}
