/**
 * User-written triggers (defineTrigger in gale/sdk) in the triggerer: the trigger's DAG file is
 * imported (with the DAG files' esbuild loader, once per file and change, however many triggers
 * need it at once), which defines the trigger in this process, and its function runs to its first
 * event. A trigger that throws, or ends without an event, fails; an abort settles it at once even
 * when its code ignores the signal.
 */
import { loadDagModule } from '../dag-processing/index.js';
import { describeError, GaleError } from '../models/index.js';
import { type DefinedTrigger, findDefinedTrigger } from '../sdk/index.js';
import type { Trigger } from './trigger.js';

/** Imports the DAG files that define user triggers; concurrent asks for one file share one import. */
export class TriggerModules {
  readonly #loading = new Map<string, Promise<void>>();
  readonly #load: (file: string) => Promise<unknown>;

  constructor(load: (file: string) => Promise<unknown> = loadDagModule) {
    this.#load = load;
  }

  load(file: string): Promise<void> {
    let loading = this.#loading.get(file);
    if (!loading) {
      loading = this.#load(file)
        .then(() => undefined)
        .finally(() => this.#loading.delete(file));
      this.#loading.set(file, loading);
    }
    return loading;
  }
}

/** Runs a trigger's function to its first event (an async generator is closed after it). */
export async function firstEvent(
  definition: DefinedTrigger,
  kwargs: Record<string, unknown>,
  signal: AbortSignal,
): Promise<unknown> {
  signal.throwIfAborted();
  let onAbort = () => {};
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    const result = definition.run(kwargs, { signal });
    if (result !== null && typeof result === 'object' && Symbol.asyncIterator in result) {
      const iterator = result[Symbol.asyncIterator]();
      const next = iterator.next();
      next.catch(() => undefined);
      const step = await Promise.race([next, aborted]);
      // Airflow takes a trigger's first event and closes it; its finally blocks run now
      iterator.return?.(undefined)?.catch(() => undefined);
      if (step.done) {
        throw new GaleError('GALE_ERR_TRIGGER_FAILED', `${definition.classpath} ended without an event`, {
          hint: 'Yield (or return) the event the deferred task resumes with.',
        });
      }
      return step.value;
    }
    const promise = Promise.resolve(result);
    promise.catch(() => undefined);
    return await Promise.race([promise, aborted]);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

class UserTrigger implements Trigger {
  constructor(
    readonly classpath: string,
    readonly kwargs: Record<string, unknown>,
    readonly fileloc: string | null,
    readonly modules: TriggerModules,
  ) {}

  async run(signal: AbortSignal): Promise<unknown> {
    if (this.fileloc) {
      try {
        await this.modules.load(this.fileloc);
      } catch (error) {
        throw new GaleError(
          'GALE_ERR_TRIGGER_INVALID',
          `Cannot import ${this.fileloc}, which defines ${this.classpath}: ${describeError(error)}`,
          { hint: 'Fix the DAG file (gale dags list-import-errors shows why it fails).', cause: error },
        );
      }
    }
    const definition = findDefinedTrigger(this.classpath);
    if (!definition) {
      throw new GaleError(
        'GALE_ERR_TRIGGER_INVALID',
        `No trigger "${this.classpath}" is defined${this.fileloc ? ` by ${this.fileloc} or the modules it imports` : ''}`,
        {
          hint: `Call defineTrigger('${this.classpath}', ...) at the top level of the DAG file or a module it imports.`,
        },
      );
    }
    return firstEvent(definition, this.kwargs, signal);
  }
}

/**
 * A user-written trigger from its row; null when the classpath is no user trigger that can be
 * found (not defined in this process, and no DAG file to import).
 */
export function createUserTrigger(
  row: { classpath: string; kwargs: Record<string, unknown>; fileloc?: string | null },
  modules: TriggerModules,
): Trigger | null {
  const fileloc = row.fileloc ?? null;
  if (!fileloc && !findDefinedTrigger(row.classpath)) return null;
  return new UserTrigger(row.classpath, row.kwargs, fileloc, modules);
}
