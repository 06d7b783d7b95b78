/**
 * Kysely table types of the metadata database. Column names follow Airflow's schema in
 * snake_case. Times are ISO 8601 UTC strings with milliseconds ("2026-01-01T00:00:00.000Z"),
 * which sort as text and read the same in SQLite and PostgreSQL; booleans are 0/1 integers.
 */
import type { Generated, Selectable } from '#kysely';
import type { DagRunState, DagRunType, ReprocessBehavior, TaskInstanceState } from '../models/index.js';

export interface DagTable {
  dag_id: string;
  is_paused: number;
  is_active: number;
  fileloc: string;
  owners: string;
  description: string | null;
  tags: string;
  schedule_text: string | null;
  max_active_runs: number;
  max_active_tasks: number;
  latest_version_hash: string;
  last_parsed_at: string;
  next_dagrun: string | null;
  next_dagrun_data_interval_start: string | null;
  next_dagrun_data_interval_end: string | null;
  next_dagrun_create_after: string | null;
  created_at: string;
}

export interface SerializedDagTable {
  id: Generated<number>;
  dag_id: string;
  version_hash: string;
  data: string;
  created_at: string;
}

export interface DagCodeTable {
  fileloc: string;
  source: string;
  source_hash: string;
  updated_at: string;
}

export interface DagRunTable {
  id: Generated<number>;
  dag_id: string;
  run_id: string;
  run_type: DagRunType;
  state: DagRunState;
  logical_date: string;
  data_interval_start: string;
  data_interval_end: string;
  run_after: string;
  conf: string;
  queued_at: string | null;
  start_date: string | null;
  end_date: string | null;
  dag_version_hash: string;
  created_at: string;
  /** the backfill the run belongs to now (migrations/0014); null for other runs */
  backfill_id: number | null;
}

export interface TaskInstanceTable {
  id: string;
  dag_id: string;
  run_id: string;
  task_id: string;
  map_index: number;
  try_number: number;
  max_tries: number;
  state: TaskInstanceState;
  operator: string;
  start_date: string | null;
  end_date: string | null;
  duration: number | null;
  hostname: string | null;
  pid: number | null;
  last_heartbeat_at: string | null;
  pool: string;
  pool_slots: number;
  priority_weight: number;
  queue: string;
  executor: string | null;
  queued_at: string | null;
  scheduled_at: string | null;
  next_retry_at: string | null;
  /** the token of the current queueing; only a process holding it may claim the try */
  external_executor_id: string | null;
  updated_at: string;
  /** the trigger a deferred try waits for */
  trigger_id: number | null;
  /** when a deferral that has not fired fails (ISO time), or null for never */
  trigger_timeout: string | null;
  /** what a resumed try runs: "execute" (the task function again) or a resume function's name */
  next_method: string | null;
  /** JSON object: the kwargs of defer(), with the trigger's `event` once it fired */
  next_kwargs: string | null;
}

export interface TaskInstanceHistoryTable {
  id: Generated<number>;
  ti_id: string;
  dag_id: string;
  run_id: string;
  task_id: string;
  map_index: number;
  try_number: number;
  state: TaskInstanceState;
  start_date: string | null;
  end_date: string | null;
  duration: number | null;
  hostname: string | null;
  pid: number | null;
  executor: string | null;
  error: string | null;
  recorded_at: string;
}

/**
 * The view task_instance_try (migration 0021): every ended try. The history's rows, and each task
 * instance whose latest try succeeded and is not in the history yet (error null, recorded_at its end).
 */
export type TaskInstanceTryView = Omit<TaskInstanceHistoryTable, 'id'>;

export interface XcomTable {
  id: Generated<number>;
  dag_id: string;
  run_id: string;
  task_id: string;
  map_index: number;
  key: string;
  value: string;
  created_at: string;
}

export interface SlotPoolTable {
  pool: string;
  slots: number;
  description: string;
  include_deferred: number;
}

export interface ImportErrorTable {
  id: Generated<number>;
  filename: string;
  message: string;
  stacktrace: string;
  timestamp: string;
}

export interface JobTable {
  id: Generated<number>;
  job_type: string;
  state: string;
  hostname: string;
  pid: number;
  start_date: string;
  latest_heartbeat: string;
  end_date: string | null;
}

