/**
 * Terminology
 * - DAG: a set of tasks and their dependencies, with a schedule.
 * - DAG run: one execution of a DAG for one logical date.
 * - task instance: one task in one DAG run; a try is one attempt to run it (try number 1, 2, ...).
 * - output (XCom): what a task returns, stored and handed to the tasks that take it as an argument.
 * - defer: a try hands a trigger to the triggerer and gives up its worker slot; when the trigger
 *   fires, the same try resumes in a new process (see triggers.ts).
 */
import type { AssetEventInfo, DagRunState } from '../models/index.js';
import type { Asset, OutletEventAccessor } from './assets.js';
import type { DeferOptions, TriggerSpec } from './triggers.js';

/** A run of another DAG to create (what triggerDagRun asks for). */
export interface TriggerDagRunRequest {
  dagId: string;
  /** default: manual__<logical date> */
  runId?: string;
  /** ISO 8601; default: now */
  logicalDate?: string;
  /** checked against the DAG's params, as `gale dags trigger --conf` */
  conf: Record<string, unknown>;
  /** when a run with this run id or logical date exists: fail, clear it (reset) or leave it (skip) */
  whenExists: 'fail' | 'reset' | 'skip';
}

/** The run a TriggerDagRunRequest made, cleared, or found. */
export interface TriggeredDagRun {
  runId: string;
  logicalDate: string;
  state: DagRunState;
  outcome: 'created' | 'reset' | 'exists';
}

/** A logger whose lines go to the try's log file, with a timestamp and level. */
export interface TaskLogger {
  debug(message: string, ...args: unknown[]): void;
  info(message: string, ...args: unknown[]): void;
  warn(message: string, ...args: unknown[]): void;
  error(message: string, ...args: unknown[]): void;
}

/** A connection as a task gets it (Airflow's Connection), its password included. */
export interface TaskConnection {
  connId: string;
  connType: string;
  host: string | null;
  schema: string | null;
  login: string | null;
  password: string | null;
  port: number | null;
  /** the extra JSON, parsed ({} when there is none) */
  extra: Record<string, unknown>;
  /** type://login:password@host:port/schema, percent-encoded, as Airflow's get_uri() */
  uri: string;
}

/** What every task function receives as its first argument. */
export interface TaskContext {
  dagId: string;
  runId: string;
  taskId: string;
  /** -1 unless the task is mapped */
  mapIndex: number;
  /** 1 for the first try, 2 for the first retry, ... */
  tryNumber: number;
  maxTries: number;
  logicalDate: Date;
  dataIntervalStart: Date;
  dataIntervalEnd: Date;
  /** the logical date as YYYY-MM-DD */
  ds: string;
  /** the logical date as YYYYMMDD */
  dsNodash: string;
  /** the logical date as an ISO 8601 timestamp */
  ts: string;
  /** the DAG's params, overridden by the run's conf where both name a key */
  params: Record<string, unknown>;
  /** the conf the run was triggered with ({} for scheduled runs) */
  conf: Record<string, unknown>;
  log: TaskLogger;
  /** aborted when the try is asked to stop (timeout, SIGTERM, marked failed elsewhere) */
  signal: AbortSignal;
  /**
   * An output of a task of this run (Airflow's ti.xcom_pull): its return value by default, or the
   * value it pushed under `key`; undefined when there is none.
   */
  xcomPull<T = unknown>(taskId: string, key?: string): Promise<T | undefined>;
  /** Stores a named output of this task (Airflow's ti.xcom_push); "return_value" is the return value's. */
  xcomPush(key: string, value: unknown): Promise<void>;
  /**
   * Defers the try (Airflow's self.defer): the triggerer waits for `trigger`, the worker slot is
   * freed, and when the trigger fires the same try resumes in a new process: the task function
   * again (`ctx.triggerEvent` set), or the task's `resume[options.method]` function. Never returns.
   */
  defer<E>(trigger: TriggerSpec<E>, options?: DeferOptions): never;
  /** On a try resumed after defer(): the event its trigger fired with; undefined otherwise. */
  triggerEvent: unknown;
  /** On a try resumed after defer(): the kwargs given to defer(); {} otherwise. */
  nextKwargs: Record<string, unknown>;
  /**
   * A variable's value (Airflow's Variable.get): `fallback` when it does not exist, else it
   * rejects with GALE_ERR_VARIABLE_NOT_FOUND. A value under a secret-looking key (password, token,
   * ...) is masked as *** in the try's log from then on.
   */
  variable(key: string, fallback?: string): Promise<string>;
  /** A variable's value parsed as JSON (Airflow's Variable.get(deserialize_json=True)). */
  variableJson<T = unknown>(key: string, fallback?: T): Promise<T>;
  /**
   * A connection (Airflow's BaseHook.get_connection); rejects with GALE_ERR_CONNECTION_NOT_FOUND
   * when there is none. Its password is masked as *** in the try's log from then on.
   */
  connection(connId: string): Promise<TaskConnection>;
  /**
   * The event this try emits for one of its task's outlets when it succeeds (Airflow's
   * outlet_events[asset]): set `.extra` to JSON data about this update. Throws for an asset
   * that is not an outlet of the task.
   */
  outletEvents(asset: Asset | string): OutletEventAccessor;
  /**
   * In an asset-triggered run: the events it consumed, by asset URI, oldest first (Airflow's
   * triggering_asset_events); {} in other runs.
   */
  triggeringAssetEvents: Record<string, AssetEventInfo[]>;
  /**
   * Renders a template as a shell task's command is rendered ({{ ds }}, {{ params.x }},
   * {{ dag_run.conf.y }}, {{ ti.xcom_pull('t') }}, {{ var.value.k }}...).
   */
  renderTemplate(template: string): Promise<string>;
  /** Creates a manual run of another DAG (what triggerDagRun does); rejects when its conf breaks the DAG's params. */
  triggerDagRun(request: TriggerDagRunRequest): Promise<TriggeredDagRun>;
  /** The state of a run of any DAG; null when there is no such run. */
  dagRunState(dagId: string, runId: string): Promise<DagRunState | null>;
}
