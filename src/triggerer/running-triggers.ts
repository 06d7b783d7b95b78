/**
 * The triggers one triggerer runs now, concurrently on its event loop, and what they came to: an
 * event or a failure, kept until the triggerer has recorded it in the database (so a trigger that
 * settled is neither started again nor lost when a write fails). Never touches the database.
 */
import type { Logger } from 'pino';
import type { TriggerRow } from '../db/index.js';
import { describeError } from '../models/index.js';
import { createTrigger } from './registry.js';
import type { Clock } from './trigger.js';

export type TriggerOutcome =
  | { kind: 'fired'; triggerId: number; classpath: string; event: unknown }
  | { kind: 'failed'; triggerId: number; classpath: string; error: unknown };

interface Running {
  controller: AbortController;
  done: Promise<void>;
}

export class RunningTriggers {
  readonly #running = new Map<number, Running>();
  /** settled, their outcome not yet recorded: by trigger id */
  readonly #settled = new Map<number, TriggerOutcome>();
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #onSettled: () => void;

  constructor(options: { clock: Clock; log: Logger; onSettled: () => void }) {
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
      trigger = createTrigger(row, this.#clock);
    } catch (error) {
      this.#settle({ kind: 'failed', triggerId: row.id, classpath: row.classpath, error });
      return;
    }
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

  /** Stops a trigger that is no longer this triggerer's (taken over, or its task instance moved on). */
  stop(triggerId: number): void {
    this.#running.get(triggerId)?.controller.abort(new Error('trigger stopped by the triggerer'));
  }

  /** Stops every trigger and waits until they have all settled. */
  async stopAll(): Promise<void> {
    const all = [...this.#running.values()];
    for (const r of all) r.controller.abort(new Error('the triggerer is stopping'));
    await Promise.all(all.map((r) => r.done));
  }

  /** Outcomes waiting to be recorded. */
  settled(): TriggerOutcome[] {
    return [...this.#settled.values()];
  }

  /** The outcome is recorded: forget the trigger. */
  recorded(triggerId: number): void {
    this.#settled.delete(triggerId);
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
