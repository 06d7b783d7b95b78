/**
 * What a DAG author defers on: the built-in triggers, described as data (the triggerer runs them,
 * never the task process), and TaskDeferred, what `ctx.defer()` throws to end the try's run for
 * now, as Airflow's `self.defer(trigger=..., method_name=..., kwargs=..., timeout=...)`.
 * Pure: building a trigger does no I/O and starts no timer.
 */
import {
  type Duration,
  type FileTriggerEvent,
  GaleError,
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