export interface AuditLogTable {
  id: Generated<number>;
  dttm: string;
  event: string;
  dag_id: string | null;
  task_id: string | null;
  run_id: string | null;
  try_number: number | null;
  owner: string | null;
  extra: string | null;
}

export interface RenderedFieldsTable {
  id: Generated<number>;
  dag_id: string;
  run_id: string;
  task_id: string;
  map_index: number;
  try_number: number;
  /** JSON object: field name -> rendered value */
  rendered_fields: string;
  created_at: string;
}

export interface WorkerTable {
  id: Generated<number>;
  hostname: string;
  pid: number;
  /** JSON array of queue names */
  queues: string;
  concurrency: number;
  running: number;
  /** running | stopped */
  state: string;
  start_date: string;
  latest_heartbeat: string;
  end_date: string | null;
  /** where its log server answers (http://host:port); null for workers without one */
  log_server_url: string | null;
}

/** What a deferred try waits for (Airflow's trigger table); run by the triggerer that claimed it. */
export interface TriggerTable {
  id: Generated<number>;
  /** which built-in trigger: gale.triggers.DateTimeTrigger, ... */
  classpath: string;
  /** JSON object: the trigger's arguments */
  kwargs: string;
  created_date: string;
  /** the job id of the triggerer running it; null until one claims it */
  triggerer_id: number | null;
  /** a user-written trigger's DAG file, which defines it (or imports the module that does); null for built-in ones */
  fileloc: string | null;
}

export interface UserTable {
  id: Generated<number>;
  username: string;
  /** scrypt, see api/passwords.ts; never leaves the server */
  password_hash: string;
  /** Admin | Op | User | Viewer */
  role: string;
  email: string | null;
  is_active: number;
  failed_logins: number;
  created_at: string;
  last_login: string | null;
  /** JSON array: the DAG ids the user may see (with dag_tags); both null: every DAG (0018) */
  dag_ids: string | null;
  /** JSON array: the tags whose DAGs the user may see (with dag_ids) */
  dag_tags: string | null;
}

/** A variable; `val` is encrypted (db/encryption.ts). */
export interface VariableTable {
  key: string;
  val: string;
  description: string | null;
  updated_at: string;
}

/** A connection; `password` and `extra` are encrypted (db/encryption.ts). */
export interface ConnectionTable {
  conn_id: string;
  conn_type: string;
  description: string | null;
  host: string | null;
  schema: string | null;
  login: string | null;
  password: string | null;
  port: number | null;
  extra: string | null;
  updated_at: string;
}

/** A DAG-level callback to run (migrations/0013): pending → running → success | failed. */
export interface CallbackRequestTable {
  id: Generated<number>;
  /** on_success | on_failure | deadline */
  kind: string;
  dag_id: string;
  run_id: string;
  fileloc: string;
  reason: string | null;
  state: 'pending' | 'running' | 'success' | 'failed';
  attempts: Generated<number>;
  processor_id: number | null;
  claimed_at: string | null;
  created_at: string;
  finished_at: string | null;
  error: string | null;
}

/** A human-in-the-loop request of a task instance and its answer (migrations/0016, Airflow's hitl_detail). */
export interface HitlDetailTable {
  ti_id: string;
  dag_id: string;
  run_id: string;
  task_id: string;
  map_index: number;
  /** the try that asked */
  try_number: number;
  subject: string;
  body: string | null;
  /** JSON array of strings */
  options: string;
  multiple: number;
  /** JSON object: name -> { value, schema } */
  params: string;
  /** JSON array: the options chosen at the timeout, or null */
  defaults: string | null;
  /** JSON array of usernames, or null for anyone allowed to answer */
  assignees: string | null;
  created_at: string;
  timeout_at: string | null;
  /** JSON array, null until answered */
  chosen_options: string | null;
  /** JSON object, null until answered */
  params_input: string | null;
  /** the username who answered; null when unanswered or the default outcome was applied */
  responded_by: string | null;
  responded_at: string | null;
}

