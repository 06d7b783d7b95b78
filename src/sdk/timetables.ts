/**
 * Typed schedules for DAG authors, Airflow 3's timetables: cronTrigger(), cronDataIntervals(),
 * every(), events() and assetOrTime(); and compileSchedule(), which turns whatever a DAG's
 * `schedule` holds (text, timetable, asset or asset condition) into the serialized ScheduleSpec. Pure.
 */
import {
  type AssetRef,
  describeCondition,
  GaleError,
  parseSchedule,
  type ScheduleSpec,
  type TimeScheduleSpec,
  validateTimezone,
} from '../models/index.js';
import { type Asset, type AssetLike, assetAll, distinctAssets, isAssetLike } from './assets.js';

/** A schedule by time, made by one of the functions below. */
export class Timetable {
  /** @internal */
  constructor(
    readonly spec: TimeScheduleSpec,
    readonly text: string,
  ) {}
}

/** A schedule by time or assets, made by assetOrTime(). */
export class AssetOrTimeSchedule {
  /** @internal */
  constructor(
    readonly timetable: Timetable,
    readonly assets: AssetLike,
  ) {}
}

/** What a DAG's `schedule` accepts. */
export type Schedule = string | null | Timetable | AssetOrTimeSchedule | AssetLike | readonly Asset[];

export interface CronOptions {
  /** IANA time zone in which the expression is read (default: the DAG's timezone) */
  timezone?: string;
}

function cronSpec(expression: string, dataIntervals: boolean, options: CronOptions): TimeScheduleSpec {
  const timezone = options.timezone ?? 'UTC';
  if (options.timezone) validateTimezone(options.timezone, `cron "${expression}"`);
  const spec = parseSchedule(expression, { dataIntervals, timezone });
  if (spec.type !== 'cron') {
    throw new GaleError('GALE_ERR_SCHEDULE_INVALID', `"${expression}" is not a cron expression or preset`, {
      hint: 'Use every("30m") for intervals and a 5-field cron expression or preset here.',
    });
  }
  return options.timezone ? { ...spec, timezone: options.timezone } : spec;
}

/** Airflow's CronTriggerTimetable: a run at each tick; logical date = the tick, no data interval. */
export function cronTrigger(expression: string, options: CronOptions = {}): Timetable {
  return new Timetable(cronSpec(expression, false, options), expression);
}

/** Airflow's CronDataIntervalTimetable: a run per interval between ticks, after its end. */
export function cronDataIntervals(expression: string, options: CronOptions = {}): Timetable {
  return new Timetable(cronSpec(expression, true, options), expression);
}

/** Airflow's DeltaDataIntervalTimetable: fixed intervals from startDate, e.g. every('30m'). */
export function every(interval: string): Timetable {
  const spec = parseSchedule(interval, { dataIntervals: true, timezone: 'UTC' });
  if (spec.type !== 'delta') {
    throw new GaleError('GALE_ERR_SCHEDULE_INVALID', `every("${interval}") needs an interval`, {
      hint: 'Write a number and a unit: "30s", "30m", "2h", "1d" or "1w".',
    });
  }
  return new Timetable(spec, interval);
}

/** Airflow's EventsTimetable: a run at each of these times (logical date = the time). */
export function events(dates: readonly (Date | string)[]): Timetable {
  const times = dates.map((d) => (d instanceof Date ? d : new Date(d)));
  const bad = dates.find((_, i) => Number.isNaN(times[i]!.getTime()));
  if (bad !== undefined || times.length === 0) {
    throw new GaleError(
      'GALE_ERR_SCHEDULE_INVALID',
      `events(): ${bad === undefined ? 'no dates' : `"${String(bad)}" is not a date`}`,
      {
        hint: 'Give events() one or more Dates or ISO 8601 strings such as "2026-03-01T06:00:00Z".',
      },
    );
  }
  const sorted = [...new Set(times.map((t) => t.getTime()))].sort((a, b) => a - b);
  return new Timetable(
    { type: 'events', dates: sorted.map((t) => new Date(t).toISOString()) },
    `events (${sorted.length})`,
  );
}

/** Airflow's AssetOrTimeSchedule: runs by the timetable, and also whenever the assets are updated. */
export function assetOrTime(options: {
  timetable: Timetable | string;
  assets: AssetLike | readonly Asset[];
}): AssetOrTimeSchedule {
  const timetable =
    typeof options.timetable === 'string' ? cronTrigger(options.timetable) : options.timetable;
  if (!(timetable instanceof Timetable)) {
    throw new GaleError('GALE_ERR_SCHEDULE_INVALID', 'assetOrTime() needs a timetable', {
      hint: 'Write assetOrTime({ timetable: cronTrigger("0 6 * * *"), assets: [asset("s3://x")] }).',
    });
  }
  return new AssetOrTimeSchedule(timetable, toAssetLike(options.assets));
}

function toAssetLike(value: AssetLike | readonly Asset[]): AssetLike {
  if (Array.isArray(value)) return assetAll(...(value as readonly Asset[]));
  if (isAssetLike(value)) return value;
  throw new GaleError(
    'GALE_ERR_ASSET_INVALID',
    'A schedule on assets takes an asset, a list of assets or assetAll/assetAny',
    {
      hint: "Write schedule: [asset('s3://a'), asset('s3://b')] or assetAny(asset('s3://a'), asset('s3://b')).",
    },
  );
}

export interface CompiledSchedule {
  spec: ScheduleSpec;
  /** the schedule as text, for lists (cron text, "events (3)", "s3://a & s3://b") */
  text: string | null;
  /** the assets the schedule names, once each */
  assets: AssetRef[];
}

/** Whatever a DAG's `schedule` holds, as its serialized spec; text goes through parseSchedule. */
export function compileSchedule(
  schedule: Schedule | undefined,
  options: { dataIntervals: boolean; timezone: string },
): CompiledSchedule {
  if (schedule === undefined || schedule === null || typeof schedule === 'string') {
    return { spec: parseSchedule(schedule ?? null, options), text: schedule ?? null, assets: [] };
  }
  if (schedule instanceof Timetable) return { spec: schedule.spec, text: schedule.text, assets: [] };
  if (schedule instanceof AssetOrTimeSchedule) {
    const condition = schedule.assets.toCondition();
    return {
      spec: { type: 'asset_or_time', condition, timetable: schedule.timetable.spec },
      text: `${schedule.timetable.text} or ${describeCondition(condition)}`,
      assets: distinctAssets(schedule.assets.assets()).map((a) => a.toRef()),
    };
  }
  const assets = toAssetLike(schedule as AssetLike | readonly Asset[]);
  const condition = assets.toCondition();
  return {
    spec: { type: 'assets', condition },
    text: describeCondition(condition),
    assets: distinctAssets(assets.assets()).map((a) => a.toRef()),
  };
}

/** Whether a schedule's timed runs need a startDate (cron, interval, once). */
export function needsStartDate(spec: ScheduleSpec): boolean {
  const timed = spec.type === 'asset_or_time' ? spec.timetable : spec;
  return timed.type === 'cron' || timed.type === 'delta' || timed.type === 'once';
}
