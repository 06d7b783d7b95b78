/**
 * The direct channel: a task process of the local executor reads and writes the metadata database
 * itself, with the scheduler's settings. The fastest path (no extra hop), kept for processes on the
 * scheduler's own machine; workers and pods use the HTTP channel instead.
 */
import {
  type ClaimedTry,
  type Connection,
  claimTry,
  type DagRunRow,
  deferTry,
  failTry,
  type GaleDb,
  getConnection,
  getDagRun,
  getVariable,
  getXcom,
  heartbeatTry,
  listMappedXcoms,
  recordTrySuccess,
  requireDagRun,
  type SecretBox,
  SerializedDagCache,
  saveRenderedFields,
  setXcom,
  type TryOutcome,
  triggeringAssetEvents,
} from '../db/index.js';
import type { AssetEventInfo, DagRunState, Deferral } from '../models/index.js';
import type { TriggerDagRunRequest, TriggeredDagRun } from '../sdk/index.js';
import { isLatestRun } from './latest-only.js';
import { triggerForTask } from './task-dag-runs.js';
import type {
  ClaimRequest,
  FailureReport,
  SuccessReport,
  TryChannel,
  TryRef,
  XcomRef,
} from './try-channel.js';

export class DbTryChannel implements TryChannel {
  readonly #gdb: GaleDb;
  readonly #ownsDb: boolean;
  readonly #cache = new SerializedDagCache();
  readonly #secrets: SecretBox;

  /** `secrets` decrypts variables and connections; `ownsDb`: close the database with the channel. */
  constructor(gdb: GaleDb, secrets: SecretBox, ownsDb = false) {
    this.#gdb = gdb;
    this.#secrets = secrets;
    this.#ownsDb = ownsDb;
  }

  async getVariable(_t: TryRef, key: string): Promise<string | undefined> {
    return (await getVariable(this.#gdb.db, this.#secrets, key))?.value;
  }

  getConnection(_t: TryRef, connId: string): Promise<Connection | undefined> {
    return getConnection(this.#gdb.db, this.#secrets, connId);
  }

  claim(t: TryRef, request: ClaimRequest): Promise<ClaimedTry | null> {
    return claimTry(this.#gdb.db, {
      tiId: t.tiId,
      tryNumber: t.tryNumber,
      token: request.token,
      hostname: request.hostname,
      pid: request.pid,
      now: new Date(),
    });
  }

  dagRun(t: TryRef): Promise<DagRunRow> {
    return requireDagRun(this.#gdb.db, t.dagId, t.runId);
  }

  async isLatestRun(t: TryRef): Promise<boolean> {
    return isLatestRun(this.#gdb.db, await this.dagRun(t), this.#cache);
  }

  getXcom(t: TryRef, ref: XcomRef): Promise<string | undefined> {
    return getXcom(this.#gdb.db, { dagId: t.dagId, runId: t.runId, ...ref });
  }

  getMappedXcoms(t: TryRef, ref: Omit<XcomRef, 'mapIndex'>): Promise<string[]> {
    return listMappedXcoms(this.#gdb.db, { dagId: t.dagId, runId: t.runId, ...ref });
  }

  setXcom(t: TryRef, key: string, json: string): Promise<void> {
    return setXcom(
      this.#gdb.db,
      { dagId: t.dagId, runId: t.runId, taskId: t.taskId, mapIndex: t.mapIndex, key },
      json,
      new Date(),
    );
  }

  saveRenderedFields(t: TryRef, fields: Record<string, unknown>): Promise<void> {
    return saveRenderedFields(this.#gdb.db, t, fields, new Date());
  }

  heartbeat(t: Pick<TryRef, 'tiId' | 'tryNumber'>): Promise<boolean> {
    return heartbeatTry(this.#gdb.db, { tiId: t.tiId, tryNumber: t.tryNumber, now: new Date() });
  }

  succeed(t: TryRef, report: SuccessReport): Promise<boolean> {
    return recordTrySuccess(this.#gdb.db, { ...t, ...report, now: new Date() });
  }

  fail(t: Pick<TryRef, 'tiId' | 'tryNumber'>, report: FailureReport): Promise<TryOutcome | null> {
    return failTry(this.#gdb.db, {
      tiId: t.tiId,
      tryNumber: t.tryNumber,
      error: report.error,
      retry: report.retry,
      terminal: report.terminal ?? null,
      now: new Date(),
    });
  }

  defer(t: Pick<TryRef, 'tiId' | 'tryNumber'>, deferral: Deferral): Promise<boolean> {
    return deferTry(this.#gdb.db, { tiId: t.tiId, tryNumber: t.tryNumber, deferral, now: new Date() });
  }

  triggerDagRun(_t: TryRef, request: TriggerDagRunRequest): Promise<TriggeredDagRun> {
    return triggerForTask(this.#gdb.db, this.#cache, request, new Date());
  }

  async dagRunState(_t: TryRef, dagId: string, runId: string): Promise<DagRunState | null> {
    return (await getDagRun(this.#gdb.db, dagId, runId))?.state ?? null;
  }

  triggeringAssetEvents(t: TryRef): Promise<AssetEventInfo[]> {
    return triggeringAssetEvents(this.#gdb.db, t.dagId, t.runId);
  }

  async close(): Promise<void> {
    if (this.#ownsDb) await this.#gdb.close();
  }
}
