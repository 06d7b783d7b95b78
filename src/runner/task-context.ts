/** Builds what a try sees: the TaskContext for functions, the template context for templates. */
import type { DagRunRow } from '../db/index.js';
import { GaleError, RESUME_EXECUTE, type ResumeState } from '../models/index.js';
import {
  type DeferOptions,
  type TaskContext,
  TaskDeferred,
  type TaskLogger,
  type TriggerSpec,
} from '../sdk/index.js';
import { type AssetAccessors, tryAssets } from './asset-context.js';
import { MACROS } from './macros.js';
import type { SecretAccessors } from './task-secrets.js';
import { templateRenderer } from './template-render.js';

/** ctx.triggerDagRun() and ctx.dagRunState(): through the try's channel (see task-dag-runs.ts). */
export type DagRunAccessors = Pick<TaskContext, 'triggerDagRun' | 'dagRunState'>;

/** Where a context has no channel to the metadata (unit tests): the calls reject, saying so. */
const NO_DAG_RUNS: DagRunAccessors = {
  triggerDagRun: () => Promise.reject(noDagRuns()),
  dagRunState: () => Promise.reject(noDagRuns()),
};

function noDagRuns(): GaleError {
  return new GaleError('GALE_ERR_DAG_INVALID', 'This task context cannot reach other DAG runs', {
    hint: 'Run the task in a DAG run (gale dags trigger, gale dags test).',
  });
}

export interface ContextInput {
  run: DagRunRow;
  taskId: string;
  mapIndex: number;
  tryNumber: number;
  maxTries: number;
  dagParams: Record<string, unknown>;
  log: TaskLogger;
  signal: AbortSignal;
  xcomPull: TaskContext['xcomPull'];
  xcomPush: TaskContext['xcomPush'];
  /** ctx.variable(), ctx.variableJson(), ctx.connection() */
  secrets: SecretAccessors;
  /** ctx.triggerDagRun(), ctx.dagRunState(); absent: they reject */
  dagRuns?: DagRunAccessors;
  /** ctx.outletEvents(), ctx.triggeringAssetEvents; absent: no outlets, no triggering events */
  assets?: AssetAccessors;
  /** a try resumed after a deferral: what it resumes with; null or absent otherwise */
  resume?: ResumeState | null;
  /** the names of the task's resume functions, which defer() may name */
  resumeMethods?: readonly string[];
}

/** ctx.defer(): checks the method it names, then ends the run with TaskDeferred. */
function deferFor(taskId: string, resumeMethods: readonly string[]) {
  return <E>(trigger: TriggerSpec<E>, options: DeferOptions = {}): never => {
    const method = options.method ?? RESUME_EXECUTE;
    if (method !== RESUME_EXECUTE && !resumeMethods.includes(method)) {
      throw new GaleError(
        'GALE_ERR_DAG_INVALID',
        `Task "${taskId}" deferred to resume with "${method}", which it does not have`,
        {
          hint: `Add resume: { ${method}: (ctx, event) => ... } to the task's options${resumeMethods.length > 0 ? ` (it has: ${resumeMethods.join(', ')})` : ''}, or leave method out to run the task function again.`,
        },
      );
    }
    throw new TaskDeferred(trigger, options);
  };
}

export function buildTaskContext(input: ContextInput): TaskContext {
  const logicalDate = new Date(input.run.logical_date);
  const ds = input.run.logical_date.slice(0, 10);
  const conf = JSON.parse(input.run.conf) as Record<string, unknown>;
  const ctx: TaskContext = {
    dagId: input.run.dag_id,
    runId: input.run.run_id,
    taskId: input.taskId,
    mapIndex: input.mapIndex,
    tryNumber: input.tryNumber,
    maxTries: input.maxTries,
    logicalDate,
    dataIntervalStart: new Date(input.run.data_interval_start),
    dataIntervalEnd: new Date(input.run.data_interval_end),
    ds,
    dsNodash: ds.replaceAll('-', ''),
    ts: logicalDate.toISOString(),
    params: { ...input.dagParams, ...conf },
    conf,
    log: input.log,
    signal: input.signal,
    xcomPull: input.xcomPull,
    xcomPush: input.xcomPush,
    ...input.secrets,
    defer: deferFor(input.taskId, input.resumeMethods ?? []),
    triggerEvent: input.resume?.event,
    nextKwargs: { ...(input.resume?.kwargs ?? {}) },
    ...(input.dagRuns ?? NO_DAG_RUNS),
    ...(input.assets ?? tryAssets([], []).accessors),
    renderTemplate: async (template) =>
      (await templateRenderer([template], ctx, templateContext(ctx)))(template),
  };
  return ctx;
}

/** Airflow's template variables: {{ ds }}, {{ ts }}, {{ params.x }}, {{ dag_run.conf.y }}, ... */
export function templateContext(ctx: TaskContext): Record<string, unknown> {
  return {
    ds: ctx.ds,
    ds_nodash: ctx.dsNodash,
    ts: ctx.ts,
    ts_nodash: ctx.ts.replace(/[-:]/g, '').replace(/\.\d{3}Z$/, ''),
    ts_nodash_with_tz: `${ctx.ts.replace(/[-:]/g, '').replace(/\.\d{3}Z$/, '')}+0000`,
    task_instance_key_str: `${ctx.dagId}__${ctx.taskId}__${ctx.dsNodash}`,
    logical_date: ctx.logicalDate.toISOString(),
    data_interval_start: ctx.dataIntervalStart.toISOString(),
    data_interval_end: ctx.dataIntervalEnd.toISOString(),
    run_id: ctx.runId,
    dag_run: { run_id: ctx.runId, conf: ctx.conf, logical_date: ctx.logicalDate.toISOString() },
    dag: { dag_id: ctx.dagId },
    task: { task_id: ctx.taskId },
    ti: { try_number: ctx.tryNumber, task_id: ctx.taskId, dag_id: ctx.dagId, map_index: ctx.mapIndex },
    macros: MACROS,
    params: ctx.params,
    triggering_asset_events: ctx.triggeringAssetEvents,
  };
}
