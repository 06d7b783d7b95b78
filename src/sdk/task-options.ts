/** The options a DAG author gives a task (or a DAG's defaultArgs), and their compiled form. */

import {
  type AssetRef,
  type Duration,
  EXECUTOR_NAMES,
  type ExecutorName,
  GaleError,
  isExecutorName,
  type PodOverride,
  parseDuration,
  podOverrideSchema,
  RESUME_EXECUTE,
  TRIGGER_RULES,
  type TriggerRule,
  WEIGHT_RULES,
  type WeightRule,
} from '../models/index.js';
import { Asset, distinctAssets } from './assets.js';
import type { TaskContext } from './context.js';

export interface TaskOptions {
  /** unique within the DAG; letters, digits, `_`, `-`, `.` */
  taskId?: string;
  /** how many times a failed try is retried (default 0) */
  retries?: number;
  /** wait before a retry (default "5m", as Airflow) */
  retryDelay?: Duration;
  /** double the delay after every failed try (default false) */
  retryExponentialBackoff?: boolean;
  /** upper bound of the delay with exponential backoff (default none) */
  maxRetryDelay?: Duration | null;
  /** a try running longer fails: SIGTERM, then SIGKILL after core.killed_task_cleanup_time */
  executionTimeout?: Duration | null;
  /** the pool whose slots the task takes (default "default_pool") */
  pool?: string;
  /** how many slots of the pool a try takes (default 1) */
  poolSlots?: number;
  /** higher runs first when slots are short (default 1) */
  priorityWeight?: number;
  /** how priorityWeight adds up along the graph (default "downstream", as Airflow) */
  weightRule?: WeightRule;
  /** the queue of the executor that runs the task (default "default") */
  queue?: string;
  /**
   * the executor that runs the task: one the scheduler runs (listed in core.executor); default
   * null, the first of core.executor. A scheduler without it fails the task instance.
   */
  executor?: ExecutorName | null;
  /** run each try in a new process rather than a warm one (local executor; default false) */
  freshProcess?: boolean;
  /**
   * what the kubernetes executor changes in the pod of each try: image, resources, env, volumes,
   * node selector, tolerations... merged over kubernetes.pod_template_file (Airflow's
   * executor_config pod_override). Other executors ignore it. Default none.
   */
  podOverride?: PodOverride | null;
  /** when the task runs, given its upstream tasks' states (default "all_success"; a teardown's is all_done_setup_success) */
  triggerRule?: TriggerRule;
  /** a setup task: creates what its work tasks use; its teardowns run when it succeeded (as Airflow's as_setup()) */
  setup?: boolean;
  /**
   * a teardown task: runs once all its upstream tasks are done and one of its setups (its upstream
   * setup tasks) succeeded, even when work tasks failed; its failure does not fail the DAG run
   * unless onFailureFailDagrun (as Airflow's as_teardown()). Its trigger rule is all_done_setup_success.
   */
  teardown?: boolean;
  /** a teardown's failure fails the DAG run too (default false) */
  onFailureFailDagrun?: boolean;
  /** run only when this task succeeded or was skipped in the previous DAG run by logical date (default false) */
  dependsOnPast?: boolean;
  /** dependsOnPast, and also the previous DAG run's instances of this task's immediate downstream tasks succeeded or were skipped (default false) */
  waitForDownstream?: boolean;
  /** at most this many instances of the task queued or running across all DAG runs (default none) */
  maxActiveTisPerDag?: number | null;
  /** at most this many instances of the task queued or running in one DAG run, for mapped tasks (default none) */
  maxActiveTisPerDagrun?: number | null;
  owner?: string;
  /** called in the task process before the task's code runs (Airflow's on_execute_callback) */
  onExecute?: TaskCallback;
  /** called after a try succeeded and was recorded */
  onSuccess?: TaskCallback;
  /** called after a try failed with no retries left, with the error */
  onFailure?: TaskCallback;
  /** called after a try failed and another try is to come, with the error */
  onRetry?: TaskCallback;
  /** called in the task process when the task skips itself (TaskSkipped, a sensor's softFail), as Airflow's on_skipped_callback */
  onSkip?: TaskCallback;
  /** documentation shown with the task */
  doc?: string;
  /** assets a successful try updates: each gets an event (Airflow's outlets); set its extra with ctx.outletEvents(asset) */
  outlets?: readonly Asset[];
  /**
   * Functions a deferred try resumes with, by name (Airflow's method_name): after
   * `ctx.defer(trigger, { method: 'done' })`, the try resumes with `resume.done(ctx, event, kwargs)`
   * and its return value is the task's output. Not in defaultArgs.
   */
  resume?: ResumeFunctions;
}

export type DefaultArgs = Omit<
  TaskOptions,
  'taskId' | 'resume' | 'setup' | 'teardown' | 'onFailureFailDagrun'
>;

