/**
 * The triggers one triggerer runs now, concurrently on its event loop, and what they came to: an
 * event or a failure, kept until the triggerer has recorded it in the database (so a trigger that
 * settled is neither started again nor lost when a write fails). Never touches the database.
 */

import type { Logger } from 'pino';
import type { Kysely } from '#kysely';
import type { Database, TriggerRow } from '../db/index.js';
import { describeError } from '../models/index.js';
import { createTrigger } from './registry.js';
import type { Clock } from './trigger.js';
import { TriggerModules } from './user-trigger.js';

export type TriggerOutcome =
  | { kind: 'fired'; triggerId: number; classpath: string; event: unknown }
  | { kind: 'failed'; triggerId: number; classpath: string; error: unknown };

interface Running {
  controller: AbortController;
  done: Promise<void>;
}

/** A trigger's cleanup, by what the trigger was made of. */
type Cleanup = () => Promise<void>;

export class RunningTriggers {
  readonly #running = new Map<number, Running>();
  /** settled, their outcome not yet recorded: by trigger id */
  readonly #settled = new Map<number, TriggerOutcome>();
  /** the cleanup of each trigger that has one, until it is recorded or stopped */
  readonly #cleanups = new Map<number, Cleanup>();
  /** cleanups under way (stopAll waits for them) */
  readonly #cleaning = new Set<Promise<void>>();
  readonly #clock: Clock;
  /** for the triggers that read the metadata database (ExternalTaskTrigger) */
  readonly #db: Kysely<Database> | null;
  readonly #log: Logger;
  readonly #onSettled: () => void;
  /** the DAG files that define user-written triggers, imported once each */
  readonly #modules = new TriggerModules();

  constructor(options: { clock: Clock; log: Logger; onSettled: () => void; db?: Kysely<Database> }) {
    this.#db = options.db ?? null;
    this.#clock = options.clock;
    this.#log = options.log;
    this.#onSettled = options.onSettled;
  }

  /** Triggers waiting now. */
  get size(): number {
    return this.#running.size;
  }

  /** Whether the trigger runs here or has settled here without being recorded yet. */
  has(triggerId: number): boolean {
    return this.#running.has(triggerId) || this.#settled.has(triggerId);
  }

  runningIds(): number[] {
    return [...this.#running.keys()];
  }

  start(row: TriggerRow): void {
    if (this.has(row.id)) return;
    let trigger: ReturnType<typeof createTrigger>;
    try {
      trigger = createTrigger(row, this.#clock, this.#db, this.#modules);
    } catch (error) {
      this.#settle({ kind: 'failed', triggerId: row.id, classpath: row.classpath, error });
      return;
    }
    if (trigger.cleanup) this.#cleanups.set(row.id, trigger.cleanup.bind(trigger));
    const controller = new AbortController();
    const done = trigger.run(controller.signal).then(
      (event) => {
        this.#running.delete(row.id);
        if (controller.signal.aborted) return;
        try {
          JSON.stringify(event ?? null);
        } catch (error) {
          this.#settle({ kind: 'failed', triggerId: row.id, classpath: row.classpath, error });
          return;
        }
        this.#settle({ kind: 'fired', triggerId: row.id, classpath: row.classpath, event: event ?? null });
      },
      (error: unknown) => {
        this.#running.delete(row.id);
        if (controller.signal.aborted) return;
        this.#settle({ kind: 'failed', triggerId: row.id, classpath: row.classpath, error });
      },
    );
    this.#running.set(row.id, { controller, done });
  }

  /**
   * Stops a trigger that is no longer this triggerer's: taken over by another, or deleted because
   * no try waits for it any more (`cleanUp`: then what it waited on is ended too).
   */
  stop(triggerId: number, options: { cleanUp: boolean } = { cleanUp: false }): void {
    const running = this.#running.get(triggerId);
    if (!running) return;
    running.controller.abort(new Error('trigger stopped by the triggerer'));
    if (options.cleanUp) this.#cleanUp(triggerId, running.done);
    else this.#cleanups.delete(triggerId);
  }

  /** Ends what a settled trigger waited on: its try failed in the triggerer. */
  cleanUp(triggerId: number): void {
    this.#cleanUp(triggerId, Promise.resolve());
  }

  /** Runs the trigger's cleanup (once) after `after`, in the background; its errors are logged. */
  #cleanUp(triggerId: number, after: Promise<void>): void {
    const cleanup = this.#cleanups.get(triggerId);
    this.#cleanups.delete(triggerId);
    if (!cleanup) return;
    const work: Promise<void> = after
      .then(cleanup)
      .then(() => this.#log.info({ triggerId }, 'cleaned up after a trigger no try waits for'))
      .catch((error: unknown) =>
        this.#log.error(
          { triggerId, err: error },
          `could not clean up after a trigger: ${describeError(error)}`,
        ),
      )
      .finally(() => this.#cleaning.delete(work));
    this.#cleaning.add(work);
  }

  /** Stops every trigger and waits until they have all settled (and cleanups under way ended). */
  async stopAll(): Promise<void> {
    const all = [...this.#running.values()];
    for (const r of all) r.controller.abort(new Error('the triggerer is stopping'));
    await Promise.all(all.map((r) => r.done));
    this.#cleanups.clear();
    await Promise.all([...this.#cleaning]);
  }

  /** How many outcomes wait to be recorded. */
  get settledCount(): number {
    return this.#settled.size;
  }

  /** Outcomes waiting to be recorded. */
  settled(): TriggerOutcome[] {
    return [...this.#settled.values()];
  }

  /** The outcome is recorded: forget the trigger. */
  recorded(triggerId: number): void {
    this.#settled.delete(triggerId);
    this.#cleanups.delete(triggerId);
  }

  #settle(outcome: TriggerOutcome): void {
    if (outcome.kind === 'failed') {
      this.#log.warn(
        { triggerId: outcome.triggerId, classpath: outcome.classpath },
        `trigger failed: ${describeError(outcome.error)}`,
      );
    }
    this.#settled.set(outcome.triggerId, outcome);
    this.#onSettled();
  }
}
