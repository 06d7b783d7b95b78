/**
 * What a DAG author defers on: the built-in triggers, described as data (the triggerer runs them,
 * never the task process), and TaskDeferred, what `ctx.defer()` throws to end the try's run for
 * now, as Airflow's `self.defer(trigger=..., method_name=..., kwargs=..., timeout=...)`.
 * Pure: building a trigger does no I/O and starts no timer.
 */
import {
  type Duration,
  type ExternalTaskTriggerEvent,
  type FileTriggerEvent,
  GaleError,
  type HttpTriggerEvent,
  parseDuration,
  RESUME_EXECUTE,
  TRIGGER_CLASSPATHS,
} from '../models/index.js';

/**
 * A trigger to defer on: which built-in trigger, and its arguments (JSON). `E` is the type of the
 * event it fires with, which the resumed task receives.
 */
export interface TriggerSpec<E = unknown> {
  readonly classpath: string;
  readonly kwargs: Readonly<Record<string, unknown>>;
  /** phantom, for type inference only */
  readonly __event?: E;
}

function toMoment(value: Date | string, what: string): string {
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) {
    throw new GaleError('GALE_ERR_TRIGGER_INVALID', `${what}: "${String(value)}" is not a date`, {
      hint: 'Use a Date or an ISO 8601 string such as "2026-01-01T06:00:00Z".',
    });
  }
  return date.toISOString();
}

/** Fires at `moment` (Airflow's DateTimeTrigger); its event is the moment, as an ISO string. */
export function dateTimeTrigger(moment: Date | string): TriggerSpec<string> {
  return { classpath: TRIGGER_CLASSPATHS.dateTime, kwargs: { moment: toMoment(moment, 'dateTimeTrigger') } };
}

/**
 * Fires `delta` after the try defers (Airflow's TimeDeltaTrigger); its event is the moment it
 * fired for, as an ISO string.
 */
export function timeDeltaTrigger(delta: Duration): TriggerSpec<string> {
  return {
    classpath: TRIGGER_CLASSPATHS.timeDelta,
    kwargs: { delta_ms: parseDuration(delta, 'timeDeltaTrigger') },
  };
}

export interface FileTriggerOptions {
  /** how often to look (default "5s", as Airflow's FileTrigger's poke_interval) */
  pokeInterval?: Duration;
}

/** Fires when a file exists at `filepath` on the triggerer's machine (Airflow's FileTrigger). */
export function fileTrigger(
  filepath: string,
  options: FileTriggerOptions = {},
): TriggerSpec<FileTriggerEvent> {
  if (typeof filepath !== 'string' || filepath === '') {
    throw new GaleError('GALE_ERR_TRIGGER_INVALID', 'fileTrigger needs a file path');
  }
  return {
    classpath: TRIGGER_CLASSPATHS.file,
    kwargs: {
      filepath,
      poke_interval_ms: parseDuration(options.pokeInterval ?? 5_000, 'fileTrigger: pokeInterval'),
    },
  };
}

export interface HttpTriggerOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string | null;
  /** the statuses that fire it (default: any 2xx) */
  statuses?: number[] | null;
  /** how often to ask (default "5s") */
  pokeInterval?: Duration;
}

/**
 * Fires when a request to `url` answers with a 2xx status (or one of `statuses`), asking every
 * poke interval from the triggerer (Airflow's HttpSensorTrigger). Its event: `{ status, body }`.
 * Its arguments are stored in the trigger table as they are: put no secrets in them.
 */
export function httpTrigger(url: string, options: HttpTriggerOptions = {}): TriggerSpec<HttpTriggerEvent> {
  if (!URL.canParse(url)) {
    throw new GaleError('GALE_ERR_TRIGGER_INVALID', `httpTrigger: "${url}" is not a URL`);
  }
  return {
    classpath: TRIGGER_CLASSPATHS.http,
    kwargs: {
      url,
      method: options.method ?? 'GET',
      headers: { ...(options.headers ?? {}) },
      body: options.body ?? null,
      statuses: options.statuses ?? null,
      poke_interval_ms: parseDuration(options.pokeInterval ?? 5_000, 'httpTrigger: pokeInterval'),
    },
  };
}

export interface ExternalTaskTriggerOptions {
  /** the tasks to wait for; null or absent: the DAG run itself */
  taskIds?: readonly string[] | null;
  /** the states that fire it (default ["success"]) */
  allowedStates?: readonly string[];
  /** the states that fail it (default none) */
  failedStates?: readonly string[];
  /** how often to look (default "5s") */
  pokeInterval?: Duration;
}

/**
 * Fires when the tasks (or the run) of `externalDagId`'s run for `logicalDate` are all in an
 * allowed state; fails when one is in a failed state. The triggerer reads the metadata database
 * (Airflow's WorkflowTrigger). Its event: `{ externalDagId, states }`.
 */
export function externalTaskTrigger(
  externalDagId: string,
  logicalDate: Date | string,
  options: ExternalTaskTriggerOptions = {},
): TriggerSpec<ExternalTaskTriggerEvent> {
  return {
    classpath: TRIGGER_CLASSPATHS.externalTask,
    kwargs: {
      external_dag_id: externalDagId,
      task_ids: options.taskIds ? [...options.taskIds] : null,
      logical_date: toMoment(logicalDate, 'externalTaskTrigger'),
      allowed_states: [...(options.allowedStates ?? ['success'])],
      failed_states: [...(options.failedStates ?? [])],
      poke_interval_ms: parseDuration(options.pokeInterval ?? 5_000, 'externalTaskTrigger: pokeInterval'),
    },
  };
}

export interface DeferOptions {
  /**
   * What runs when the trigger fires: "execute" (default) runs the task function again, with the
   * event as `ctx.triggerEvent`; another name runs that function of the task's `resume` option
   * (Airflow's method_name).
   */
  method?: string;
  /** JSON handed to the resumed try (Airflow's kwargs): `ctx.nextKwargs`, and a resume function's third argument */
  kwargs?: Record<string, unknown>;
  /** the try fails (or is retried) if the trigger has not fired by then (Airflow's timeout) */
  timeout?: Duration;
}

/**
 * Thrown by `ctx.defer()`: the try's run ends here, recorded as deferred, and resumes in a new
 * process when the trigger fires (Airflow's TaskDeferred). Do not catch it in a task.
 */
export class TaskDeferred extends Error {
  readonly trigger: TriggerSpec;
  readonly method: string;
  readonly kwargs: Record<string, unknown>;
  readonly timeoutMs: number | null;

  constructor(trigger: TriggerSpec, options: DeferOptions = {}) {
    super(`The task deferred on ${trigger.classpath}`);
    this.name = 'TaskDeferred';
    this.trigger = trigger;
    this.method = options.method ?? RESUME_EXECUTE;
    this.kwargs = { ...(options.kwargs ?? {}) };
    this.timeoutMs = options.timeout === undefined ? null : parseDuration(options.timeout, 'defer: timeout');
  }
}

export function isTaskDeferred(error: unknown): error is TaskDeferred {
  return error instanceof TaskDeferred;
}
