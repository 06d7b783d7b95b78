/**
 * Human-in-the-loop tasks (Airflow 3.1's HITL operators): a task that asks a person and waits for
 * the answer without holding a worker slot (it defers on a HITLTrigger). Answered with
 * `gale hitl respond`, PATCH /api/v2/hitlDetails/..., or the task instance page of the UI.
 * - approval(): Approve or Reject; a rejection skips everything downstream (ApprovalOperator).
 * - hitlBranch(): the options are downstream task ids; the chosen ones run, the others are skipped.
 * - hitlEntry(): a form of params (JSON Schema); its output is the filled params.
 * - hitl(): any options, one or several chosen, with params.
 * When the timeout passes unanswered, the default outcome is the answer, or the task fails.
 */
import {
  APPROVE,
  checkParamDefaults,
  type Duration,
  GaleError,
  type HitlParam,
  type HitlResponseEvent,
  type HitlResult,
  hitlResultOf,
  parseDuration,
  REJECT,
  TRIGGER_CLASSPATHS,
} from '../models/index.js';
import type { TaskContext } from './context.js';
import { makeTask, Param, type TaskRef } from './dag.js';
import type { TaskOptions } from './task-options.js';

export type { HitlResult } from '../models/index.js';

/** A text of the request: fixed, or made from the try's context (an upstream output, the ds). */
export type HitlText = string | ((ctx: TaskContext) => string | Promise<string>);

export type HitlOptions = Omit<TaskOptions, 'taskId' | 'resume'> & {
  /** the question, shown in the list of required actions */
  subject: HitlText;
  /** more detail (Markdown) */
  body?: HitlText;
  /** what the person may choose */
  options: readonly string[];
  /** whether several options may be chosen (default false) */
  multiple?: boolean;
  /** a form: each param a plain default value or param(default, JSON Schema) */
  params?: Record<string, unknown>;
  /** the options chosen when nobody answers within the timeout; without it the task fails then */
  defaultOutcome?: string | readonly string[];
  /** how long to wait for an answer (default: for ever) */
  timeout?: Duration;
  /** the usernames who may answer (default: any User, Op or Admin); an Admin always may */
  assignees?: readonly string[];
  /** how often the triggerer looks for the answer (default "5s") */
  pokeInterval?: Duration;
};

/** What an approval outputs: the answer, and `chosen`, "Approve" or "Reject". */
export type ApprovalResult<P = Record<string, unknown>> = HitlResult<P> & { chosen: 'Approve' | 'Reject' };

const OWN_KEYS = [
  'subject',
  'body',
  'options',
  'multiple',
  'params',
  'defaultOutcome',
  'timeout',
  'assignees',
  'pokeInterval',
];

function compileParams(params: Record<string, unknown>, where: string): Record<string, HitlParam> {
  const out: Record<string, HitlParam> = {};
  for (const [name, p] of Object.entries(params)) {
    out[name] = p instanceof Param ? { value: p.value, schema: p.schema } : { value: p, schema: {} };
  }
  const defaults = Object.fromEntries(
    Object.entries(out)
      .filter(([, p]) => p.value !== undefined)
      .map(([n, p]) => [n, p.value]),
  );
  checkParamDefaults(defaults, Object.fromEntries(Object.entries(out).map(([n, p]) => [n, p.schema])), where);
  return out;
}

function compileRequest(taskId: string, o: HitlOptions) {
  const where = `HITL task "${taskId}"`;
  const invalid = (message: string, hint: string) =>
    new GaleError('GALE_ERR_DAG_INVALID', `${where}: ${message}`, { hint });
  const options = [...new Set(o.options ?? [])];
  if (options.length === 0) throw invalid('it offers no options', 'Give options: ["yes", "no"].');
  const defaults =
    o.defaultOutcome === undefined
      ? null
      : typeof o.defaultOutcome === 'string'
        ? [o.defaultOutcome]
        : [...o.defaultOutcome];
  const stray = (defaults ?? []).filter((d) => !options.includes(d));
  if (stray.length > 0)
    throw invalid(
      `defaultOutcome ${stray.join(', ')} is not an option`,
      `Choose among ${options.join(', ')}.`,
    );
  if (defaults && defaults.length > 1 && !o.multiple) {
    throw invalid('defaultOutcome chooses several options', 'Give one, or set multiple: true.');
  }
  return {
    options,
    multiple: o.multiple ?? false,
    params: compileParams(o.params ?? {}, where),
    defaults,
    assignees: o.assignees ? [...o.assignees] : null,
    timeoutMs: o.timeout === undefined ? null : parseDuration(o.timeout, `${where}: timeout`),
    pokeIntervalMs: parseDuration(o.pokeInterval ?? '5s', `${where}: pokeInterval`),
  };
}

