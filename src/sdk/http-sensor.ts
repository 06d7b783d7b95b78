/**
 * httpSensor (Airflow's HttpSensor): asks an HTTP endpoint of a connection until it answers 2xx
 * and, when given, `responseCheck` accepts the response. In poke or reschedule mode the task
 * process asks; with `deferrable: true` the triggerer asks (an HttpTrigger) and the task holds no
 * slot meanwhile. Its output is `{ status, body }` (the body as text, cut at 64 KiB).
 */
import type { HttpTriggerEvent } from '../models/index.js';
import { GaleError } from '../models/index.js';
import type { TaskContext } from './context.js';
import { type TaskRef, task } from './dag.js';
import { basicAuth, type HttpResponse, requestOf, responseOf } from './http-connections.js';
import { compileSensorOptions, pokeUntilDone, type SensorOptions } from './sensors.js';
import { httpTrigger } from './triggers.js';

/** The response a responseCheck gets. */
export type HttpSensorResponse = HttpResponse;

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
  responseCheck?: (response: HttpResponse, ctx: TaskContext) => boolean | Promise<boolean>;
  /** wait in the triggerer instead of the task process, for a 2xx answer (default false; not with responseCheck, softFail or mode "reschedule") */
  deferrable?: boolean;
};

const MAX_BODY = 64 * 1024;
const HTTP_KEYS = ['httpConnId', 'endpoint', 'method', 'data', 'headers', 'responseCheck', 'deferrable'];

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
  const check = async (response: HttpResponse, ctx: TaskContext) =>
    response.status >= 200 &&
    response.status < 300 &&
    (!responseCheck || (await responseCheck(response, ctx)));

  return task(taskOptions, async (ctx): Promise<HttpTriggerEvent | null> => {
    const conn = await ctx.connection(httpConnId);
    const request = requestOf(options, conn);
    const auth = basicAuth(conn);
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
