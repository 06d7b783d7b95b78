/**
 * Backfills, with Airflow 3's meanings (pure; the clock is passed in). A backfill asks for the runs
 * of a DAG's timetable whose logical dates fall in [from, to]; the scheduler creates them.
 *
 * Terminology:
 * - reprocess behavior: what happens to a logical date that already has a run. `none` skips it,
 *   `failed` runs it again when it failed, `completed` when it failed or succeeded. A run still
 *   queued or running is never touched ("in flight"), as Airflow's _get_dag_run_no_create_reason.
 * - sort ordinal: the position of a logical date in the backfill (1 first); the scheduler starts
 *   the backfill's runs in this order, latest first with run-backwards.
 *
 * Never reads the database or the real clock.
 */

import { GaleError } from './errors.js';
import type { ScheduleSpec, SerializedDag, TimeScheduleSpec } from './serialized-dag.js';
import type { DagRunState } from './states.js';
import { type DagRunInfo, nextDagRunInfo } from './timetables.js';

export const ReprocessBehavior = {
  /** a logical date with a run of any state is skipped */
  none: 'none',
  /** a failed run is cleared and runs again */
  failed: 'failed',
  /** a failed or successful run is cleared and runs again */
  completed: 'completed',
} as const;
export type ReprocessBehavior = (typeof ReprocessBehavior)[keyof typeof ReprocessBehavior];
export const REPROCESS_BEHAVIORS = Object.values(ReprocessBehavior);

/** Why a backfill leaves a logical date alone (Airflow's BackfillDagRunExceptionReason). */
export type BackfillSkipReason = 'in flight' | 'already exists';

/** As Airflow's default backfill max_active_runs. */
export const DEFAULT_BACKFILL_MAX_ACTIVE_RUNS = 10;
/** A guard against a typo in a range ("1s" over a year): more logical dates than this are refused. */
export const MAX_BACKFILL_RUNS = 10_000;

/**
 * Whether a backfill leaves the existing run of a logical date alone, and why; null when it clears
 * the run so it runs again.
 */
export function backfillSkipReason(
  existing: DagRunState,
  behavior: ReprocessBehavior,
): BackfillSkipReason | null {
  if (existing !== 'success' && existing !== 'failed') return 'in flight';
  if (behavior === 'none') return 'already exists';
  if (behavior === 'failed' && existing !== 'failed') return 'already exists';
  return null;
}

function invalid(message: string, hint: string): GaleError {
  return new GaleError('GALE_ERR_BACKFILL_INVALID', message, { hint });
}

/** The time-based timetable a backfill follows, or an error for a DAG without one. */
export function backfillTimetable(dagId: string, schedule: ScheduleSpec): TimeScheduleSpec {
  const timed = schedule.type === 'asset_or_time' ? schedule.timetable : schedule;
  if (timed.type === 'cron' || timed.type === 'delta' || timed.type === 'events') return timed;
  throw invalid(
    `DAG "${dagId}" has no periodic schedule (${schedule.type}): a backfill has no logical dates to run`,
    'Backfill DAGs with a cron, preset, interval or events schedule; trigger other DAGs with "gale dags trigger".',
  );
}

export interface BackfillRequest {
  from: Date;
  to: Date;
  runBackwards: boolean;
  reprocessBehavior: ReprocessBehavior;
  maxActiveRuns: number;
}

/** Rejects what Airflow's _validate_backfill_params rejects, naming the fix. */
export function validateBackfillRequest(dag: SerializedDag, request: BackfillRequest, now: Date): void {
  backfillTimetable(dag.dagId, dag.schedule);
  if (request.from.getTime() > request.to.getTime()) {
    throw invalid(
      `from (${request.from.toISOString()}) is after to (${request.to.toISOString()})`,
      'Give --from before --to.',
    );
  }
  if (request.from.getTime() >= now.getTime() && request.to.getTime() >= now.getTime()) {
    throw invalid('A backfill cannot run for future dates', 'Give a range that starts in the past.');
  }
  if (!Number.isInteger(request.maxActiveRuns) || request.maxActiveRuns < 1) {
    throw invalid(
      `max active runs must be a whole number >= 1, not ${request.maxActiveRuns}`,
      `Leave it out for ${DEFAULT_BACKFILL_MAX_ACTIVE_RUNS}.`,
    );
  }
  if (dag.tasks.some((t) => t.dependsOnPast)) {
    if (request.runBackwards) {
      throw invalid(
        `DAG "${dag.dagId}" has tasks with dependsOnPast: its backfill cannot run backwards`,
        'Leave out --run-backwards.',
      );
    }
    if (request.reprocessBehavior === 'none') {
      throw invalid(
        `DAG "${dag.dagId}" has tasks with dependsOnPast: its backfill must reprocess failed or completed runs`,
        'Pass --reprocess-behavior failed or completed.',
      );
    }
  }
}

/**
 * The runs of the DAG's timetable with logical dates in [from, to] whose data interval ended
 * before `now` (as Airflow's _get_info_list), in date order or latest first.
 */
export function backfillRunInfos(
  dag: SerializedDag,
  request: Pick<BackfillRequest, 'from' | 'to' | 'runBackwards'>,
  now: Date,
): DagRunInfo[] {
  const schedule = backfillTimetable(dag.dagId, dag.schedule);
  const infos: DagRunInfo[] = [];
  let last: DagRunInfo | null = null;
  for (;;) {
    const info = nextDagRunInfo({
      schedule,
      startDate: request.from,
      endDate: request.to,
      catchup: true,
      timezone: dag.timezone,
      lastRun: last,
      now,
    });
    if (!info || info.dataIntervalEnd.getTime() >= now.getTime()) break;
    if (last && info.logicalDate.getTime() <= last.logicalDate.getTime()) break;
    infos.push(info);
    if (infos.length > MAX_BACKFILL_RUNS) {
      throw invalid(
        `The range holds more than ${MAX_BACKFILL_RUNS} logical dates of DAG "${dag.dagId}"`,
        'Backfill a narrower range, one after the other.',
      );
    }
    last = info;
  }
  return request.runBackwards ? infos.reverse() : infos;
}
