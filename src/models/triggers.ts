/**
 * Terminology
 * - defer: a running try hands a trigger to the triggerer and ends its run for now, freeing its
 *   worker slot (Airflow's `self.defer(trigger=..., method_name=..., kwargs=..., timeout=...)`).
 * - trigger: a small, serializable description of something to wait for (a time, a file), run by
 *   the triggerer; it fires once, with an event.
 * - event: the JSON a trigger fires with; the resumed try receives it.
 * - resume: the same try runs again in a new process, with the same try number: the task function
 *   again (method "execute") or the task's resume function named in defer().
 *
 * The built-in triggers' names (classpaths) and arguments, shared by the SDK that describes them
 * and the triggerer that runs them. Pure: no I/O, no timers.
 */
import { z } from '#zod';

/** Airflow's method name that means "run the task's own code again". */
export const RESUME_EXECUTE = 'execute';

export const TRIGGER_CLASSPATHS = {
  dateTime: 'gale.triggers.DateTimeTrigger',
  timeDelta: 'gale.triggers.TimeDeltaTrigger',
  file: 'gale.triggers.FileTrigger',
  container: 'gale.triggers.ContainerTrigger',
  http: 'gale.triggers.HttpTrigger',
  externalTask: 'gale.triggers.ExternalTaskTrigger',
  hitl: 'gale.triggers.HITLTrigger',
} as const;
export type TriggerClasspath = (typeof TRIGGER_CLASSPATHS)[keyof typeof TRIGGER_CLASSPATHS];

/** Whether a classpath names a built-in trigger (else a user-written one, see defineTrigger). */
export function isBuiltInTrigger(classpath: string): classpath is TriggerClasspath {
  return (Object.values(TRIGGER_CLASSPATHS) as string[]).includes(classpath);
}

const isoDate = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'an ISO 8601 date');

/** Fires at `moment` (Airflow's DateTimeTrigger); its event is the moment as an ISO string. */
export const dateTimeTriggerKwargs = z.object({ moment: isoDate }).strict();
export type DateTimeTriggerKwargs = z.infer<typeof dateTimeTriggerKwargs>;

/**
 * Fires `delta_ms` after the try deferred (the trigger's created_date), as Airflow's
 * TimeDeltaTrigger; a triggerer that takes it over from a dead one fires it at the same moment.
 */
export const timeDeltaTriggerKwargs = z.object({ delta_ms: z.number().int().min(0) }).strict();
export type TimeDeltaTriggerKwargs = z.infer<typeof timeDeltaTriggerKwargs>;

/** Fires when a file exists at `filepath` (Airflow's FileTrigger), looking every poke_interval_ms. */
export const fileTriggerKwargs = z
  .object({
    filepath: z.string().min(1),
    poke_interval_ms: z.number().int().min(10).default(5_000),
  })
  .strict();
export type FileTriggerKwargs = z.infer<typeof fileTriggerKwargs>;
/** The event of a FileTrigger. */
export interface FileTriggerEvent {
  filepath: string;
}

/** A trigger as stored: which one and its arguments (JSON). */
export const triggerSpecSchema = z.object({
  classpath: z.string().min(1).max(1000),
  kwargs: z.record(z.string(), z.unknown()),
});
export type TriggerSpecData = z.infer<typeof triggerSpecSchema>;

/** What a try that defers records (sent by the task process, so parsed at the edge). */
export const deferralSchema = z.object({
  trigger: triggerSpecSchema,
  /** "execute", or the name of one of the task's resume functions */
  method: z.string().min(1).max(1000),
  /** JSON handed to the resumed try, with the event */
  kwargs: z.record(z.string(), z.unknown()),
  /** the deferral fails unless the trigger fired this long after it deferred (null: never) */
  timeoutMs: z.number().int().min(0).nullable(),
  /** the task's executionTimeout, counted from the start of the try, caps the deferral */
  executionTimeoutMs: z.number().int().positive().nullable(),
});
export type Deferral = z.infer<typeof deferralSchema>;

/** What a resumed try gets back: the method to run and its kwargs, `event` among them. */
export interface ResumeState {
  method: string;
  kwargs: Record<string, unknown>;
  event: unknown;
}

/**
 * When a deferral fails, as Airflow: the deferral's own timeout, capped by the task's
 * executionTimeout counted from the start of the try (a deferred try does not stop its clock).
 */
export function deferralDeadline(input: {
  now: Date;
  timeoutMs: number | null;
  tryStartedAt: Date;
  executionTimeoutMs: number | null;
}): Date | null {
  const own = input.timeoutMs === null ? null : input.now.getTime() + input.timeoutMs;
  const execution =
    input.executionTimeoutMs === null ? null : input.tryStartedAt.getTime() + input.executionTimeoutMs;
  const candidates = [own, execution].filter((t): t is number => t !== null);
  return candidates.length === 0 ? null : new Date(Math.min(...candidates));
}

/** A task instance's next_kwargs (JSON text) as an object; {} when there are none. */
export function parseNextKwargs(json: string | null): Record<string, unknown> {
  if (!json) return {};
  const value: unknown = JSON.parse(json);
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}
