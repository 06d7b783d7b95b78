/**
 * Errors a task throws to steer its try rather than merely report (as Airflow's
 * AirflowSkipException and AirflowFailException): TaskSkipped ends the try as skipped, TaskFailed
 * fails it at once, leaving its retries unused. Sensors throw them on timeout (softFail: skipped).
 * Anything else thrown fails the try as usual (retried while retries are left).
 */

/** The end a steering error asks for, as the runner records it. */
export type TerminalState = 'skipped' | 'failed';

/** Thrown by a task to end its try as skipped (Airflow's AirflowSkipException); downstream tasks follow their trigger rules. */
export class TaskSkipped extends Error {
  readonly terminalState: TerminalState = 'skipped';
  constructor(message = 'The task skipped itself') {
    super(message);
    this.name = 'TaskSkipped';
    // it steers the try on purpose: its record needs no stack
    this.stack = `${this.name}: ${message}`;
  }
}

/** Thrown by a task to fail without retry (Airflow's AirflowFailException). */
export class TaskFailed extends Error {
  readonly terminalState: TerminalState = 'failed';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TaskFailed';
    this.stack = `${this.name}: ${message}`;
  }
}

/** The terminal state a thrown value asks for, or null when it is an ordinary failure. */
export function terminalStateOf(thrown: unknown): TerminalState | null {
  return thrown instanceof TaskSkipped || thrown instanceof TaskFailed ? thrown.terminalState : null;
}
