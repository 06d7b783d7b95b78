/**
 * Everything a task process asks of the metadata database, as one interface: claim its try, read
 * its DAG run and upstream outputs, push outputs, heartbeat, record its end or its deferral. Two implementations:
 * the direct one (the local executor's task processes, which share the scheduler's machine and
 * settings) and the HTTP one (task processes on workers and in pods, which hold no database
 * credentials and speak to the API server's task execution API with a token scoped to their try).
 * A channel never decides an outcome: it carries what run-try decided.
 */
import type {
  ClaimedTry,
  Connection,
  DagRunRow,
  DatabaseSettings,
  RetryPolicy,
  TryOutcome,
} from '../db/index.js';
import type { AssetEventInfo, DagRunState, Deferral, OutletEvent } from '../models/index.js';
import type { TriggerDagRunRequest, TriggeredDagRun } from '../sdk/index.js';

/** The try a call is about: the fields of its workload that name it. */
export interface TryRef {
  tiId: string;
  tryNumber: number;
  dagId: string;
  runId: string;
  taskId: string;
  mapIndex: number;
}

export interface ClaimRequest {
  /** the queueing token the try was sent with */
  token: string;
  hostname: string;
  pid: number;
}

export interface SuccessReport {
  /** tasks a branch, short-circuit or latest-only task skips */
  skip: string[];
  /** the return value as JSON, already checked against core.max_output_size */
  outputJson: string | undefined;
  /** one event per outlet asset of the task, with the extra the task set */
  assetEvents?: OutletEvent[];
}

export interface FailureReport {
  error: string;
  retry: RetryPolicy;
  /** the try ends in this state whatever its retries (TaskSkipped, TaskFailed); null: retried while tries are left */
  terminal?: 'skipped' | 'failed' | null;
}

export interface XcomRef {
  taskId: string;
  mapIndex: number;
  key: string;
}

export interface TryChannel {
  /**
   * Takes the try (queued with this token -> running); null when it is not this process's to run.
   * A try resuming from a deferral gets back what it resumes with.
   */
  claim(t: TryRef, request: ClaimRequest): Promise<ClaimedTry | null>;
  /** The DAG run of the claimed try. */
  dagRun(t: TryRef): Promise<DagRunRow>;
  /** Whether the run is its DAG's latest scheduled one (Airflow's latest-only rule). */
  isLatestRun(t: TryRef): Promise<boolean>;
  /** An output of a task of the same run, as JSON; undefined when there is none. */
  getXcom(t: TryRef, ref: XcomRef): Promise<string | undefined>;
  /** The outputs of a mapped task of the same run, as JSON, in map index order (instances without one left out). */
  getMappedXcoms(t: TryRef, ref: Omit<XcomRef, 'mapIndex'>): Promise<string[]>;
  /** Pushes an output of the try's own task under a key. */
  setXcom(t: TryRef, key: string, json: string): Promise<void>;
  saveRenderedFields(t: TryRef, fields: Record<string, unknown>): Promise<void>;
  /** False when the try is no longer running (failed elsewhere, cleared). */
  heartbeat(t: Pick<TryRef, 'tiId' | 'tryNumber'>): Promise<boolean>;
  /** Records success once; false when the try had already ended. */
  succeed(t: TryRef, report: SuccessReport): Promise<boolean>;
  /** Records a failure (retry or failed); null when the try had already ended. */
  fail(t: Pick<TryRef, 'tiId' | 'tryNumber'>, report: FailureReport): Promise<TryOutcome | null>;
  /**
   * The try defers (running -> deferred, its trigger stored) and gives up its slot until the
   * trigger fires; false when it was no longer running (ended elsewhere).
   */
  defer(t: Pick<TryRef, 'tiId' | 'tryNumber'>, deferral: Deferral): Promise<boolean>;
  /** A variable's value, decrypted; undefined when there is none. */
  getVariable(t: TryRef, key: string): Promise<string | undefined>;
  /** A connection with its password, decrypted; undefined when there is none. */
  getConnection(t: TryRef, connId: string): Promise<Connection | undefined>;
  /** Creates a manual run of another DAG, its conf checked against that DAG's params (a triggerDagRun task). */
  triggerDagRun(t: TryRef, request: TriggerDagRunRequest): Promise<TriggeredDagRun>;
  /** The state of a run of any DAG; null when there is no such run (a triggerDagRun task waiting for its run). */
  dagRunState(t: TryRef, dagId: string, runId: string): Promise<DagRunState | null>;
  /** The asset events the try's run consumed (an asset-triggered run); [] for other runs. */
  triggeringAssetEvents(t: TryRef): Promise<AssetEventInfo[]>;
  close(): Promise<void>;
}

/**
 * How a task process reaches the metadata; what its watchdog thread needs to open its own channel.
 * Over HTTP, each try's token comes with the try.
 */
export type ChannelSettings =
  | {
      kind: 'db';
      database: DatabaseSettings;
      /** core.fernet_key (or standalone's key file): decrypts variables and connections */
      fernetKeys: string;
    }
  | { kind: 'http'; url: string };
