/**
 * Timetables: from a DAG's schedule, when its next scheduled run is due and which logical date
 * and data interval it gets, with Airflow 3's meanings (pure; the clock is passed in).
 *
 * - cron, `dataIntervals: false` (default, Airflow 3's CronTriggerTimetable): a run per cron tick;
 *   logical date = the tick, the run starts at the tick, data interval is empty (start = end = tick).
 * - cron, `dataIntervals: true` (Airflow's CronDataIntervalTimetable, Airflow 2's default): the
 *   interval between two ticks; logical date = interval start; the run starts at the interval end.
 * - delta ("30m"): like the data-interval timetable with fixed-size intervals from startDate.
 * - events (Airflow's EventsTimetable): a run at each listed time; logical date = the time, empty
 *   data interval; without catchup only the latest past one runs.
 * - once: one run at startDate. none: manual runs only.
 * - assets: no timed runs (asset-triggered runs come from scheduler/asset-runs.ts).
 * - asset_or_time (Airflow's AssetOrTimeSchedule): the timed runs of its timetable.
 */
import { Cron } from 'croner';
import { GaleError } from './errors.js';
import type { ScheduleSpec, TimeScheduleSpec } from './serialized-dag.js';

export interface DagRunInfo {
  logicalDate: Date;
  dataIntervalStart: Date;
  dataIntervalEnd: Date;
  /** the earliest time the run may be created */
  runAfter: Date;
}

export interface TimetableInput {
  schedule: ScheduleSpec;
  startDate: Date | null;
  endDate: Date | null;
  catchup: boolean;
  timezone: string;
  /** the latest scheduled run created so far, if any */
  lastRun: DagRunInfo | null;
  now: Date;
}

const PRESETS: Record<string, string> = {
  '@hourly': '0 * * * *',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@weekly': '0 0 * * 0',
  '@monthly': '0 0 1 * *',
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
};

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** Parses what a DAG author writes as `schedule` into a ScheduleSpec, or throws naming the fix. */
export function parseSchedule(
  schedule: string | null,
  options: { dataIntervals: boolean; timezone: string },
): ScheduleSpec {
  if (schedule === null) return { type: 'none' };
  const text = schedule.trim();
  if (text === '@once') return { type: 'once' };
  const delta = /^(\d+)\s*(s|m|h|d|w)$/.exec(text);
  if (delta) {
    const ms = Number(delta[1]) * UNIT_MS[delta[2]!]!;
    if (ms <= 0) throw invalidSchedule(schedule, 'an interval must be longer than zero');
    return { type: 'delta', ms };
  }
  const expression = PRESETS[text] ?? text;
  if (text.startsWith('@') && !PRESETS[text]) throw invalidSchedule(schedule, 'unknown preset');
  validateCron(expression, options.timezone, schedule);
  return { type: 'cron', expression, dataIntervals: options.dataIntervals };
}

function invalidSchedule(schedule: string, reason: string, cause?: unknown): GaleError {
  return new GaleError('GALE_ERR_SCHEDULE_INVALID', `Invalid schedule "${schedule}": ${reason}`, {
    hint: 'Use a 5-field cron expression ("0 6 * * 1-5"), a preset (@hourly @daily @weekly @monthly @yearly @once), an interval such as "30m", "2h" or "1d", or null for manual runs only.',
    cause,
  });
}

/** Throws unless `timezone` is an IANA time zone name this runtime knows. */
/** Zones already accepted: making an Intl.DateTimeFormat costs about a millisecond. */
const knownTimezones = new Set<string>();

export function validateTimezone(timezone: string, where: string): void {
  if (knownTimezones.has(timezone)) return;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
    knownTimezones.add(timezone);
  } catch (error) {
    throw new GaleError('GALE_ERR_SCHEDULE_INVALID', `${where}: unknown time zone "${timezone}"`, {
      hint: 'Use an IANA time zone name such as "UTC", "Europe/Berlin" or "America/New_York".',
      cause: error,
    });
  }
}

function validateCron(expression: string, timezone: string, original: string): void {
  const fields = expression.split(/\s+/).length;
  if (fields !== 5) throw invalidSchedule(original, `a cron expression has 5 fields, this one has ${fields}`);
  validateTimezone(timezone, `Schedule "${original}"`);
  try {
    const cron = new Cron(expression, { timezone, paused: true });
    cron.nextRun();
    cron.stop();
  } catch (error) {
    throw invalidSchedule(original, error instanceof Error ? error.message : String(error), error);
  }
}

function cronOf(expression: string, timezone: string): Cron {
  return new Cron(expression, { timezone, paused: true });
}

/** The first tick strictly after `date`. */
function tickAfter(cron: Cron, date: Date): Date | null {
  return cron.nextRun(date);
}

/** The first tick at or after `date`. */
function tickAtOrAfter(cron: Cron, date: Date): Date | null {
  return cron.nextRun(new Date(date.getTime() - 1));
}

/** The latest tick at or before `date`. */
function tickAtOrBefore(cron: Cron, date: Date): Date | null {
  return cron.previousRuns(1, new Date(date.getTime() + 1))[0] ?? null;
}

function laterOf(a: Date, b: Date | null): Date {
  return b && b.getTime() > a.getTime() ? b : a;
}

