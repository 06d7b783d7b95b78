/**
 * The HTTP channel: a task process on a worker or in a pod reaches the metadata only through the
 * API server's task execution API (/execution/v1), with a token scoped to its try. The API renews
 * the token on heartbeats (header `Gale-Refreshed-Token`), so a long try never outlives it. Calls
 * are retried while the API server cannot be reached at all (a restart, a rolling update), for up
 * to `retryForMs`; any answer, even an error, is final.
 */
import type { ClaimedTry, Connection, DagRunRow, TryOutcome } from '../db/index.js';
import {
  type AssetEventInfo,
  type DagRunState,
  type Deferral,
  GaleError,
  type ResumeState,
} from '../models/index.js';
import type { TriggerDagRunRequest, TriggeredDagRun } from '../sdk/index.js';
import type {
  ClaimRequest,
  FailureReport,
  SuccessReport,
  TryChannel,
  TryRef,
  XcomRef,
} from './try-channel.js';

export const REFRESHED_TOKEN_HEADER = 'gale-refreshed-token';
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

export interface HttpTryChannelOptions {
  /** the API server's base URL, e.g. http://gale-api:8080 */
  url: string;
  /** how long to keep trying while the API server is unreachable */
  retryForMs?: number;
  /** told whenever the API hands out a renewed token */
  onToken?: (token: string) => void;
}

function unreachable(error: unknown): boolean {
  const code = (error as { cause?: { code?: string } }).cause?.code;
  return code !== undefined && UNREACHABLE.has(code);
}

export class HttpTryChannel implements TryChannel {
  readonly #base: string;
  readonly #retryForMs: number;
  readonly #onToken: ((token: string) => void) | undefined;
  #token: string | null = null;

  constructor(options: HttpTryChannelOptions) {
    this.#base = `${options.url.replace(/\/+$/, '')}/execution/v1`;
    this.#retryForMs = options.retryForMs ?? 60_000;
    this.#onToken = options.onToken;
  }

  /** The token of the try this process runs now (from the worker, or renewed by the API). */
  setToken(token: string): void {
    this.#token = token;
  }

  async #call<T>(method: string, path: string, body?: unknown): Promise<{ status: number; json: T }> {
    if (!this.#token) throw new GaleError('GALE_ERR_EXECUTION_API', 'No task execution token for this try');
    const deadline = Date.now() + this.#retryForMs;
    for (let delay = 250; ; delay = Math.min(delay * 2, 4_000)) {
      let response: Response;
      try {
        response = await fetch(`${this.#base}${path}`, {
          method,
          headers: {
            authorization: `Bearer ${this.#token}`,
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(60_000),
        });
      } catch (error) {
        if (unreachable(error) && Date.now() + delay < deadline) {
          await new Promise((r) => setTimeout(r, delay));
          continue;
        }
        throw new GaleError(
          'GALE_ERR_EXECUTION_API',
          `Cannot reach the task execution API at ${this.#base}`,
          {
            hint: 'Check execution_api.url on the worker and that the API server is running and reachable from it.',
            cause: error,
          },
        );
      }
      const refreshed = response.headers.get(REFRESHED_TOKEN_HEADER);
      if (refreshed) {
        this.#token = refreshed;
        this.#onToken?.(refreshed);
      }
      const text = await response.text();
      const json = (text ? JSON.parse(text) : null) as T;
      if (response.status >= 400 && response.status !== 404) {
        const problem = json as { title?: string; detail?: string } | null;
        throw new GaleError(
          'GALE_ERR_EXECUTION_API',
          `${method} ${path}: HTTP ${response.status} ${problem?.detail ?? problem?.title ?? ''}`.trim(),
        );
      }
      return { status: response.status, json };
    }
  }

  async claim(t: TryRef, request: ClaimRequest): Promise<ClaimedTry | null> {
    const { json } = await this.#call<{
      claimed: boolean;
      max_tries: number | null;
      start_date: string | null;
      resume: ResumeState | null;
    }>('POST', `/task-instances/${t.tiId}/claim`, {
      try_number: t.tryNumber,
      token: request.token,
      hostname: request.hostname,
      pid: request.pid,
    });
    if (!json.claimed || json.max_tries === null) return null;
    return {
      maxTries: json.max_tries,
      startDate: json.start_date ?? new Date().toISOString(),
      resume: json.resume ?? null,
    };
  }

