/**
 * User-written triggers (Airflow's custom BaseTrigger subclasses): a DAG author defines one in a
 * DAG file, or a module it imports, and defers on it like a built-in one:
 *
 *   export const queueDepth = defineTrigger('my_company.QueueDepth', async function* (kwargs, { signal }) {
 *     ... yield { depth };
 *   });
 *   ctx.defer(queueDepth({ queue: 'orders', below: 10 }));
 *
 * The triggerer imports the DAG file of the deferred try (kept with the trigger row), which
 * defines the trigger again there, and runs it to its first event. Its code runs on the
 * triggerer's event loop with thousands of others: it must wait on timers and async I/O only.
 */
import { GaleError } from '../models/index.js';
import type { TriggerSpec } from './triggers.js';

/** What a user trigger's function gets besides its kwargs. */
export interface TriggerRunContext {
  /** aborted when the trigger is no longer wanted (its try was cleared, timed out; the triggerer stops) */
  signal: AbortSignal;
}

/**
 * A trigger's code: an async generator whose first yielded value is the event, or an async
 * function whose return value is. Throwing fails the deferred try with the error's message.
 */
export type TriggerRunFunction<K, E> = (
  kwargs: K,
  context: TriggerRunContext,
) => AsyncIterable<E> | Promise<E>;

/** A trigger defined in this process. */
export interface DefinedTrigger {
  readonly classpath: string;
  readonly run: TriggerRunFunction<Record<string, unknown>, unknown>;
}

// By classpath; a DAG file imported again (changed) defines its triggers again, the last one wins.
const defined = new Map<string, DefinedTrigger>();

const CLASSPATH = /^[A-Za-z_][\w-]*(\.[A-Za-z_][\w-]*)*$/;

/**
 * Defines a trigger under `classpath` (a dotted name such as "my_company.QueueDepth"; "gale." is
 * Gale's own) and returns what builds one to defer on, from its kwargs (plain JSON data, stored in
 * the trigger table as they are: put no secrets in them).
 */
export function defineTrigger<K extends Record<string, unknown> = Record<string, unknown>, E = unknown>(
  classpath: string,
  run: TriggerRunFunction<K, E>,
): (kwargs: K) => TriggerSpec<E> {
  if (typeof classpath !== 'string' || !CLASSPATH.test(classpath) || classpath.length > 250) {
    throw new GaleError(
      'GALE_ERR_TRIGGER_INVALID',
      `defineTrigger: "${String(classpath)}" is not a trigger name`,
      {
        hint: 'Name it with letters, digits, _ and dots, such as "my_company.QueueDepth".',
      },
    );
  }
  if (classpath.startsWith('gale.')) {
    throw new GaleError(
      'GALE_ERR_TRIGGER_INVALID',
      `defineTrigger: "${classpath}" is in Gale's own namespace`,
      {
        hint: 'Prefix it with your own name, such as "my_company.".',
      },
    );
  }
  if (typeof run !== 'function') {
    throw new GaleError(
      'GALE_ERR_TRIGGER_INVALID',
      `defineTrigger "${classpath}": give it an async function or generator`,
    );
  }
  defined.set(classpath, { classpath, run: run as DefinedTrigger['run'] });
  return (kwargs: K) => ({ classpath, kwargs: { ...kwargs } });
}

/** The trigger defined under `classpath` in this process; undefined when none is. */
export function findDefinedTrigger(classpath: string): DefinedTrigger | undefined {
  return defined.get(classpath);
}
