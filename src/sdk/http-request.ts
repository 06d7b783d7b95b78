/**
 * httpRequest (Airflow's HttpOperator): one HTTP request to a connection's endpoint. A 5xx answer
 * or a network error is tried again within the try (`httpRetries`, waiting `httpRetryDelay`, then
 * twice as long each time); any other non-2xx answer, or a `responseCheck` that says no, fails the
 * try (its task retries then follow). The output is `responseFilter(response)` or the body text.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { type Duration, GaleError, parseDuration } from '../models/index.js';
import type { TaskContext } from './context.js';
import { type TaskRef, task } from './dag.js';
import {
  basicAuth,
  type HttpRequestOptions,
  type HttpResponse,
  requestOf,
  responseOf,
} from './http-connections.js';
import type { TaskOptions } from './task-options.js';

export type HttpRequestTaskOptions<T> = Omit<TaskOptions, 'resume'> &
  HttpRequestOptions & {
    taskId: string;
    /** the connection whose host (and schema as scheme, port, login, extra as headers) is used (default "http_default") */
    httpConnId?: string;
    /** whether the response is what the task wanted (default: any 2xx); false fails the try */
    responseCheck?: (response: HttpResponse, ctx: TaskContext) => boolean | Promise<boolean>;
    /** the task's output from the response (default: its body as text) */
    responseFilter?: (response: HttpResponse, ctx: TaskContext) => T | Promise<T>;
    /** more attempts after a 5xx answer or a network error, within the try (default 3) */
    httpRetries?: number;
    /** wait before the first of those attempts, doubled each time (default "1s") */
    httpRetryDelay?: Duration;
  };

const REQUEST_KEYS = new Set([
  'httpConnId',
  'endpoint',
  'method',
  'data',
  'headers',
  'responseCheck',
  'responseFilter',
  'httpRetries',
  'httpRetryDelay',
]);

function failed(where: string, detail: string): GaleError {
  return new GaleError('GALE_ERR_HTTP_FAILED', `${where}: ${detail}`, {
    hint: 'Check the endpoint and the connection (gale connections get <id>); the task retries as its retries say.',
  });
}

export function httpRequest<T = string>(options: HttpRequestTaskOptions<T>): TaskRef<T> {
  const where = `httpRequest "${options.taskId}"`;
  const retries = options.httpRetries ?? 3;
  if (!Number.isInteger(retries) || retries < 0)
    throw new GaleError('GALE_ERR_DAG_INVALID', `${where}: httpRetries must be a whole number >= 0`);
  const delayMs = parseDuration(options.httpRetryDelay ?? '1s', `${where}: httpRetryDelay`);
  const taskOptions = Object.fromEntries(
    Object.entries(options).filter(([key]) => !REQUEST_KEYS.has(key)),
  ) as TaskOptions;

  return task(taskOptions, async (ctx): Promise<T> => {
    const conn = await ctx.connection(options.httpConnId ?? 'http_default');
    const request = requestOf(options, conn);
    const init = {
      method: request.method,
      headers: { ...request.headers, ...basicAuth(conn) },
      body: request.body,
    };
    let response: HttpResponse | null = null;
    for (let attempt = 0; ; attempt++) {
      let problem: string;
      try {
        const answer = await fetch(request.url, { ...init, signal: ctx.signal });
        response = responseOf(answer.status, await answer.text(), Object.fromEntries(answer.headers));
        ctx.log.info(`${request.method} ${request.url}: ${response.status}`);
        if (response.status < 500) break;
        problem = `HTTP ${response.status}`;
      } catch (error) {
        if (ctx.signal.aborted) throw error;
        problem = String(error);
        ctx.log.warn(`${request.method} ${request.url}: ${problem}`);
      }
      if (attempt >= retries) throw failed(where, `${problem} after ${retries + 1} attempts`);
      const wait = delayMs * 2 ** attempt;
      ctx.log.info(`Trying again in ${wait} ms (${attempt + 1} of ${retries})`);
      await sleep(wait, undefined, { signal: ctx.signal });
    }
    if (options.responseCheck) {
      if (!(await options.responseCheck(response, ctx)))
        throw failed(where, `responseCheck refused HTTP ${response.status}`);
    } else if (response.status < 200 || response.status >= 300) {
      throw failed(where, `HTTP ${response.status}: ${response.text.slice(0, 500)}`);
    }
    return options.responseFilter ? options.responseFilter(response, ctx) : (response.text as T);
  })();
}
