/**
 * Sensors: tasks that wait for a condition.
 * - `sensor()`: the generic one (Airflow's BaseSensorOperator): a poke function called every poke
 *   interval until it says done, in poke mode (the try loops in its process, holding its slot) or
 *   reschedule mode (the try ends as up_for_reschedule between pokes, freeing its slot; the same
 *   try pokes again at its reschedule date). Timeout counted from the first poke across
 *   reschedules; it fails the task without retry, or skips it with softFail.
 * - Deferrable sensors, one line each: a task that defers on a trigger and succeeds when it fires
 *   (Airflow's DateTimeSensorAsync, TimeDeltaSensorAsync and FileSensor with deferrable=True).
 *   Each returns the trigger's event as its output. A target already past succeeds at once.
 * httpSensor, sqlSensor and externalTaskSensor are built on these (http-sensor.ts, ...).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Duration, FileTriggerEvent } from '../models/index.js';
import {
  GaleError,
  hasSensorTimedOut,
  nextPokeIntervalMs,
  parseDuration,
  RESCHEDULE_CLASSPATH,
  type SensorProgress,
  sensorProgress,
  sensorTimeoutMessage,
} from '../models/index.js';
import type { TaskContext } from './context.js';
import { type TaskRef, task } from './dag.js';
import type { TaskOptions } from './task-options.js';
import { TaskFailed, TaskSkipped } from './task-outcomes.js';
import { dateTimeTrigger, type FileTriggerOptions, fileTrigger, type TriggerSpec } from './triggers.js';

export type SensorMode = 'poke' | 'reschedule';

/** How a sensor waits, as Airflow's BaseSensorOperator arguments. */
export interface SensorSettings {
  /** "poke" (default): loop in the task process; "reschedule": free the slot between pokes */
  mode?: SensorMode;
  /** wait between pokes (default "60s") */
  pokeInterval?: Duration;
  /** fail (without retry) when not done this long after the first poke (default "7d") */
  timeout?: Duration;
  /** on timeout, end as skipped rather than failed (default false) */
  softFail?: boolean;
  /** grow the wait between pokes exponentially, with jitter (default false) */
  exponentialBackoff?: boolean;
  /** upper bound of a wait with exponential backoff (default none) */
  maxWait?: Duration | null;
}

export type SensorOptions = Omit<TaskOptions, 'resume'> & SensorSettings & { taskId: string };

export interface CompiledSensorSettings {
  readonly mode: SensorMode;
  readonly pokeIntervalMs: number;
  readonly timeoutMs: number;
  readonly softFail: boolean;
  readonly exponentialBackoff: boolean;
  readonly maxWaitMs: number | null;
}

const SENSOR_KEYS = ['mode', 'pokeInterval', 'timeout', 'softFail', 'exponentialBackoff', 'maxWait'] as const;

/**
 * Splits a sensor's options into its settings, compiled with their defaults, and its task options
 * (without the sensor's own keys, and without `ownKeys`, those of a built-in sensor).
 */
export function compileSensorOptions(
  options: SensorOptions,
  ownKeys: readonly string[] = [],
): {
  settings: CompiledSensorSettings;
  taskOptions: Omit<TaskOptions, 'resume'>;
} {
  const where = `Sensor "${options.taskId}"`;
  const mode = options.mode ?? 'poke';
  if (mode !== 'poke' && mode !== 'reschedule') {
    throw new GaleError(
      'GALE_ERR_DAG_INVALID',
      `${where}: mode must be "poke" or "reschedule", got "${String(mode)}"`,
    );
  }
  const settings: CompiledSensorSettings = Object.freeze({
    mode,
    pokeIntervalMs: parseDuration(options.pokeInterval ?? '60s', `${where}: pokeInterval`),
    timeoutMs: parseDuration(options.timeout ?? '7d', `${where}: timeout`),
    softFail: options.softFail ?? false,
    exponentialBackoff: options.exponentialBackoff ?? false,
    maxWaitMs:
      options.maxWait === undefined || options.maxWait === null
        ? null
        : parseDuration(options.maxWait, `${where}: maxWait`),
  });
  const taskOptions: Record<string, unknown> = { ...options };
  for (const key of [...SENSOR_KEYS, ...ownKeys]) delete taskOptions[key];
  return { settings, taskOptions: taskOptions as Omit<TaskOptions, 'resume'> };
}

/** What a poke returns: true / { done: true, value } when the condition is met; false / { done: false } otherwise. */
export type PokeResult<T> = boolean | { done: true; value: T } | { done: false };
export type PokeFunction<T> = (ctx: TaskContext) => PokeResult<T> | Promise<PokeResult<T>>;

function doneValue<T>(result: PokeResult<T>): { done: true; value: T | null } | null {
  if (result === true) return { done: true, value: null };
  if (result === false || !result.done) return null;
  return { done: true, value: result.value };
}

/** The pseudo-trigger of a reschedule: no triggerer runs it; the scheduler wakes the try at `at`. */
function rescheduleSpec(at: Date): TriggerSpec<never> {
  return { classpath: RESCHEDULE_CLASSPATH, kwargs: { reschedule_date: at.toISOString() } };
}

/**
 * Pokes until done, within the try (as BaseSensorOperator.execute): returns the poke's value;
 * throws TaskFailed on timeout (TaskSkipped with softFail), or ends the try's run with a
 * reschedule in reschedule mode. Sleeps end when the try is stopped (ctx.signal).
 */
