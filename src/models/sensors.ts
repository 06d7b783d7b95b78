/**
 * Terminology (as Airflow's BaseSensorOperator)
 * - sensor: a task that pokes (checks a condition) until it is true, then succeeds.
 * - poke mode: the try loops in its process between pokes, holding its worker and pool slot.
 * - reschedule mode: after a poke that is not done, the try ends its run as up_for_reschedule and
 *   frees its slot; the scheduler queues the same try (same try number) again at its reschedule
 *   date. A reschedule is carried as a deferral on RESCHEDULE_CLASSPATH, which no triggerer runs:
 *   the database turns it into up_for_reschedule with next_retry_at = the reschedule date.
 * - timeout: the sensor fails (without retry) when not done this long after its first poke,
 *   counted across reschedules; with softFail it is skipped instead.
 *
 * The pure part of sensors: poke intervals with exponential backoff, the timeout, and the kwargs
 * of the sensor triggers (HTTP poll, external task state). No I/O, no timers.
 */
import { z } from '#zod';

/** The pseudo-trigger a reschedule-mode sensor defers on: the scheduler, not a triggerer, wakes it. */
export const RESCHEDULE_CLASSPATH = 'gale.sensors.Reschedule';

/** The method a rescheduled try resumes with: the task function again (Airflow's execute). */
export const RESCHEDULE_EXECUTE = 'execute';

/** Its kwargs: when to poke again. */
export const rescheduleKwargs = z.object({ reschedule_date: z.string().datetime({ offset: true }) }).strict();

/** What a rescheduled sensor carries to its next poke (in next_kwargs). */
export const sensorProgress = z.object({
  /** when the first poke of the try started (ISO): its timeout counts from here */
  sensor_first_poke_at: z.string(),
  /** how many pokes were done */
  sensor_pokes: z.number().int().min(0),
});
export type SensorProgress = z.infer<typeof sensorProgress>;

export interface PokeIntervalInput {
  pokeIntervalMs: number;
  exponentialBackoff: boolean;
  /** upper bound of an interval with backoff (null: none) */
  maxWaitMs: number | null;
  timeoutMs: number;
  /** since the first poke */
  elapsedMs: number;
  /** pokes done so far, counting the one that just returned not done (1 after the first) */
  pokeCount: number;
  /** spreads the intervals of sensors that started together (as Airflow's hash of dag#task#start#count) */
  jitterKey: string;
}

function hash32(text: string): number {
  // FNV-1a: a stable spread, not a secret
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/**
 * The wait before the next poke, as Airflow's BaseSensorOperator._get_next_poke_interval: the
 * poke interval; with exponential backoff, between b and 2b where b = pokeInterval * 2^(pokes-2)
 * (at least 1 s), never past the timeout and never more than maxWait.
 */
export function nextPokeIntervalMs(input: PokeIntervalInput): number {
  if (!input.exponentialBackoff) return input.pokeIntervalMs;
  const min = Math.max(Math.floor(input.pokeIntervalMs * 2 ** (input.pokeCount - 2)), 1000);
  const spread = hash32(`${input.jitterKey}#${input.pokeCount}`) % min;
  let interval = Math.min(min + spread, Math.max(0, input.timeoutMs - input.elapsedMs));
  if (input.maxWaitMs !== null) interval = Math.min(interval, input.maxWaitMs);
  return interval;
}

/** Whether a sensor not done after `elapsedMs` since its first poke has timed out (as Airflow: strictly past). */
export function hasSensorTimedOut(elapsedMs: number, timeoutMs: number): boolean {
  return elapsedMs > timeoutMs;
}

export function sensorTimeoutMessage(timeoutMs: number): string {
  return `Sensor timed out: not done ${timeoutMs / 1000}s after its first poke (GALE_ERR_SENSOR_TIMEOUT)`;
}

/**
 * Fires when a GET (or other method) to `url` answers with a status in `statuses` (default: any
 * 2xx), looking every poke_interval_ms (Airflow's HttpSensorTrigger). Its event:
 * `{ status, body }` (the body as text, cut at 64 KiB).
 */
export const httpTriggerKwargs = z
  .object({
    url: z.string().url(),
    method: z.string().min(1).default('GET'),
    headers: z.record(z.string(), z.string()).default({}),
    body: z.string().nullable().default(null),
    statuses: z.array(z.number().int()).nullable().default(null),
    poke_interval_ms: z.number().int().min(10).default(5_000),
  })
  .strict();
export type HttpTriggerKwargs = z.infer<typeof httpTriggerKwargs>;
export interface HttpTriggerEvent {
  status: number;
  body: string;
}

/**
 * Fires when the task instances of another DAG's run for `logical_date` (or the run itself, when
 * `task_ids` is null) are all in `allowed_states`; fails when one is in `failed_states` (Airflow's
 * WorkflowTrigger, which reads the metadata database in the triggerer).
 */
export const externalTaskTriggerKwargs = z
  .object({
    external_dag_id: z.string().min(1),
    task_ids: z.array(z.string().min(1)).nullable(),
    logical_date: z.string().datetime({ offset: true }),
    allowed_states: z.array(z.string()).min(1),
    failed_states: z.array(z.string()).default([]),
    poke_interval_ms: z.number().int().min(10).default(5_000),
  })
  .strict();
export type ExternalTaskTriggerKwargs = z.infer<typeof externalTaskTriggerKwargs>;
export interface ExternalTaskTriggerEvent {
  externalDagId: string;
  /** the states seen: by task id, or of the run under "*" */
  states: Record<string, string>;
}

/**
 * What a look at the external task instances (or run, under "*") came to: failed when one is in
 * failedStates; done when each expected id has at least one and all of them are allowed (a mapped
 * task has several); else waiting.
 */
export function externalStatesVerdict(
  statesById: ReadonlyMap<string, readonly string[]>,
  expectedIds: readonly string[],
  allowed: readonly string[],
  failed: readonly string[],
): 'done' | 'failed' | 'waiting' {
  const all = [...statesById.values()].flat();
  if (all.some((s) => failed.includes(s))) return 'failed';
  const complete = expectedIds.every((id) => (statesById.get(id)?.length ?? 0) > 0);
  return complete && all.every((s) => allowed.includes(s)) ? 'done' : 'waiting';
}
