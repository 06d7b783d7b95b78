/**
 * The serialized form of a DAG: what the DAG processor stores and the only thing the scheduler
 * reads. It is plain JSON, validated with zod whenever it crosses a process boundary, so the
 * scheduler never runs user code.
 */
import { z } from 'zod';
import { containerTaskSpecSchema } from './container-task.js';
import { mappingSpecSchema } from './mapping.js';
import { podOverrideSchema } from './pod-override.js';
import { TRIGGER_RULES } from './trigger-rules.js';

export const scheduleSpecSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('none') }),
  z.object({ type: z.literal('once') }),
  /** `dataIntervals: false` is Airflow 3's CronTriggerTimetable, `true` its CronDataIntervalTimetable */
  z.object({ type: z.literal('cron'), expression: z.string(), dataIntervals: z.boolean() }),
  z.object({ type: z.literal('delta'), ms: z.number().int().positive() }),
]);
export type ScheduleSpec = z.infer<typeof scheduleSpecSchema>;

export const argSpecSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('literal'), value: z.unknown() }),
  z.object({ type: z.literal('output'), taskId: z.string(), key: z.string() }),
]);
export type ArgSpec = z.infer<typeof argSpecSchema>;

export const FLOW_KINDS = ['branch', 'short_circuit', 'latest_only'] as const;
export type FlowKind = (typeof FLOW_KINDS)[number];

export const WEIGHT_RULES = ['downstream', 'upstream', 'absolute'] as const;
export type WeightRule = (typeof WEIGHT_RULES)[number];

export const serializedTaskSchema = z.object({
  taskId: z.string(),
  kind: z.enum(['function', 'shell', 'container']),
  upstream: z.array(z.string()),
  args: z.array(argSpecSchema),
  /** how the task steers the run: branch, short_circuit, latest_only, or null for none */
  flow: z.enum(['branch', 'short_circuit', 'latest_only']).nullable().default(null),
  /** the path of the innermost task group the task is in ("outer.inner"), or null */
  taskGroup: z.string().nullable().default(null),
  /** a mapped task's expand input and partial arguments (dynamic task mapping), or null */
  mapping: mappingSpecSchema.nullable().optional(),
  shell: z
    .object({
      command: z.string(),
      env: z.record(z.string(), z.string()).optional(),
      appendEnv: z.boolean(),
      cwd: z.string().optional(),
    })
    .optional(),
  /** a container task's (podTask) container */
  container: containerTaskSpecSchema.optional(),
  triggerRule: z.enum(TRIGGER_RULES),
  retries: z.number().int().min(0),
  retryDelayMs: z.number().int().min(0),
  retryExponentialBackoff: z.boolean(),
  maxRetryDelayMs: z.number().int().min(0).nullable(),
  executionTimeoutMs: z.number().int().positive().nullable(),
  pool: z.string(),
  poolSlots: z.number().int().positive(),
  priorityWeight: z.number().int(),
  weightRule: z.enum(WEIGHT_RULES),
  queue: z.string(),
  executor: z.string().nullable(),
  freshProcess: z.boolean().default(false),
  /** what the kubernetes executor changes in the pod of each try */
  podOverride: podOverrideSchema.nullable().optional(),
  owner: z.string(),
  doc: z.string().nullable(),
});
export type SerializedTask = z.infer<typeof serializedTaskSchema>;

export const serializedDagSchema = z.object({
  dagId: z.string(),
  fileloc: z.string(),
  description: z.string().nullable(),
  doc: z.string().nullable(),
  schedule: scheduleSpecSchema,
  scheduleText: z.string().nullable(),
  startDate: z.string().nullable(),
  endDate: z.string().nullable(),
  catchup: z.boolean(),
  timezone: z.string(),
  tags: z.array(z.string()),
  maxActiveRuns: z.number().int().positive(),
  maxActiveTasks: z.number().int().positive(),
  dagrunTimeoutMs: z.number().int().min(0).nullable().default(null),
  isPausedUponCreation: z.boolean().nullable(),
  /** which DAG-level callbacks the file defines (a DAG processor runs them) */
  callbacks: z
    .object({ onSuccess: z.boolean(), onFailure: z.boolean() })
    .default({ onSuccess: false, onFailure: false }),
  /** a deadline alert: runs unfinished `intervalMs` after their reference time get its callback */
  deadline: z
    .object({ reference: z.enum(['logical_date', 'queued_at']), intervalMs: z.number().int().min(0) })
    .nullable()
    .default(null),
  params: z.record(z.string(), z.unknown()),
  /** JSON Schemas of params defined with param(); a triggered run's conf must pass them */
  paramSchemas: z.record(z.string(), z.record(z.string(), z.unknown())).default({}),
  tasks: z.array(serializedTaskSchema),
});
export type SerializedDag = z.infer<typeof serializedDagSchema>;

/** What a DAG file's parse yields: the DAGs it defines, or the error that stopped it. */
export const parseResultSchema = z.object({
  dags: z.array(serializedDagSchema),
  error: z.object({ message: z.string(), stack: z.string() }).nullable(),
});
export type ParseResult = z.infer<typeof parseResultSchema>;

/**
 * Effective priority of every task under its weight rule, as Airflow computes it:
 * downstream = own weight plus all tasks downstream; upstream = own plus all upstream.
 */
export function effectivePriorities(tasks: readonly SerializedTask[]): Map<string, number> {
  const byId = new Map(tasks.map((t) => [t.taskId, t]));
  const downstream = new Map<string, string[]>(tasks.map((t) => [t.taskId, []]));
  for (const t of tasks) for (const u of t.upstream) downstream.get(u)?.push(t.taskId);
  const reach = (start: string, edges: (id: string) => readonly string[]): Set<string> => {
    const seen = new Set<string>();
    const stack = [...edges(start)];
    while (stack.length > 0) {
      const id = stack.pop()!;
      if (seen.has(id)) continue;
      seen.add(id);
      stack.push(...edges(id));
    }
    return seen;
  };
  const result = new Map<string, number>();
  for (const t of tasks) {
    if (t.weightRule === 'absolute') {
      result.set(t.taskId, t.priorityWeight);
      continue;
    }
    const edges =
      t.weightRule === 'downstream'
        ? (id: string) => downstream.get(id) ?? []
        : (id: string) => byId.get(id)?.upstream ?? [];
    let sum = t.priorityWeight;
    for (const id of reach(t.taskId, edges)) sum += byId.get(id)?.priorityWeight ?? 0;
    result.set(t.taskId, sum);
  }
  return result;
}
