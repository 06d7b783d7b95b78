/**
 * The serialized form of a DAG: what the DAG processor stores and the only thing the scheduler
 * reads. It is plain JSON, validated with zod whenever it crosses a process boundary, so the
 * scheduler never runs user code.
 */
import { z } from '#zod';
import { assetConditionSchema, assetRefSchema } from './assets.js';
import { containerTaskSpecSchema } from './container-task.js';
import { mappingSpecSchema } from './mapping.js';
import { podOverrideSchema } from './pod-override.js';
import { flatRelatives, taskGraph } from './setup-teardown.js';
import { TRIGGER_RULES } from './trigger-rules.js';

const timeScheduleSpecs = [
  z.object({ type: z.literal('none') }),
  z.object({ type: z.literal('once') }),
  /** `dataIntervals: false` is Airflow 3's CronTriggerTimetable, `true` its CronDataIntervalTimetable */
  z.object({
    type: z.literal('cron'),
    expression: z.string(),
    dataIntervals: z.boolean(),
    /** the time zone the expression is read in; absent: the DAG's */
    timezone: z.string().optional(),
  }),
  /** Airflow's DeltaDataIntervalTimetable: fixed-size intervals from startDate */
  z.object({ type: z.literal('delta'), ms: z.number().int().positive() }),
  /** Airflow's EventsTimetable: a run at each of these times (ISO, sorted), empty data intervals */
  z.object({ type: z.literal('events'), dates: z.array(z.string()) }),
] as const;

/** A schedule by time only: what assetOrTime() combines with assets. */
export const timeScheduleSpecSchema = z.discriminatedUnion('type', [...timeScheduleSpecs]);
export type TimeScheduleSpec = z.infer<typeof timeScheduleSpecSchema>;

export const scheduleSpecSchema = z.discriminatedUnion('type', [
  ...timeScheduleSpecs,
  /** runs when the asset condition is met by queued asset events (asset-triggered runs) */
  z.object({ type: z.literal('assets'), condition: assetConditionSchema }),
  /** Airflow's AssetOrTimeSchedule: runs by the timetable, and also when the condition is met */
  z.object({
    type: z.literal('asset_or_time'),
    condition: assetConditionSchema,
    timetable: timeScheduleSpecSchema,
  }),
]);
export type ScheduleSpec = z.infer<typeof scheduleSpecSchema>;

export const argSpecSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('literal'), value: z.unknown() }),
  z.object({ type: z.literal('output'), taskId: z.string(), key: z.string() }),
]);
export type ArgSpec = z.infer<typeof argSpecSchema>;

/** approval and hitl_branch: human-in-the-loop tasks (sdk/hitl.ts) that steer by the human's answer */
export const FLOW_KINDS = ['branch', 'short_circuit', 'latest_only', 'approval', 'hitl_branch'] as const;
export type FlowKind = (typeof FLOW_KINDS)[number];

export const WEIGHT_RULES = ['downstream', 'upstream', 'absolute'] as const;
export type WeightRule = (typeof WEIGHT_RULES)[number];

export const serializedTaskSchema = z.object({
  taskId: z.string(),
  kind: z.enum(['function', 'shell', 'container']),
  upstream: z.array(z.string()),
  args: z.array(argSpecSchema),
  /** how the task steers the run: branch, short_circuit, latest_only, approval, hitl_branch, or null for none */
  flow: z.enum(FLOW_KINDS).nullable().default(null),
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
  /** a setup task (Airflow's is_setup): its teardowns run when it succeeded */
  isSetup: z.boolean().default(false),
  /** a teardown task (Airflow's is_teardown): left out of the run's state unless onFailureFailDagrun */
  isTeardown: z.boolean().default(false),
  onFailureFailDagrun: z.boolean().default(false),
  /** runs only when its instance in the previous run (by logical date) succeeded or was skipped */
  dependsOnPast: z.boolean().default(false),
  /** and the previous run's instances of its immediate downstream tasks too */
  waitForDownstream: z.boolean().default(false),
  /** queued and running instances of the task across all runs; null for no limit */
  maxActiveTisPerDag: z.number().int().positive().nullable().default(null),
  /** queued and running instances of the task in one run; null for no limit */
  maxActiveTisPerDagrun: z.number().int().positive().nullable().default(null),
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
  /** the assets a successful try emits an event for (Airflow's outlets) */
  outlets: z.array(assetRefSchema).optional(),
});
export type SerializedTask = z.infer<typeof serializedTaskSchema>;

export const serializedDagSchema = z.object({
  dagId: z.string(),
  fileloc: z.string(),
  description: z.string().nullable(),
  doc: z.string().nullable(),
  schedule: scheduleSpecSchema,
  scheduleText: z.string().nullable(),
  /** the assets the schedule names, with their names, groups and extras */
  scheduleAssets: z.array(assetRefSchema).optional(),
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
  const graph = taskGraph(tasks);
  const result = new Map<string, number>();
  for (const t of tasks) {
    if (t.weightRule === 'absolute') {
      result.set(t.taskId, t.priorityWeight);
      continue;
    }
    let sum = t.priorityWeight;
    for (const id of flatRelatives(graph, t.taskId, t.weightRule))
      sum += graph.byId.get(id)?.priorityWeight ?? 0;
    result.set(t.taskId, sum);
  }
  return result;
}