/** A backfill (migrations/0014, Airflow's backfill table); dates are ISO strings, booleans 0/1. */
export interface BackfillTable {
  id: Generated<number>;
  dag_id: string;
  from_date: string;
  to_date: string;
  /** JSON object given to every run it creates or clears; null: the runs keep their conf ({} when new) */
  dag_run_conf: string | null;
  /** 1: the scheduler starts none of its queued runs */
  is_paused: number;
  reprocess_behavior: ReprocessBehavior;
  max_active_runs: number;
  run_backwards: number;
  triggering_user_name: string | null;
  created_at: string;
  updated_at: string;
  /** when the scheduler created (or cleared) its runs; null until then */
  planned_at: string | null;
  /** when its last run finished, or when it was cancelled */
  completed_at: string | null;
}

/** One logical date of a backfill: its run, or why it was skipped (Airflow's backfill_dag_run). */
export interface BackfillDagRunTable {
  id: Generated<number>;
  backfill_id: number;
  dag_run_id: number | null;
  /** "in flight" | "already exists"; null when the backfill created or cleared the run */
  exception_reason: string | null;
  logical_date: string;
  /** the order in which the runs start, from 1 */
  sort_ordinal: number;
}

/** An asset (migrations/0015), as Airflow's asset table; `extra` is a JSON object. */
export interface AssetTable {
  id: Generated<number>;
  uri: string;
  name: string;
  group: string;
  extra: string;
  created_at: string;
  updated_at: string;
}

/** An update of an asset: by a task's successful try (source_*), or from outside (source_* null). */
export interface AssetEventTable {
  id: Generated<number>;
  asset_id: number;
  /** JSON object */
  extra: string;
  source_dag_id: string | null;
  source_task_id: string | null;
  source_run_id: string | null;
  source_map_index: number | null;
  timestamp: string;
}

/** A DAG scheduled on an asset. */
export interface DagScheduleAssetReferenceTable {
  asset_id: number;
  dag_id: string;
  created_at: string;
}

/** A task that updates an asset (its outlet). */
export interface TaskOutletAssetReferenceTable {
  asset_id: number;
  dag_id: string;
  task_id: string;
  created_at: string;
}

/** An event a DAG scheduled on its asset has not consumed yet. */
export interface AssetDagRunQueueTable {
  asset_event_id: number;
  asset_id: number;
  target_dag_id: string;
  created_at: string;
}

/** An event an asset-triggered run consumed. */
export interface DagRunAssetEventTable {
  dag_run_id: number;
  asset_event_id: number;
}

export interface Database {
  dag: DagTable;
  serialized_dag: SerializedDagTable;
  dag_code: DagCodeTable;
  dag_run: DagRunTable;
  task_instance: TaskInstanceTable;
  task_instance_history: TaskInstanceHistoryTable;
  /** a view: read only */
  task_instance_try: TaskInstanceTryView;
  xcom: XcomTable;
  slot_pool: SlotPoolTable;
  import_error: ImportErrorTable;
  job: JobTable;
  log: AuditLogTable;
  rendered_task_instance_fields: RenderedFieldsTable;
  worker: WorkerTable;
  gale_user: UserTable;
  trigger: TriggerTable;
  variable: VariableTable;
  connection: ConnectionTable;
  callback_request: CallbackRequestTable;
  backfill: BackfillTable;
  backfill_dag_run: BackfillDagRunTable;
  hitl_detail: HitlDetailTable;
  asset: AssetTable;
  asset_event: AssetEventTable;
  dag_schedule_asset_reference: DagScheduleAssetReferenceTable;
  task_outlet_asset_reference: TaskOutletAssetReferenceTable;
  asset_dag_run_queue: AssetDagRunQueueTable;
  dag_run_asset_event: DagRunAssetEventTable;
}

export type DagRow = Selectable<DagTable>;
export type DagRunRow = Selectable<DagRunTable>;
export type TaskInstanceRow = Selectable<TaskInstanceTable>;
export type PoolRow = Selectable<SlotPoolTable>;
export type ImportErrorRow = Selectable<ImportErrorTable>;
export type JobRow = Selectable<JobTable>;
export type WorkerRow = Selectable<WorkerTable>;
export type UserRow = Selectable<UserTable>;
export type TriggerRow = Selectable<TriggerTable>;
export type CallbackRequestRow = Selectable<CallbackRequestTable>;
export type BackfillRow = Selectable<BackfillTable>;
export type BackfillDagRunRow = Selectable<BackfillDagRunTable>;
export type HitlDetailRow = Selectable<HitlDetailTable>;
export type AssetRow = Selectable<AssetTable>;
export type AssetEventRow = Selectable<AssetEventTable>;
