/**
 * The Trigger interface: one wait of a deferred try, run by the triggerer (Airflow's BaseTrigger,
 * with its async run() taken to its first event). Many run at once on one event loop, so a trigger
 * must never block it: it waits on timers and asynchronous I/O only. Each built-in trigger passes
 * the contract test in test/unit/triggerer/trigger-contract.test.ts.
 */

import type { Kysely } from '#kysely';
import type { z } from '#zod';
import type { Database } from '../db/index.js';

export interface Clock {
  now(): Date;
}

export interface Trigger {
  /**
   * Waits for the trigger's condition and resolves with its event (JSON), once. Rejects when the
   * trigger fails. When `signal` aborts (the trigger was taken away, or the triggerer stops), it
   * settles soon, rejecting with the abort, and leaves no timer, handle or listener behind.
   */
  run(signal: AbortSignal): Promise<unknown>;
  /**
   * Ends what the trigger waits on when no try will collect it (its try failed in the triggerer:
   * deferral timeout or trigger failure; or it was cleared or marked by a user), as a deferred
   * KubernetesPodOperator's pod is deleted then. Never called when the trigger merely moves to
   * another triggerer or the triggerer stops.
   */
  cleanup?(): Promise<void>;
}

/** What a trigger knows of where it runs. */
export interface TriggerContext {
  clock: Clock;
  /** when the try deferred (the trigger row's created_date) */
  createdDate: Date;
  /** the metadata database, for triggers that watch it (ExternalTaskTrigger); null where there is none */
  db: Kysely<Database> | null;
}

/** A kind of trigger: its classpath, the schema of its kwargs, and how to make one. */
export interface TriggerType<K> {
  readonly classpath: string;
  readonly kwargs: z.ZodType<K>;
  create(kwargs: K, context: TriggerContext): Trigger;
}

/** Longest single timer: setTimeout overflows at 2^31 ms, and a short one re-reads the clock. */
const MAX_TIMER_MS = 60_000;

/**
 * Resolves at `moment` by the clock (at once when it is past), re-reading the clock at least
 * every minute; rejects with the abort when `signal` aborts, clearing its timer.
 */
export function sleepUntil(moment: Date, clock: Clock, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const check = () => {
      const left = moment.getTime() - clock.now().getTime();
      if (left <= 0) {
        signal.removeEventListener('abort', onAbort);
        resolve();
        return;
      }
      timer = setTimeout(check, Math.min(left, MAX_TIMER_MS));
    };
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    signal.addEventListener('abort', onAbort, { once: true });
    check();
  });
}