const textOf = async (text: HitlText | undefined, ctx: TaskContext) =>
  text === undefined ? null : typeof text === 'function' ? await text(ctx) : text;

function hitlTask<R>(
  taskId: string,
  o: HitlOptions,
  flow: 'approval' | 'hitl_branch' | null,
  output: (result: HitlResult) => R,
): TaskRef<R> {
  const request = compileRequest(taskId, o);
  const taskOptions: Record<string, unknown> = { ...o, taskId };
  for (const key of OWN_KEYS) delete taskOptions[key];
  const run = async (ctx: TaskContext): Promise<R> => {
    if (ctx.triggerEvent !== undefined) {
      const result = hitlResultOf(ctx.triggerEvent as HitlResponseEvent);
      ctx.log.info(
        `Answered ${result.chosenOptions.join(', ')} ${result.timedOut ? '(the default outcome, at the timeout)' : `by ${result.respondedBy}`}`,
      );
      return output(result);
    }
    const subject = (await textOf(o.subject, ctx)) ?? '';
    if (subject === '')
      throw new GaleError('GALE_ERR_DAG_INVALID', `HITL task "${taskId}" has an empty subject`);
    ctx.log.info(`Waiting for an answer to "${subject}" (options: ${request.options.join(', ')})`);
    const kwargs = {
      dag_id: ctx.dagId,
      run_id: ctx.runId,
      task_id: ctx.taskId,
      map_index: ctx.mapIndex,
      subject,
      body: await textOf(o.body, ctx),
      options: request.options,
      multiple: request.multiple,
      params: request.params,
      defaults: request.defaults,
      assignees: request.assignees,
      timeout_ms: request.timeoutMs,
      poke_interval_ms: request.pokeIntervalMs,
    };
    return ctx.defer({ classpath: TRIGGER_CLASSPATHS.hitl, kwargs });
  };
  return makeTask<[], R>(taskOptions as TaskOptions, run, flow)();
}

/** Asks a person to choose among `options` (Airflow's HITLOperator); outputs the answer. */
export function hitl<P = Record<string, unknown>>(
  taskId: string,
  options: HitlOptions,
): TaskRef<HitlResult<P>> {
  return hitlTask(taskId, options, null, (r) => r as HitlResult<P>);
}

export type ApprovalOptions = Omit<HitlOptions, 'options' | 'multiple' | 'defaultOutcome'> & {
  defaultOutcome?: 'Approve' | 'Reject';
};

/**
 * Asks a person to approve or reject (Airflow's ApprovalOperator). Approved: the task succeeds
 * and the run goes on. Rejected: the task succeeds too, and every task downstream is skipped.
 */
export function approval<P = Record<string, unknown>>(
  taskId: string,
  options: ApprovalOptions,
): TaskRef<ApprovalResult<P>> {
  return hitlTask(taskId, { ...options, options: [APPROVE, REJECT], multiple: false }, 'approval', (r) => ({
    ...(r as HitlResult<P>),
    chosen: r.chosenOptions.includes(REJECT) ? REJECT : APPROVE,
  }));
}

/**
 * Asks a person which tasks directly downstream to run (Airflow's HITLBranchOperator): `options`
 * are their task ids; the chosen ones run and the others are skipped.
 */
export function hitlBranch<P = Record<string, unknown>>(
  taskId: string,
  options: HitlOptions,
): TaskRef<HitlResult<P>> {
  return hitlTask(taskId, options, 'hitl_branch', (r) => r as HitlResult<P>);
}

export type HitlEntryOptions = Omit<HitlOptions, 'options' | 'multiple' | 'defaultOutcome' | 'params'> & {
  params: Record<string, unknown>;
};

/**
 * Asks a person to fill a form (Airflow's HITLEntryOperator); each answer is checked against the
 * params' JSON Schemas, and the task outputs the filled params. At the timeout (if one is given)
 * the params' defaults are the answer.
 */
export function hitlEntry<P = Record<string, unknown>>(
  taskId: string,
  options: HitlEntryOptions,
): TaskRef<P> {
  return hitlTask(
    taskId,
    { ...options, options: ['OK'], defaultOutcome: 'OK' },
    null,
    (r) => r.paramsInput as P,
  );
}