/**
 * A function a deferred try resumes with: the context, the trigger's event and the kwargs given
 * to defer(). (Method syntax, so that a function declaring its event's type fits.)
 */
export type ResumeFunction = {
  resume(ctx: TaskContext, event: unknown, kwargs: Record<string, unknown>): unknown;
}['resume'];
export type ResumeFunctions = Readonly<Record<string, ResumeFunction>>;

/** A task callback: runs in the task process; its errors are logged, never change the try's state. */
export type TaskCallback = (ctx: TaskContext, error?: string) => void | Promise<void>;

export interface TaskCallbacks {
  onExecute?: TaskCallback;
  onSuccess?: TaskCallback;
  onFailure?: TaskCallback;
  onRetry?: TaskCallback;
  onSkip?: TaskCallback;
}

/** The callbacks of a task: its own over its group's and DAG's defaultArgs. */
export function taskCallbacks(options: TaskOptions, defaults: DefaultArgs): TaskCallbacks {
  const o = { ...defaults, ...options };
  return {
    onExecute: o.onExecute,
    onSuccess: o.onSuccess,
    onFailure: o.onFailure,
    onRetry: o.onRetry,
    onSkip: o.onSkip,
  };
}

export interface CompiledTaskOptions {
  retries: number;
  retryDelayMs: number;
  retryExponentialBackoff: boolean;
  maxRetryDelayMs: number | null;
  executionTimeoutMs: number | null;
  pool: string;
  poolSlots: number;
  priorityWeight: number;
  weightRule: WeightRule;
  queue: string;
  executor: ExecutorName | null;
  freshProcess: boolean;
  podOverride: PodOverride | null;
  triggerRule: TriggerRule;
  isSetup: boolean;
  isTeardown: boolean;
  onFailureFailDagrun: boolean;
  dependsOnPast: boolean;
  waitForDownstream: boolean;
  maxActiveTisPerDag: number | null;
  maxActiveTisPerDagrun: number | null;
  owner: string;
  doc: string | null;
  /** the assets a successful try emits events for; absent when none (so the serialized form of other tasks stays as it was) */
  outlets?: AssetRef[];
}

const TASK_ID = /^[A-Za-z0-9_.-]{1,250}$/;

export function validateTaskId(taskId: string, where: string): void {
  if (!TASK_ID.test(taskId)) {
    throw new GaleError('GALE_ERR_DAG_INVALID', `${where}: "${taskId}" is not a valid task id`, {
      hint: 'Use 1 to 250 letters, digits, "_", "-" or ".".',
    });
  }
}

function intAtLeast(value: number, min: number, name: string, where: string): number {
  if (!Number.isInteger(value) || value < min) {
    throw new GaleError(
      'GALE_ERR_DAG_INVALID',
      `${where}: ${name} must be an integer >= ${min}, got ${value}`,
    );
  }
  return value;
}

/** Task options over the DAG's defaultArgs over Gale's defaults, checked and frozen. */
export function compileTaskOptions(
  options: TaskOptions,
  defaults: DefaultArgs,
  where: string,
): CompiledTaskOptions {
  const o = { ...defaults, ...options };
  const role = compileTaskRole(
    { isSetup: options.setup ?? false, isTeardown: options.teardown ?? false },
    options,
    where,
  );
  const triggerRule = role.isTeardown ? 'all_done_setup_success' : (o.triggerRule ?? 'all_success');
  if (!TRIGGER_RULES.includes(triggerRule)) {
    throw new GaleError('GALE_ERR_DAG_INVALID', `${where}: unknown triggerRule "${String(triggerRule)}"`, {
      hint: `Use one of: ${TRIGGER_RULES.join(', ')}.`,
    });
  }
  const weightRule = o.weightRule ?? 'downstream';
  if (!WEIGHT_RULES.includes(weightRule)) {
    throw new GaleError('GALE_ERR_DAG_INVALID', `${where}: unknown weightRule "${String(weightRule)}"`, {
      hint: `Use one of: ${WEIGHT_RULES.join(', ')}.`,
    });
  }
  if (o.executor != null && !isExecutorName(o.executor)) {
    throw new GaleError('GALE_ERR_DAG_INVALID', `${where}: unknown executor "${String(o.executor)}"`, {
      hint: `Use one of: ${EXECUTOR_NAMES.join(', ')}, or leave it out for the default executor (the first of core.executor).`,
    });
  }
  const timeout =
    o.executionTimeout == null ? null : parseDuration(o.executionTimeout, `${where}: executionTimeout`);
  if (timeout === 0) {
    throw new GaleError('GALE_ERR_DAG_INVALID', `${where}: executionTimeout must be longer than zero`);
  }
  return Object.freeze({
    retries: intAtLeast(o.retries ?? 0, 0, 'retries', where),
    retryDelayMs: parseDuration(o.retryDelay ?? 300_000, `${where}: retryDelay`),
    retryExponentialBackoff: o.retryExponentialBackoff ?? false,
    maxRetryDelayMs:
      o.maxRetryDelay == null ? null : parseDuration(o.maxRetryDelay, `${where}: maxRetryDelay`),
    executionTimeoutMs: timeout,
    pool: o.pool ?? 'default_pool',
    poolSlots: intAtLeast(o.poolSlots ?? 1, 1, 'poolSlots', where),
    priorityWeight: intAtLeast(o.priorityWeight ?? 1, Number.MIN_SAFE_INTEGER, 'priorityWeight', where),
    weightRule,
    queue: o.queue ?? 'default',
    executor: o.executor ?? null,
    freshProcess: o.freshProcess ?? false,
    podOverride: compilePodOverride(o.podOverride, where),
    triggerRule,
    ...role,
    dependsOnPast: (o.dependsOnPast ?? false) || (o.waitForDownstream ?? false),
    waitForDownstream: o.waitForDownstream ?? false,
    maxActiveTisPerDag: optionalLimit(o.maxActiveTisPerDag, 'maxActiveTisPerDag', where),
    maxActiveTisPerDagrun: optionalLimit(o.maxActiveTisPerDagrun, 'maxActiveTisPerDagrun', where),
    owner: o.owner ?? 'gale',
    doc: o.doc ?? null,
    ...compileOutlets(o.outlets, where),
  });
}

