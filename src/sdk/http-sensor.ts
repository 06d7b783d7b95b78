/**
 * httpSensor (Airflow's HttpSensor): asks an HTTP endpoint of a connection until it answers 2xx
 * and, when given, `responseCheck` accepts the response. In poke or reschedule mode the task
 * process asks; with `deferrable: true` the triggerer asks (an HttpTrigger) and the task holds no
 * slot meanwhile. Its output is `{ status, body }` (the body as text, cut at 64 KiB).
 */
import type { HttpTriggerEvent } from '../models/index.js';
import { GaleError } from '../models/index.js';
import type { TaskConnection, TaskContext } from './context.js';
import { type TaskRef, task } from './dag.js';
import { compileSensorOptions, pokeUntilDone, type SensorOptions } from './sensors.js';
import { httpTrigger } from './triggers.js';

/** The response a responseCheck gets. */
export interface HttpSensorResponse {
  status: number;
  headers: Record<string, string>;
  text: string;
  json<T = unknown>(): T;
}

export type HttpSensorOptions = SensorOptions & {
  /** the connection whose host (and schema as scheme, port, login, extra as headers) is used (default "http_default") */
  httpConnId?: string;
  /** the path after the connection's base URL */
  endpoint: string;
  /** default GET */
  method?: string;
  /** the request body: text, or an object sent as JSON */
  data?: string | Record<string, unknown> | null;
  headers?: Record<string, string>;
  /** whether a 2xx response means done (default: it does) */
  responseCheck?: (response: HttpSensorResponse, ctx: TaskContext) => boolean | Promise<boolean>;
  /** wait in the triggerer instead of the task process, for a 2xx answer (default false; not with responseCheck, softFail or mode "reschedule") */
  deferrable?: boolean;
};

const MAX_BODY = 64 * 1024;
const HTTP_KEYS = ['httpConnId', 'endpoint', 'method', 'data', 'headers', 'responseCheck', 'deferrable'];

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

function requestOf(options: HttpSensorOptions, conn: TaskConnection) {
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

function responseOf(status: number, text: string, headers: Record<string, string> = {}): HttpSensorResponse {
  return { status, headers, text, json: <T>() => JSON.parse(text) as T };
}

export function httpSensor(options: HttpSensorOptions): TaskRef<HttpTriggerEvent | null> {
  const { httpConnId = 'http_default', responseCheck, deferrable } = options;
  const { settings, taskOptions } = compileSensorOptions(options, HTTP_KEYS);
  const where = `httpSensor "${options.taskId}"`;
  // the triggerer runs no DAG code (no responseCheck) and fails the task on its timeout (no softFail)
  const clash = settings.softFail
    ? 'softFail'
    : settings.mode === 'reschedule'
      ? 'mode "reschedule"'
      : responseCheck
        ? 'responseCheck'
        : null;
  if (deferrable && clash) {
    throw new GaleError('GALE_ERR_DAG_INVALID', `${where}: deferrable cannot go with ${clash}`, {
      hint: 'A deferrable httpSensor waits in the triggerer for a 2xx answer and fails on its timeout; drop one of the two.',
    });
  }
  const check = async (response: HttpSensorResponse, ctx: TaskContext) =>
    response.status >= 200 &&
    response.status < 300 &&
    (!responseCheck || (await responseCheck(response, ctx)));

  return task(taskOptions, async (ctx): Promise<HttpTriggerEvent | null> => {
    const conn = await ctx.connection(httpConnId);
    const request = requestOf(options, conn);
    const auth: Record<string, string> =
      conn.login === null
        ? {}
        : {
            authorization: `Basic ${Buffer.from(`${conn.login}:${conn.password ?? ''}`).toString('base64')}`,
          };
    if (deferrable) {
      if (ctx.triggerEvent !== undefined) return ctx.triggerEvent as HttpTriggerEvent;
      if (conn.login !== null) {
        throw new GaleError(
          'GALE_ERR_DAG_INVALID',
          `${where}: deferrable cannot use connection "${httpConnId}", which has a login`,
          {
            hint: 'The triggerer stores its request in the trigger table unencrypted: use poke or reschedule mode with credentials.',
          },
        );
      }
      const trigger = httpTrigger(request.url, { ...request, pokeInterval: settings.pokeIntervalMs });
      return ctx.defer(trigger, { timeout: settings.timeoutMs });
    }
    let last: HttpTriggerEvent | null = null;
    await pokeUntilDone(ctx, settings, async (c) => {
      const response = await fetch(request.url, {
        method: request.method,
        headers: { ...request.headers, ...auth },
        body: request.body,
        signal: c.signal,
      });
      const text = await response.text();
      const done = await check(responseOf(response.status, text, Object.fromEntries(response.headers)), c);
      c.log.info(`${request.method} ${request.url}: ${response.status}${done ? '' : ' (not done)'}`);
      last = { status: response.status, body: text.slice(0, MAX_BODY) };
      return done;
    });
    return last;
  })();
}
