/**
 * The channel of a warm task process whose executor records its try writes (claim, end, deferral):
 * those go to the executor over IPC, everything else to the database directly. When the executor
 * is gone (the scheduler crashed or stopped), writes go to the database directly too, and a write
 * that was sent but not answered is made again there: a claim made again by the same process gets
 * its claim back, and a second end is refused, so making one twice does no harm.
 */

import type { ClaimedTry, Connection, DagRunRow, TryOutcome } from '../db/index.js';
import type { TryWriteMethod, TryWriteReply, TryWriteRequest } from '../executors/index.js';
import type { AssetEventInfo, DagRunState, Deferral } from '../models/index.js';
import type { TriggerDagRunRequest, TriggeredDagRun } from '../sdk/index.js';
import type {
  ClaimRequest,
  FailureReport,
  SuccessReport,
  TryChannel,
  TryRef,
  XcomRef,
} from './try-channel.js';

interface Pending {
  method: TryWriteMethod;
  args: unknown[];
  resolve(value: unknown): void;
  reject(error: Error): void;
}

/** What the channel needs of its process: node's IPC (process.send and its events). */
export interface IpcEndpoint {
  readonly connected: boolean;
  send?(message: unknown, callback?: (error: Error | null) => void): boolean;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  on(event: 'disconnect', listener: () => void): unknown;
}

export class ExecutorTryChannel implements TryChannel {
  readonly #direct: TryChannel;
  readonly #ipc: IpcEndpoint;
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;

  constructor(direct: TryChannel, ipc: IpcEndpoint) {
    this.#direct = direct;
    this.#ipc = ipc;
    ipc.on('message', (message) => this.#answered(message as TryWriteReply));
    ipc.on('disconnect', () => {
      // the executor is gone: make what it did not answer directly
      for (const [id, p] of this.#pending) {
        this.#pending.delete(id);
        this.#writeDirect(p.method, p.args).then(p.resolve, p.reject);
      }
    });
  }

  #answered(reply: TryWriteReply): void {
    if (reply?.type !== 'written') return;
    const p = this.#pending.get(reply.id);
    if (!p) return;
    this.#pending.delete(reply.id);
    if (reply.ok) p.resolve(reply.value);
    else p.reject(new Error(reply.error));
  }

  #writeDirect(method: TryWriteMethod, args: unknown[]): Promise<unknown> {
    const fn = this.#direct[method] as (...a: unknown[]) => Promise<unknown>;
    return fn.apply(this.#direct, args);
  }

  #write<T>(method: TryWriteMethod, args: unknown[]): Promise<T> {
    if (!this.#ipc.connected || !this.#ipc.send) return this.#writeDirect(method, args) as Promise<T>;
    return new Promise<T>((resolve, reject) => {
      const id = this.#nextId++;
      this.#pending.set(id, { method, args, resolve: resolve as (v: unknown) => void, reject });
      const request: TryWriteRequest = { type: 'write', id, method, args };
      this.#ipc.send?.(request, (error) => {
        if (!error || !this.#pending.delete(id)) return;
        this.#writeDirect(method, args).then(resolve as (v: unknown) => void, reject);
      });
    });
  }

  claim(t: TryRef, request: ClaimRequest): Promise<ClaimedTry | null> {
    return this.#write('claim', [t, request]);
  }

  succeed(t: TryRef, report: SuccessReport): Promise<boolean> {
    return this.#write('succeed', [t, report]);
  }

  async fail(t: Pick<TryRef, 'tiId' | 'tryNumber'>, report: FailureReport): Promise<TryOutcome | null> {
    const outcome = await this.#write<TryOutcome | null>('fail', [t, report]);
    // answers come as JSON: a retry's time arrives as its ISO string
    if (outcome?.state === 'up_for_retry') return { ...outcome, nextRetryAt: new Date(outcome.nextRetryAt) };
    return outcome;
  }

  defer(t: Pick<TryRef, 'tiId' | 'tryNumber'>, deferral: Deferral): Promise<boolean> {
    return this.#write('defer', [t, deferral]);
  }

  dagRun(t: TryRef): Promise<DagRunRow> {
    return this.#direct.dagRun(t);
  }

  isLatestRun(t: TryRef): Promise<boolean> {
    return this.#direct.isLatestRun(t);
  }

  getXcom(t: TryRef, ref: XcomRef): Promise<string | undefined> {
    return this.#direct.getXcom(t, ref);
  }

  getMappedXcoms(t: TryRef, ref: Omit<XcomRef, 'mapIndex'>): Promise<string[]> {
    return this.#direct.getMappedXcoms(t, ref);
  }

  setXcom(t: TryRef, key: string, json: string): Promise<void> {
    return this.#direct.setXcom(t, key, json);
  }

  saveRenderedFields(t: TryRef, fields: Record<string, unknown>): Promise<void> {
    return this.#direct.saveRenderedFields(t, fields);
  }

  heartbeat(t: Pick<TryRef, 'tiId' | 'tryNumber'>): Promise<boolean> {
    return this.#direct.heartbeat(t);
  }

  getVariable(t: TryRef, key: string): Promise<string | undefined> {
    return this.#direct.getVariable(t, key);
  }

  getConnection(t: TryRef, connId: string): Promise<Connection | undefined> {
    return this.#direct.getConnection(t, connId);
  }

  triggerDagRun(t: TryRef, request: TriggerDagRunRequest): Promise<TriggeredDagRun> {
    return this.#direct.triggerDagRun(t, request);
  }

  dagRunState(t: TryRef, dagId: string, runId: string): Promise<DagRunState | null> {
    return this.#direct.dagRunState(t, dagId, runId);
  }

  triggeringAssetEvents(t: TryRef): Promise<AssetEventInfo[]> {
    return this.#direct.triggeringAssetEvents(t);
  }

  close(): Promise<void> {
    return this.#direct.close();
  }
}
