/**
 * HttpTrigger (as Airflow's HttpSensorTrigger): fires when a request answers with a 2xx status (or
 * one of the given statuses), asking every poke interval with fetch, which the abort signal
 * cancels. A request that fails (refused, reset) counts as not yet: the endpoint may come up later.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type HttpTriggerEvent,
  type HttpTriggerKwargs,
  httpTriggerKwargs,
  TRIGGER_CLASSPATHS,
} from '../models/index.js';
import type { Trigger, TriggerType } from './trigger.js';

const MAX_BODY = 64 * 1024;

class HttpTrigger implements Trigger {
  constructor(readonly kwargs: HttpTriggerKwargs) {}

  #accepts(status: number): boolean {
    return this.kwargs.statuses ? this.kwargs.statuses.includes(status) : status >= 200 && status < 300;
  }

  async #ask(signal: AbortSignal): Promise<HttpTriggerEvent | null> {
    try {
      const response = await fetch(this.kwargs.url, {
        method: this.kwargs.method,
        headers: this.kwargs.headers,
        body: this.kwargs.body,
        signal,
      });
      const body = await response.text();
      return this.#accepts(response.status)
        ? { status: response.status, body: body.slice(0, MAX_BODY) }
        : null;
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      if (error instanceof TypeError) return null; // fetch failed: refused, reset, DNS
      throw error;
    }
  }

  async run(signal: AbortSignal): Promise<HttpTriggerEvent> {
    for (;;) {
      signal.throwIfAborted();
      const event = await this.#ask(signal);
      if (event) return event;
      // timers/promises clears its timer when the signal aborts
      await sleep(this.kwargs.poke_interval_ms, undefined, { signal });
    }
  }
}

export const httpTriggerType: TriggerType<HttpTriggerKwargs> = {
  classpath: TRIGGER_CLASSPATHS.http,
  kwargs: httpTriggerKwargs,
  create: (kwargs) => new HttpTrigger(kwargs),
};
