/**
 * Kysely table types of the metadata database. Column names follow Airflow's schema in
 * snake_case. Times are ISO 8601 UTC strings with milliseconds ("2026-01-01T00:00:00.000Z"),
 * which sort as text and read the same in SQLite and PostgreSQL; booleans are 0/1 integers.
 */
import type { Generated, Selectable } from 'kysely';
import type { DagRunState, DagRunType, TaskInstanceState } from '../models/index.js';

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

export interface Database {
  dag: DagTable;
  serialized_dag: SerializedDagTable;
  dag_code: DagCodeTable;
  dag_run: DagRunTable;
  task_instance: TaskInstanceTable;
  task_instance_history: TaskInstanceHistoryTable;
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
