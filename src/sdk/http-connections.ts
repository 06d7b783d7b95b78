/**
 * HTTP requests to a connection, for httpSensor and httpRequest: the base URL as Airflow's HttpHook
 * builds it (host with its scheme, else schema://host, then :port), the connection's extra as
 * headers, its login and password as basic auth (never logged).
 */
import type { TaskConnection } from './context.js';

/** What a request says besides its connection. */
export interface HttpRequestOptions {
  /** the path after the connection's base URL */
  endpoint: string;
  /** default GET */
  method?: string;
  /** the request body: text, or an object sent as JSON */
  data?: string | Record<string, unknown> | null;
  headers?: Record<string, string>;
}

/** The response a responseCheck gets. */
export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  text: string;
  json<T = unknown>(): T;
}

/** As Airflow's HttpHook: the host as given when it has a scheme, else schema (default http)://host, then :port. */
export function connectionBaseUrl(conn: TaskConnection): string {
  const host = conn.host ?? '';
  let base = host.includes('://') ? host : `${conn.schema || 'http'}://${host}`;
  if (conn.port) base += `:${conn.port}`;
  return base;
}

export function joinUrl(base: string, endpoint: string): string {
  if (!endpoint) return base;
  return base.endsWith('/') || endpoint.startsWith('/') ? `${base}${endpoint}` : `${base}/${endpoint}`;
}

export function requestOf(options: HttpRequestOptions, conn: TaskConnection) {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(conn.extra)) if (typeof v === 'string') headers[k] = v;
  Object.assign(headers, options.headers ?? {});
  let body: string | null = null;
  if (typeof options.data === 'string') body = options.data;
  else if (options.data) {
    body = JSON.stringify(options.data);
    headers['content-type'] ??= 'application/json';
  }
  return {
    url: joinUrl(connectionBaseUrl(conn), options.endpoint),
    method: options.method ?? 'GET',
    headers,
    body,
  };
}

export function responseOf(status: number, text: string, headers: Record<string, string> = {}): HttpResponse {
  return { status, headers, text, json: <T>() => JSON.parse(text) as T };
}

/** The connection's login and password as a basic authorization header (none without a login). */
export function basicAuth(conn: TaskConnection): Record<string, string> {
  if (conn.login === null) return {};
  return { authorization: `Basic ${Buffer.from(`${conn.login}:${conn.password ?? ''}`).toString('base64')}` };
}
