/**
 * The events an executor holds until the scheduler drains them, and the listeners it wakes when
 * one arrives. Never drops an event: each is handed out by exactly one drain.
 */
import type { ExecutorEvent } from './executor.js';

export class ExecutorEvents {
  #events: ExecutorEvent[] = [];
  readonly #listeners: (() => void)[] = [];

  onEvent(listener: () => void): void {
    this.#listeners.push(listener);
  }

  /** Events since the last drain. */
  drain(): ExecutorEvent[] {
    const events = this.#events;
    this.#events = [];
    return events;
  }

  emit(event: ExecutorEvent): void {
    this.#events.push(event);
    for (const l of this.#listeners) l();
  }
}