  async dagRun(t: TryRef): Promise<DagRunRow> {
    return (await this.#call<DagRunRow>('GET', `/task-instances/${t.tiId}/dag-run`)).json;
  }

  async triggeringAssetEvents(t: TryRef): Promise<AssetEventInfo[]> {
    const path = `/task-instances/${t.tiId}/dag-run/triggering-asset-events`;
    return (await this.#call<{ events: AssetEventInfo[] }>('GET', path)).json.events;
  }

  async isLatestRun(t: TryRef): Promise<boolean> {
    return (await this.#call<{ is_latest: boolean }>('GET', `/task-instances/${t.tiId}/dag-run/is-latest`))
      .json.is_latest;
  }

  async getXcom(t: TryRef, ref: XcomRef): Promise<string | undefined> {
    const path = `/task-instances/${t.tiId}/xcoms/${encodeURIComponent(ref.taskId)}/${encodeURIComponent(ref.key)}?map_index=${ref.mapIndex}`;
    const { status, json } = await this.#call<{ value: string }>('GET', path);
    return status === 404 ? undefined : json.value;
  }

  async getMappedXcoms(t: TryRef, ref: Omit<XcomRef, 'mapIndex'>): Promise<string[]> {
    const path = `/task-instances/${t.tiId}/mapped-xcoms/${encodeURIComponent(ref.taskId)}/${encodeURIComponent(ref.key)}`;
    return (await this.#call<{ values: string[] }>('GET', path)).json.values;
  }

  async setXcom(t: TryRef, key: string, json: string): Promise<void> {
    await this.#call('PUT', `/task-instances/${t.tiId}/xcoms/${encodeURIComponent(key)}`, {
      try_number: t.tryNumber,
      value: json,
    });
  }

  async saveRenderedFields(t: TryRef, fields: Record<string, unknown>): Promise<void> {
    await this.#call('PUT', `/task-instances/${t.tiId}/rendered-fields`, { try_number: t.tryNumber, fields });
  }

  async heartbeat(t: Pick<TryRef, 'tiId' | 'tryNumber'>): Promise<boolean> {
    const { json } = await this.#call<{ running: boolean }>('POST', `/task-instances/${t.tiId}/heartbeat`, {
      try_number: t.tryNumber,
    });
    return json.running;
  }

  async succeed(t: TryRef, report: SuccessReport): Promise<boolean> {
    const { json } = await this.#call<{ recorded: boolean }>('POST', `/task-instances/${t.tiId}/success`, {
      try_number: t.tryNumber,
      skip: report.skip,
      output: report.outputJson ?? null,
      outlet_events: report.assetEvents ?? [],
    });
    return json.recorded;
  }

  async fail(t: Pick<TryRef, 'tiId' | 'tryNumber'>, report: FailureReport): Promise<TryOutcome | null> {
    const { json } = await this.#call<{
      state: 'up_for_retry' | 'failed' | 'skipped' | null;
      next_retry_at: string | null;
    }>('POST', `/task-instances/${t.tiId}/failure`, {
      try_number: t.tryNumber,
      error: report.error,
      terminal: report.terminal ?? null,
      retry: {
        retry_delay_ms: report.retry.retryDelayMs,
        retry_exponential_backoff: report.retry.retryExponentialBackoff,
        max_retry_delay_ms: report.retry.maxRetryDelayMs,
      },
    });
    if (json.state === 'up_for_retry')
      return {
        state: 'up_for_retry',
        error: report.error,
        nextRetryAt: new Date(json.next_retry_at ?? Date.now()),
      };
    if (json.state === 'failed') return { state: 'failed', error: report.error };
    if (json.state === 'skipped') return { state: 'skipped' };
    return null;
  }

  async defer(t: Pick<TryRef, 'tiId' | 'tryNumber'>, deferral: Deferral): Promise<boolean> {
    const { json } = await this.#call<{ deferred: boolean }>('POST', `/task-instances/${t.tiId}/defer`, {
      try_number: t.tryNumber,
      trigger: deferral.trigger,
      method: deferral.method,
      kwargs: deferral.kwargs,
      timeout_ms: deferral.timeoutMs,
      execution_timeout_ms: deferral.executionTimeoutMs,
    });
    return json.deferred;
  }

  async getVariable(_t: TryRef, key: string): Promise<string | undefined> {
    const { status, json } = await this.#call<{ value: string }>(
      'GET',
      `/variables/${encodeURIComponent(key)}`,
    );
    return status === 404 ? undefined : json.value;
  }

  async getConnection(_t: TryRef, connId: string): Promise<Connection | undefined> {
    const { status, json } = await this.#call<Connection>(
      'GET',
      `/connections/${encodeURIComponent(connId)}`,
    );
    return status === 404 ? undefined : json;
  }

  async triggerDagRun(t: TryRef, request: TriggerDagRunRequest): Promise<TriggeredDagRun> {
    const { json } = await this.#call<{
      run_id: string;
      logical_date: string;
      state: DagRunState;
      outcome: TriggeredDagRun['outcome'];
    }>('POST', `/task-instances/${t.tiId}/dag-runs`, {
      try_number: t.tryNumber,
      dag_id: request.dagId,
      run_id: request.runId ?? null,
      logical_date: request.logicalDate ?? null,
      conf: request.conf,
      when_exists: request.whenExists,
    });
    return { runId: json.run_id, logicalDate: json.logical_date, state: json.state, outcome: json.outcome };
  }

  async dagRunState(t: TryRef, dagId: string, runId: string): Promise<DagRunState | null> {
    const path = `/task-instances/${t.tiId}/dag-runs/${encodeURIComponent(dagId)}/${encodeURIComponent(runId)}/state`;
    const { status, json } = await this.#call<{ state: DagRunState }>('GET', path);
    return status === 404 ? null : json.state;
  }

  async close(): Promise<void> {
    this.#token = null;
  }
}