export async function pokeUntilDone<T>(
  ctx: TaskContext,
  settings: CompiledSensorSettings,
  poke: PokeFunction<T>,
): Promise<T | null> {
  const carried = sensorProgress.safeParse(ctx.nextKwargs);
  const firstPokeAt = carried.success ? Date.parse(carried.data.sensor_first_poke_at) : Date.now();
  let pokes = carried.success ? carried.data.sensor_pokes : 0;
  for (;;) {
    ctx.signal.throwIfAborted();
    const done = doneValue(await poke(ctx));
    pokes++;
    if (done) {
      ctx.log.info(`Sensor done after ${pokes} poke(s)`);
      return done.value;
    }
    const elapsedMs = Date.now() - firstPokeAt;
    if (hasSensorTimedOut(elapsedMs, settings.timeoutMs)) {
      const message = sensorTimeoutMessage(settings.timeoutMs);
      throw settings.softFail ? new TaskSkipped(`${message}; softFail: skipped`) : new TaskFailed(message);
    }
    const waitMs = nextPokeIntervalMs({
      ...settings,
      elapsedMs,
      pokeCount: pokes,
      jitterKey: `${ctx.dagId}#${ctx.taskId}#${new Date(firstPokeAt).toISOString()}`,
    });
    if (settings.mode === 'reschedule') {
      const progress: SensorProgress = {
        sensor_first_poke_at: new Date(firstPokeAt).toISOString(),
        sensor_pokes: pokes,
      };
      return ctx.defer(rescheduleSpec(new Date(Date.now() + waitMs)), { kwargs: progress });
    }
    ctx.log.info(`Poke ${pokes}: not done; next poke in ${waitMs / 1000}s`);
    // timers/promises clears its timer and rejects when the try is stopped: with the stop's reason
    await sleep(waitMs, undefined, { signal: ctx.signal }).catch((error: unknown) => {
      throw ctx.signal.aborted ? ctx.signal.reason : error;
    });
  }
}

/**
 * A sensor (Airflow's BaseSensorOperator / @task.sensor): `poke` is called every pokeInterval
 * until it returns true or `{ done: true, value }`; the task's output is that value (null for
 * true). In poke mode the try holds its slot and sleeps between pokes; in reschedule mode it ends
 * as up_for_reschedule between pokes, freeing its worker and pool slot, and the same try (same
 * try number) pokes again when the interval has passed. Not done within `timeout` of the first
 * poke: the task fails without retry, or is skipped with softFail. A poke that throws fails the
 * try as any task does (retried while retries are left).
 */
export function sensor<T = null>(options: SensorOptions, poke: PokeFunction<T>): TaskRef<T | null> {
  return sensorTask(options, [], poke);
}

/** sensor() for the built-in sensors: `ownKeys` are their own options, not the task's. */
export function sensorTask<T>(
  options: SensorOptions,
  ownKeys: readonly string[],
  poke: PokeFunction<T>,
): TaskRef<T | null> {
  const { settings, taskOptions } = compileSensorOptions(options, ownKeys);
  return task(taskOptions, (ctx): Promise<T | null> => pokeUntilDone(ctx, settings, poke))();
}

type DeferrableSensorOptions = Omit<TaskOptions, 'resume'>;

function optionsOf(idOrOptions: string | DeferrableSensorOptions): DeferrableSensorOptions {
  return typeof idOrOptions === 'string' ? { taskId: idOrOptions } : { ...idOrOptions };
}

/**
 * Waits until `moment` (a date, or a function of the context such as
 * `(ctx) => new Date(ctx.dataIntervalEnd.getTime() + 3_600_000)`), as Airflow's
 * DateTimeSensorAsync. Its output is the moment, as an ISO string.
 */
export function waitUntil(
  idOrOptions: string | DeferrableSensorOptions,
  moment: Date | string | ((ctx: TaskContext) => Date | string),
): TaskRef<string> {
  return task(optionsOf(idOrOptions), (ctx): string => {
    if (ctx.triggerEvent !== undefined) return String(ctx.triggerEvent);
    const trigger = dateTimeTrigger(typeof moment === 'function' ? moment(ctx) : moment);
    const target = String(trigger.kwargs.moment);
    if (Date.parse(target) <= Date.now()) return target;
    return ctx.defer(trigger);
  })();
}

/**
 * Waits until `delta` after the run's data interval end (a manual run's: its logical date), as
 * Airflow's TimeDeltaSensorAsync. Its output is that moment, as an ISO string.
 */
export function waitFor(idOrOptions: string | DeferrableSensorOptions, delta: Duration): TaskRef<string> {
  const ms = parseDuration(delta, 'waitFor');
  return waitUntil(idOrOptions, (ctx) => new Date(ctx.dataIntervalEnd.getTime() + ms));
}

/**
 * Waits until a file exists at `filepath` on the triggerer's machine (Airflow's FileSensor with
 * deferrable=True); `timeout` fails the task when none came by then. Its output is
 * `{ filepath }`.
 */
export function waitForFile(
  idOrOptions: string | DeferrableSensorOptions,
  filepath: string,
  options: FileTriggerOptions & { timeout?: Duration } = {},
): TaskRef<FileTriggerEvent> {
  const trigger = fileTrigger(filepath, options);
  return task(optionsOf(idOrOptions), (ctx): FileTriggerEvent => {
    if (ctx.triggerEvent !== undefined) return ctx.triggerEvent as FileTriggerEvent;
    return ctx.defer(trigger, options.timeout === undefined ? {} : { timeout: options.timeout });
  })();
}
