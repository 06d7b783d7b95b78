/**
 * triggerDagRun (Airflow's TriggerDagRunOperator): a task that creates a run of another DAG, with
 * a conf checked against that DAG's params, and optionally waits until the run ends: polling from
 * the task (pokeInterval), or deferred on an ExternalTaskTrigger so the task holds no slot
 * meanwhile (deferrable). Its conf, run id and logical date are templates ({{ ds }},
 * {{ dag_run.conf.x }}, ...). Its output is the triggered run's id.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { DagRunState, type Duration, GaleError, parseDuration } from '../models/index.js';
import type { TaskContext, TriggerDagRunRequest } from './context.js';
import { type TaskRef, task } from './dag.js';
import type { TaskOptions } from './task-options.js';
import { TaskSkipped } from './task-outcomes.js';
import { externalTaskTrigger } from './triggers.js';

export type TriggerDagRunOptions = Omit<TaskOptions, 'resume' | 'taskId'> & {
  /** the DAG to run */
  triggerDagId: string;
  /** the run's conf; its strings are templates; checked against the target DAG's params */
  conf?: Record<string, unknown>;
  /** the run's logical date (a template when a string; default: now) */
  logicalDate?: Date | string;
  /** the run's id (a template; default manual__<logical date>) */
  triggerRunId?: string;
  /** wait until the run is in an allowed state (success) or a failed state (the task fails); default false */
  waitForCompletion?: boolean;
  /** default ["success"] */
  allowedStates?: readonly DagRunState[];
  /** default ["failed"] */
  failedStates?: readonly DagRunState[];
  /** how often to look at the run while waiting (default "60s", as Airflow's poke_interval) */
  pokeInterval?: Duration;
  /** wait in the triggerer, freeing the task's slot (default false) */
  deferrable?: boolean;
  /** clear an existing run with the same run id or logical date instead of failing (default false) */
  resetDagRun?: boolean;
  /** skip the task when that run exists already (default false; resetDagRun wins) */
  skipWhenAlreadyExists?: boolean;
};

/** The options of a triggerDagRun task with defaults applied and conflicts rejected. */
export interface CompiledTriggerDagRunOptions {
  triggerDagId: string;
  waitForCompletion: boolean;
  allowedStates: DagRunState[];
  failedStates: DagRunState[];
  pokeIntervalMs: number;
  deferrable: boolean;
  whenExists: TriggerDagRunRequest['whenExists'];
}

const OWN_KEYS = [
  'triggerDagId',
  'conf',
  'logicalDate',
  'triggerRunId',
  'waitForCompletion',
  'allowedStates',
  'failedStates',
  'pokeInterval',
  'deferrable',
  'resetDagRun',
  'skipWhenAlreadyExists',
];
const RUN_STATES: readonly string[] = Object.values(DagRunState);

function invalid(where: string, message: string, hint?: string): GaleError {
  return new GaleError('GALE_ERR_DAG_INVALID', `${where}: ${message}`, hint ? { hint } : {});
}

export function compileTriggerDagRunOptions(
  taskId: string,
  options: TriggerDagRunOptions,
): CompiledTriggerDagRunOptions {
  const where = `triggerDagRun "${taskId}"`;
  if (typeof options.triggerDagId !== 'string' || options.triggerDagId === '')
    throw invalid(where, 'triggerDagId must name a DAG');
  const allowedStates = [...(options.allowedStates ?? ['success'])];
  const failedStates = [...(options.failedStates ?? ['failed'])];
  for (const [name, states] of [
    ['allowedStates', allowedStates],
    ['failedStates', failedStates],
  ] as const) {
    const bad = states.filter((s) => !RUN_STATES.includes(s));
    if (bad.length > 0)
      throw invalid(
        where,
        `${name} has ${bad.join(', ')}, not DAG run states`,
        `Use ${RUN_STATES.join(', ')}.`,
      );
  }
  const both = allowedStates.filter((s) => failedStates.includes(s));
  if (both.length > 0)
    throw invalid(
      where,
      `${both.join(', ')} is in both allowedStates and failedStates`,
      'Keep each state in one.',
    );
  if (options.conf !== undefined && (typeof options.conf !== 'object' || Array.isArray(options.conf)))
    throw invalid(where, 'conf must be an object');
  return {
    triggerDagId: options.triggerDagId,
    waitForCompletion: options.waitForCompletion ?? false,
    allowedStates,
    failedStates,
    pokeIntervalMs: parseDuration(options.pokeInterval ?? '60s', `${where}: pokeInterval`),
    deferrable: options.deferrable ?? false,
    whenExists: options.resetDagRun ? 'reset' : options.skipWhenAlreadyExists ? 'skip' : 'fail',
  };
}

