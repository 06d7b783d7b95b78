/**
 * externalTaskSensor (Airflow's ExternalTaskSensor with deferrable=True): waits until tasks of
 * another DAG, or its whole run, for the same logical date (or one `executionDelta` earlier) are in
 * an allowed state; fails when one is in a failed state. Always deferrable: task processes may not
 * read the metadata database, so the triggerer looks (an ExternalTaskTrigger) and the task holds
 * no slot meanwhile. Its output is the trigger's event: `{ externalDagId, states }`.
 */
import { type Duration, type ExternalTaskTriggerEvent, parseDuration } from '../models/index.js';
import type { TaskContext } from './context.js';
import { type TaskRef, task } from './dag.js';
import type { TaskOptions } from './task-options.js';
import { externalTaskTrigger } from './triggers.js';

export type ExternalTaskSensorOptions = Omit<TaskOptions, 'resume'> & {
  taskId: string;
  externalDagId: string;
  /** the tasks to wait for; absent or null: the DAG run itself */
  externalTaskIds?: readonly string[] | null;
  /** wait for the run this much before this run's logical date (default 0) */
  executionDelta?: Duration;
  /** or: the logical date of the run to wait for, from this run's context */
  executionDateFn?: (ctx: TaskContext) => Date;
  /** default ["success"] */
  allowedStates?: readonly string[];
  /** default none */
  failedStates?: readonly string[];
  /** how often the triggerer looks (default "60s", as Airflow's poke_interval) */
  pokeInterval?: Duration;
  /** the task fails when the states are not reached by then (default "7d") */
  timeout?: Duration;
};

const OWN_KEYS = [
  'externalDagId',
  'externalTaskIds',
  'executionDelta',
  'executionDateFn',
  'allowedStates',
  'failedStates',
  'pokeInterval',
  'timeout',
];

export function externalTaskSensor(options: ExternalTaskSensorOptions): TaskRef<ExternalTaskTriggerEvent> {
  const where = `externalTaskSensor "${options.taskId}"`;
  const deltaMs = parseDuration(options.executionDelta ?? 0, `${where}: executionDelta`);
  const timeoutMs = parseDuration(options.timeout ?? '7d', `${where}: timeout`);
  const pokeIntervalMs = parseDuration(options.pokeInterval ?? '60s', `${where}: pokeInterval`);
  const taskOptions: Record<string, unknown> = { ...options };
  for (const key of OWN_KEYS) delete taskOptions[key];
  return task(taskOptions as Omit<TaskOptions, 'resume'>, (ctx): ExternalTaskTriggerEvent => {
    if (ctx.triggerEvent !== undefined) return ctx.triggerEvent as ExternalTaskTriggerEvent;
    const logicalDate = options.executionDateFn
      ? options.executionDateFn(ctx)
      : new Date(ctx.logicalDate.getTime() - deltaMs);
    ctx.log.info(
      `Waiting for ${options.externalTaskIds ? `tasks ${options.externalTaskIds.join(', ')} of` : 'the run of'} DAG "${options.externalDagId}" for ${logicalDate.toISOString()}`,
    );
    const trigger = externalTaskTrigger(options.externalDagId, logicalDate, {
      taskIds: options.externalTaskIds ?? null,
      allowedStates: options.allowedStates ?? ['success'],
      failedStates: options.failedStates ?? [],
      pokeInterval: pokeIntervalMs,
    });
    return ctx.defer(trigger, { timeout: timeoutMs });
  })();
}