function compileOutlets(outlets: readonly Asset[] | undefined, where: string): { outlets?: AssetRef[] } {
  if (outlets === undefined || (Array.isArray(outlets) && outlets.length === 0)) return {};
  if (!Array.isArray(outlets) || outlets.some((a) => !(a instanceof Asset))) {
    throw new GaleError('GALE_ERR_ASSET_INVALID', `${where}: outlets must be a list of assets`, {
      hint: "Write outlets: [asset('s3://bucket/file')].",
    });
  }
  return { outlets: distinctAssets(outlets).map((a) => a.toRef()) };
}

function optionalLimit(value: number | null | undefined, name: string, where: string): number | null {
  return value == null ? null : intAtLeast(value, 1, name, where);
}

export type TaskRole = Pick<CompiledTaskOptions, 'isSetup' | 'isTeardown' | 'onFailureFailDagrun'>;

/**
 * A task's setup/teardown role, checked as Airflow checks it: not both; a teardown's trigger rule
 * is all_done_setup_success and cannot be set; onFailureFailDagrun only on a teardown.
 */
export function compileTaskRole(
  role: { isSetup: boolean; isTeardown: boolean },
  options: Pick<TaskOptions, 'triggerRule' | 'onFailureFailDagrun'>,
  where: string,
): TaskRole {
  if (role.isSetup && role.isTeardown) {
    throw new GaleError('GALE_ERR_DAG_INVALID', `${where}: a task cannot be both a setup and a teardown`);
  }
  if (
    role.isTeardown &&
    options.triggerRule !== undefined &&
    options.triggerRule !== 'all_done_setup_success'
  ) {
    throw new GaleError(
      'GALE_ERR_DAG_INVALID',
      `${where}: a teardown's trigger rule is all_done_setup_success, not "${String(options.triggerRule)}"`,
      { hint: 'Remove triggerRule from the teardown task, or make it an ordinary task.' },
    );
  }
  if (options.onFailureFailDagrun && !role.isTeardown) {
    throw new GaleError('GALE_ERR_DAG_INVALID', `${where}: onFailureFailDagrun applies only to a teardown`, {
      hint: 'Add teardown: true, or call .asTeardown({ onFailureFailDagrun: true }).',
    });
  }
  return { ...role, onFailureFailDagrun: options.onFailureFailDagrun ?? false };
}

function compilePodOverride(override: PodOverride | null | undefined, where: string): PodOverride | null {
  if (override == null) return null;
  const parsed = podOverrideSchema.safeParse(override);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new GaleError(
      'GALE_ERR_DAG_INVALID',
      `${where}: podOverride.${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`,
      { hint: 'See the PodOverride type of gale/sdk for the fields a pod override takes.' },
    );
  }
  return Object.freeze(parsed.data);
}

/** A task's resume functions, checked: functions, and none named "execute" (the task function's name). */
export function compileResumeFunctions(resume: ResumeFunctions | undefined, where: string): ResumeFunctions {
  const out: Record<string, ResumeFunction> = {};
  for (const [name, fn] of Object.entries(resume ?? {})) {
    if (typeof fn !== 'function' || name === RESUME_EXECUTE || name === '') {
      throw new GaleError(
        'GALE_ERR_DAG_INVALID',
        `${where}: resume.${name} must be a function, not named "execute"`,
        {
          hint: 'Give resume functions other names; defer() without a method runs the task function again.',
        },
      );
    }
    out[name] = fn;
  }
  return Object.freeze(out);
}
