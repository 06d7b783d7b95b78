/**
 * Task instance and DAG run states, with Airflow's names and meanings, and the one table of
 * allowed transitions. Every state change in Gale is checked against these tables.
 */

export const TaskInstanceState = {
  /** waiting for its upstream tasks and its trigger rule */
  none: 'none',
  /** its dependencies are met; waiting for a free slot */
  scheduled: 'scheduled',
  /** handed to an executor; no process has claimed it yet */
  queued: 'queued',
  /** a process has claimed this try and runs it */
  running: 'running',
  /** the try finished and succeeded */
  success: 'success',
  /** the try failed and no retries are left */
  failed: 'failed',
  /** the try failed; another try runs after the retry delay */
  up_for_retry: 'up_for_retry',
  /** an upstream task failed, so this one will not run */
  upstream_failed: 'upstream_failed',
  /** skipped by its trigger rule or by a branch */
  skipped: 'skipped',
  /** the task no longer exists in the DAG */
  removed: 'removed',
  /**
   * the try handed a trigger to the triggerer and gave up its worker slot; when the trigger fires,
   * the task instance goes back to scheduled and the same try resumes (as Airflow's deferred)
   */
  deferred: 'deferred',
  /**
   * a sensor in reschedule mode poked and was not done: the try ended its run and freed its slot;
   * the scheduler queues the same try again at its reschedule date (next_retry_at), as Airflow's
   * up_for_reschedule
   */
  up_for_reschedule: 'up_for_reschedule',
} as const;
export type TaskInstanceState = (typeof TaskInstanceState)[keyof typeof TaskInstanceState];

export const FINISHED_TI_STATES: ReadonlySet<TaskInstanceState> = new Set([
  'success',
  'failed',
  'upstream_failed',
  'skipped',
  'removed',
]);
/** Every state but the finished ones: what a run that ends early (marked, timed out) must settle. */
export const UNFINISHED_TI_STATES: readonly TaskInstanceState[] = Object.values(TaskInstanceState).filter(
  (state) => !FINISHED_TI_STATES.has(state),
);
/** States that hold a slot of the executor and of a pool. */
export const ACTIVE_TI_STATES: readonly TaskInstanceState[] = ['queued', 'running'];

export function isFinishedTiState(state: TaskInstanceState): boolean {
  return FINISHED_TI_STATES.has(state);
}

const TI_TRANSITIONS: Readonly<Record<TaskInstanceState, readonly TaskInstanceState[]>> = {
  none: ['scheduled', 'upstream_failed', 'skipped', 'removed', 'success', 'failed'],
  scheduled: ['queued', 'none', 'upstream_failed', 'skipped', 'removed', 'success', 'failed'],
  queued: ['running', 'scheduled', 'failed', 'up_for_retry', 'success', 'none'],
  running: [
    'success',
    'failed',
    'up_for_retry',
    'skipped',
    'none',
    'upstream_failed',
    'deferred',
    'up_for_reschedule',
  ],
  // fired: scheduled to resume; timed out or its trigger failed: failed or retried; or cleared,
  // marked, skipped by a DAG run timeout
  deferred: ['scheduled', 'failed', 'up_for_retry', 'success', 'skipped', 'none'],
  up_for_retry: ['scheduled', 'failed', 'success', 'none', 'upstream_failed', 'skipped'],
  // its reschedule date came: scheduled to poke again; or cleared, marked, skipped by a DAG run timeout
  up_for_reschedule: ['scheduled', 'failed', 'success', 'none', 'upstream_failed', 'skipped'],
  success: ['none', 'failed'],
  failed: ['none', 'success'],
  upstream_failed: ['none', 'scheduled', 'success', 'failed', 'skipped'],
  skipped: ['none', 'success', 'failed'],
  removed: ['none'],
};

export function canTransitionTi(from: TaskInstanceState, to: TaskInstanceState): boolean {
  return from === to || TI_TRANSITIONS[from].includes(to);
}

/** The states a task instance may be in before moving to `to` (for guarded UPDATEs). */
export function tiStatesAllowedBefore(to: TaskInstanceState): TaskInstanceState[] {
  return (Object.keys(TI_TRANSITIONS) as TaskInstanceState[]).filter((from) =>
    TI_TRANSITIONS[from].includes(to),
  );
}

export const DagRunState = {
  /** created; waiting for a free run slot (maxActiveRuns) */
  queued: 'queued',
  running: 'running',
  success: 'success',
  failed: 'failed',
} as const;
export type DagRunState = (typeof DagRunState)[keyof typeof DagRunState];

const RUN_TRANSITIONS: Readonly<Record<DagRunState, readonly DagRunState[]>> = {
  queued: ['running', 'failed', 'success'],
  running: ['success', 'failed', 'queued'],
  success: ['queued', 'failed'],
  failed: ['queued', 'success'],
};

export function canTransitionRun(from: DagRunState, to: DagRunState): boolean {
  return from === to || RUN_TRANSITIONS[from].includes(to);
}

export const DagRunType = {
  scheduled: 'scheduled',
  manual: 'manual',
  backfill: 'backfill',
  /** created when the DAG's asset condition is met by queued asset events */
  asset_triggered: 'asset_triggered',
} as const;
export type DagRunType = (typeof DagRunType)[keyof typeof DagRunType];

/**
 * Airflow's run id form: `scheduled__2026-01-01T00:00:00+00:00`; fractions of a second are kept
 * when there are any (`manual__2026-01-01T12:00:00.250+00:00`), as Python's isoformat() does.
 */
export function makeRunId(runType: DagRunType, logicalDate: Date): string {
  return `${runType}__${logicalDate
    .toISOString()
    .replace(/\.000Z$/, 'Z')
    .replace(/Z$/, '+00:00')}`;
}
