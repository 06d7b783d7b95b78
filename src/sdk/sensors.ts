/**
 * Deferrable sensors, one line each in a DAG: a task that defers on a trigger and succeeds when it
 * fires, holding no worker slot while it waits (Airflow's DateTimeSensorAsync,
 * TimeDeltaSensorAsync and FileSensor with deferrable=True). Each returns the trigger's event as
 * its output. A target already past succeeds at once, without deferring.
 */
import type { Duration, FileTriggerEvent } from '../models/index.js';
import { parseDuration } from '../models/index.js';
import type { TaskContext } from './context.js';
import { type TaskRef, task } from './dag.js';
import type { TaskOptions } from './task-options.js';
import { dateTimeTrigger, type FileTriggerOptions, fileTrigger } from './triggers.js';

type SensorOptions = Omit<TaskOptions, 'resume'>;

function optionsOf(idOrOptions: string | SensorOptions): SensorOptions {
  return typeof idOrOptions === 'string' ? { taskId: idOrOptions } : { ...idOrOptions };
}

/**
 * Waits until `moment` (a date, or a function of the context such as
 * `(ctx) => new Date(ctx.dataIntervalEnd.getTime() + 3_600_000)`), as Airflow's
 * DateTimeSensorAsync. Its output is the moment, as an ISO string.
 */
export function waitUntil(
  idOrOptions: string | SensorOptions,
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
export function waitFor(idOrOptions: string | SensorOptions, delta: Duration): TaskRef<string> {
  const ms = parseDuration(delta, 'waitFor');
  return waitUntil(idOrOptions, (ctx) => new Date(ctx.dataIntervalEnd.getTime() + ms));
}

/**
 * Waits until a file exists at `filepath` on the triggerer's machine (Airflow's FileSensor with
 * deferrable=True); `timeout` fails the task when none came by then. Its output is
 * `{ filepath }`.
 */
export function waitForFile(
  idOrOptions: string | SensorOptions,
  filepath: string,
  options: FileTriggerOptions & { timeout?: Duration } = {},
): TaskRef<FileTriggerEvent> {
  const trigger = fileTrigger(filepath, options);
  return task(optionsOf(idOrOptions), (ctx): FileTriggerEvent => {
    if (ctx.triggerEvent !== undefined) return ctx.triggerEvent as FileTriggerEvent;
    return ctx.defer(trigger, options.timeout === undefined ? {} : { timeout: options.timeout });
  })();
}
