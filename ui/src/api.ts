/**
 * The UI's client of Gale's REST API: same-origin fetch with the login cookie, the CSRF header on
 * every change, problem+json errors as ApiError, and any 401 sent to the login page. The shapes
 * below are the parts of the API's responses (Airflow 3's) that the UI reads.
 */

export interface Dag {
  dag_id: string;
  is_paused: boolean;
  description: string | null;
  timetable_summary: string | null;
  tags: { name: string }[];
  owners: string[];
  next_dagrun_logical_date: string | null;
  next_dagrun_run_after: string | null;
}

export interface DagDetails extends Dag {
  catchup: boolean;
  start_date: string | null;
  end_date: string | null;
  timezone: string;
  doc_md: string | null;
  params: Record<string, unknown>;
}

export interface DagRun {
  dag_run_id: string;
  dag_id: string;
  logical_date: string;
  start_date: string | null;
  end_date: string | null;
  duration: number | null;
  run_type: string;
  state: string;
  conf: Record<string, unknown>;
}

export interface Task {
  task_id: string;
  operator_name: string;
  task_group_id: string | null;
  upstream_task_ids: string[];
}

export interface TaskInstance {
  task_id: string;
  dag_run_id: string;
  map_index: number;
  state: string | null;
  try_number: number;
  max_tries: number;
  start_date: string | null;
  end_date: string | null;
  duration: number | null;
  operator: string;
  hostname: string | null;
  error?: string | null;
}

export interface ImportError {
  import_error_id: number;
  filename: string;
  stack_trace: string;
  timestamp: string;
}

export interface LogChunk {
  content: string;
  continuation_token: string | null;
}

export interface Me {
  username: string;
  role: string;
  /** the DAGs the user may see (the API hides the others); absent from an older server */
  dag_access?: { dag_ids: string[] | null; dag_tags: string[] | null; is_unrestricted: boolean };
  /** what the role lets the user do on those DAGs; absent from an older server */
  permissions?: { can_edit_dags: boolean; can_manage_resources: boolean; is_admin: boolean };
}

/**
 * Whether the user may trigger, pause, clear and mark on the DAGs it sees (the UI hides those
 * actions otherwise; the API refuses them anyway). Unknown (not logged in yet): no.
 */
export function canEditDags(me: Me | null): boolean {
  if (!me) return false;
  return me.permissions?.can_edit_dags ?? ['User', 'Op', 'Admin'].includes(me.role);
}

/** An error answer of the API: its status and the problem's detail (what to fix). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly code: string | null,
  ) {
    super(detail);
  }

  /** a 404 because the server has no such route (an older server), not a missing object */
  get isNoRoute(): boolean {
    return this.status === 404 && this.code === 'GALE_ERR_NOT_FOUND' && this.detail.startsWith('No route');
  }
}

let onUnauthenticated: () => void = () => {};

/** What to do when a call answers 401 (the app sends the user to the login page). */
export function setUnauthenticatedHandler(handler: () => void): void {
  onUnauthenticated = handler;
}

function csrfToken(): string {
  const match = /(?:^|;\s*)gale_csrf=([^;]*)/.exec(document.cookie);
  return match?.[1] ? decodeURIComponent(match[1]) : '';
}

export async function request<T>(
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
  path: string,
  body?: unknown,
  signal?: AbortSignal,
): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET') headers['x-csrf-token'] = csrfToken();
  const response = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
    signal,
  });
  if (!response.ok) {
    let detail = `${response.status} ${response.statusText}`;
    let code: string | null = null;
    try {
      const problem = (await response.json()) as { detail?: string; code?: string };
      if (problem.detail) detail = problem.detail;
      code = problem.code ?? null;
    } catch {
      // not a problem+json body: keep the status line
    }
    // a failed login is the login form's to show; any other 401 means the session is gone
    if (response.status === 401 && !path.startsWith('/auth/')) onUnauthenticated();
    throw new ApiError(response.status, detail, code);
  }
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

export const get = <T>(path: string, signal?: AbortSignal) => request<T>('GET', path, undefined, signal);

/** `/api/v2/dags/<id>...` with each id escaped. */
export function dagPath(dagId: string, ...rest: string[]): string {
  return ['/api/v2/dags', dagId, ...rest]
    .map((part, i) => (i === 0 ? part : encodeURIComponent(part)))
    .join('/');
}

export function query(params: Record<string, string | number | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params))
    if (value !== undefined && value !== '') search.set(key, String(value));
  const text = search.toString();
  return text ? `?${text}` : '';
}
