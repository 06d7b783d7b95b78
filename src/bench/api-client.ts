/**
 * The few REST API calls the benchmark makes (README "REST API"): a bearer token for a user made
 * with `gale users create --password-stdin`, triggering runs and pausing DAGs. Loopback only.
 */

export interface TriggeredRun {
  dag_id: string;
  dag_run_id: string;
}

export class GaleApi {
  private constructor(
    readonly baseUrl: string,
    readonly token: string,
  ) {}

  /** Logs in with POST /auth/token (rate-limited by the server: log in once, reuse the token). */
  static async login(baseUrl: string, username: string, password: string): Promise<GaleApi> {
    const response = await fetch(`${baseUrl}/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password }),
    });
    if (!response.ok) {
      throw new Error(`bench: POST /auth/token answered ${response.status}: ${await response.text()}`);
    }
    const body = (await response.json()) as { access_token: string };
    return new GaleApi(baseUrl, body.access_token);
  }

  get authorization(): string {
    return `Bearer ${this.token}`;
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        authorization: this.authorization,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (!response.ok) {
      throw new Error(`bench: ${method} ${path} answered ${response.status}: ${await response.text()}`);
    }
    return (await response.json()) as T;
  }

  /** A manual run at `logicalDate` (distinct per run: two runs of a DAG cannot share one). */
  async trigger(dagId: string, logicalDate: Date, conf: Record<string, unknown> = {}): Promise<string> {
    const run = await this.request<TriggeredRun>(
      'POST',
      `/api/v2/dags/${encodeURIComponent(dagId)}/dagRuns`,
      {
        logical_date: logicalDate.toISOString(),
        conf,
      },
    );
    return run.dag_run_id;
  }

  async setPaused(dagId: string, isPaused: boolean): Promise<void> {
    await this.request('PATCH', `/api/v2/dags/${encodeURIComponent(dagId)}`, { is_paused: isPaused });
  }
}

/**
 * Distinct logical dates for a burst of manual runs: the last `count` milliseconds before now, so
 * that no run waits for its date and bursts a few seconds apart never share one.
 */
export function burstDates(count: number): Date[] {
  const start = Date.now() - count;
  return Array.from({ length: count }, (_, i) => new Date(start + i));
}