/** Renders every string in a JSON value as a template. */
async function renderDeep(value: unknown, ctx: TaskContext): Promise<unknown> {
  if (typeof value === 'string') return ctx.renderTemplate(value);
  if (Array.isArray(value)) return Promise.all(value.map((v) => renderDeep(v, ctx)));
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    const entries = await Promise.all(
      Object.entries(value).map(async ([k, v]) => [k, await renderDeep(v, ctx)] as const),
    );
    return Object.fromEntries(entries);
  }
  return value;
}

/** Polls the run until it is in an allowed state (its id) or a failed one (throws). */
async function pokeUntilDone(
  ctx: TaskContext,
  c: CompiledTriggerDagRunOptions,
  runId: string,
): Promise<string> {
  for (;;) {
    const state = await ctx.dagRunState(c.triggerDagId, runId);
    if (state === null) {
      throw new GaleError(
        'GALE_ERR_RUN_NOT_FOUND',
        `DAG "${c.triggerDagId}" has no run "${runId}" any more`,
        {
          hint: 'It was deleted while the task waited for it.',
        },
      );
    }
    if (c.allowedStates.includes(state)) {
      ctx.log.info(`Run ${runId} of DAG "${c.triggerDagId}" is ${state}`);
      return runId;
    }
    if (c.failedStates.includes(state)) {
      throw new GaleError(
        'GALE_ERR_SENSOR_FAILED',
        `Run ${runId} of DAG "${c.triggerDagId}" ended ${state}`,
        {
          hint: `The task waits for ${c.allowedStates.join(', ')} and fails on ${c.failedStates.join(', ')}.`,
        },
      );
    }
    ctx.log.info(
      `Run ${runId} of DAG "${c.triggerDagId}" is ${state}; looking again in ${c.pokeIntervalMs} ms`,
    );
    await sleep(c.pokeIntervalMs, undefined, { signal: ctx.signal });
  }
}

/** A task that triggers a run of `options.triggerDagId`; its output is the run's id. */
export function triggerDagRun(taskId: string, options: TriggerDagRunOptions): TaskRef<string> {
  const c = compileTriggerDagRunOptions(taskId, options);
  const taskOptions: Record<string, unknown> = { ...options, taskId };
  for (const key of OWN_KEYS) delete taskOptions[key];
  return task(taskOptions as Omit<TaskOptions, 'resume'>, async (ctx): Promise<string> => {
    // resumed: the ExternalTaskTrigger fired, the run is in an allowed state (a failed one fails the try)
    if (ctx.triggerEvent !== undefined) {
      const runId = String(ctx.nextKwargs.trigger_run_id);
      ctx.log.info(`Run ${runId} of DAG "${c.triggerDagId}" reached ${c.allowedStates.join(' or ')}`);
      return runId;
    }
    const logicalDate =
      options.logicalDate instanceof Date
        ? options.logicalDate.toISOString()
        : options.logicalDate === undefined
          ? undefined
          : await ctx.renderTemplate(options.logicalDate);
    const run = await ctx.triggerDagRun({
      dagId: c.triggerDagId,
      runId: options.triggerRunId === undefined ? undefined : await ctx.renderTemplate(options.triggerRunId),
      logicalDate,
      conf: (await renderDeep(options.conf ?? {}, ctx)) as Record<string, unknown>,
      whenExists: c.whenExists,
    });
    if (run.outcome === 'exists') {
      throw new TaskSkipped(`DAG "${c.triggerDagId}" already has run ${run.runId} (skipWhenAlreadyExists)`);
    }
    if (!c.waitForCompletion) return run.runId;
    if (!c.deferrable) return pokeUntilDone(ctx, c, run.runId);
    const trigger = externalTaskTrigger(c.triggerDagId, run.logicalDate, {
      allowedStates: c.allowedStates,
      failedStates: c.failedStates,
      pokeInterval: c.pokeIntervalMs,
    });
    return ctx.defer(trigger, { kwargs: { trigger_run_id: run.runId } });
  })();
}