/** The next scheduled run of a DAG, or null when it has none (manual, ended, or once and done). */
export function nextDagRunInfo(input: TimetableInput): DagRunInfo | null {
  const { schedule } = input;
  if (schedule.type === 'assets') return null;
  if (schedule.type === 'asset_or_time') return nextTimedRunInfo(schedule.timetable, input);
  return nextTimedRunInfo(schedule, input);
}

function nextTimedRunInfo(schedule: TimeScheduleSpec, input: TimetableInput): DagRunInfo | null {
  const { startDate, endDate, catchup, lastRun, now } = input;
  let info: DagRunInfo | null = null;
  switch (schedule.type) {
    case 'none':
      return null;
    case 'events':
      info = nextEvent(schedule.dates, startDate, catchup, lastRun, now);
      break;
    case 'once':
      if (lastRun || !startDate) return null;
      info = {
        logicalDate: startDate,
        dataIntervalStart: startDate,
        dataIntervalEnd: startDate,
        runAfter: startDate,
      };
      break;
    case 'cron': {
      const cron = cronOf(schedule.expression, schedule.timezone ?? input.timezone);
      try {
        info = schedule.dataIntervals
          ? nextCronInterval(cron, startDate, catchup, lastRun, now)
          : nextCronTrigger(cron, startDate, catchup, lastRun, now);
      } finally {
        cron.stop();
      }
      break;
    }
    case 'delta':
      info = nextDelta(schedule.ms, startDate, catchup, lastRun, now);
      break;
  }
  if (!info) return null;
  if (endDate && info.logicalDate.getTime() > endDate.getTime()) return null;
  return info;
}

function nextCronTrigger(
  cron: Cron,
  startDate: Date | null,
  catchup: boolean,
  lastRun: DagRunInfo | null,
  now: Date,
): DagRunInfo | null {
  let tick: Date | null;
  if (lastRun) tick = tickAfter(cron, lastRun.logicalDate);
  else tick = startDate ? tickAtOrAfter(cron, startDate) : tickAtOrAfter(cron, now);
  if (!catchup && tick && tick.getTime() < now.getTime()) {
    // Without catchup only the latest past tick runs; the ones before it are skipped.
    const latest = tickAtOrBefore(cron, now);
    if (latest) tick = laterOf(latest, tick);
  }
  if (!tick) return null;
  return { logicalDate: tick, dataIntervalStart: tick, dataIntervalEnd: tick, runAfter: tick };
}

function nextCronInterval(
  cron: Cron,
  startDate: Date | null,
  catchup: boolean,
  lastRun: DagRunInfo | null,
  now: Date,
): DagRunInfo | null {
  let start: Date | null;
  if (lastRun) start = tickAtOrAfter(cron, lastRun.dataIntervalEnd);
  else start = startDate ? tickAtOrAfter(cron, startDate) : tickAtOrBefore(cron, now);
  if (!start) return null;
  if (!catchup) {
    // The latest complete interval is [tick before the latest tick, latest tick].
    const latestEnd = tickAtOrBefore(cron, now);
    const latestStart = latestEnd ? tickAtOrBefore(cron, new Date(latestEnd.getTime() - 1)) : null;
    if (latestStart) start = laterOf(latestStart, start);
  }
  const end = tickAfter(cron, start);
  if (!end) return null;
  return { logicalDate: start, dataIntervalStart: start, dataIntervalEnd: end, runAfter: end };
}

function nextDelta(
  ms: number,
  startDate: Date | null,
  catchup: boolean,
  lastRun: DagRunInfo | null,
  now: Date,
): DagRunInfo {
  let start = lastRun ? lastRun.dataIntervalEnd : (startDate ?? new Date(now.getTime() - ms));
  if (!catchup) {
    const origin = startDate?.getTime() ?? 0;
    const complete = Math.floor((now.getTime() - origin) / ms) - 1;
    if (complete >= 0) start = laterOf(new Date(origin + complete * ms), start);
  }
  const end = new Date(start.getTime() + ms);
  return { logicalDate: start, dataIntervalStart: start, dataIntervalEnd: end, runAfter: end };
}

function nextEvent(
  dates: readonly string[],
  startDate: Date | null,
  catchup: boolean,
  lastRun: DagRunInfo | null,
  now: Date,
): DagRunInfo | null {
  const after = lastRun?.logicalDate.getTime() ?? Number.NEGATIVE_INFINITY;
  const from = startDate?.getTime() ?? Number.NEGATIVE_INFINITY;
  const times = dates.map((d) => Date.parse(d)).filter((t) => t > after && t >= from);
  let next = times[0];
  if (next === undefined) return null;
  if (!catchup) {
    // Without catchup only the latest past event runs; the ones before it are skipped.
    const past = times.filter((t) => t <= now.getTime());
    next = past.at(-1) ?? next;
  }
  const at = new Date(next);
  return { logicalDate: at, dataIntervalStart: at, dataIntervalEnd: at, runAfter: at };
}

/** The data interval of a manual run at `logicalDate`: Airflow 3 gives manual runs an empty interval. */
export function manualRunInfo(logicalDate: Date): DagRunInfo {
  return { logicalDate, dataIntervalStart: logicalDate, dataIntervalEnd: logicalDate, runAfter: logicalDate };
}
