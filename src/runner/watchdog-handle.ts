/** The main thread's side of the watchdog thread: start it once, then watch one try at a time. */
import { Worker } from 'node:worker_threads';
import type { WatchdogCommand, WatchdogData, WatchdogMessage } from './watchdog.js';

export class WatchdogHandle {
  readonly #worker: Worker;
  #listener: ((m: WatchdogMessage) => void) | null = null;
  #watched: { tiId: string; tryNumber: number } | null = null;
  #hasStopped = false;

  /** `onToken`: the API renewed the watched try's token (HTTP channel only). */
  constructor(data: WatchdogData, onToken?: (token: string) => void) {
    this.#worker = new Worker(new URL('./watchdog.js', import.meta.url), { workerData: data });
    this.#worker.unref();
    this.#worker.on('message', (m: WatchdogMessage) => {
      const watched = this.#watched;
      const isWatched = watched !== null && watched.tiId === m.tiId && watched.tryNumber === m.tryNumber;
      if (m.kind === 'token') {
        if (isWatched) onToken?.(m.token);
        return;
      }
      // the watchdog acts (and ends the process) only for the try it watches
      this.#hasStopped = true;
      if (isWatched) this.#listener?.(m);
    });
  }

  /** Hands the watchdog the try's token for the task execution API, before it watches the try. */
  setToken(tiId: string, tryNumber: number, token: string): void {
    this.#worker.postMessage({ kind: 'token', tiId, tryNumber, token } satisfies WatchdogCommand);
  }

  /** Whether the watchdog stopped a try (timeout, or ended elsewhere): the process is going down. */
  get hasStopped(): boolean {
    return this.#hasStopped;
  }

  watch(command: Extract<WatchdogCommand, { kind: 'watch' }>, listener: (m: WatchdogMessage) => void): void {
    this.#listener = listener;
    this.#watched = { tiId: command.tiId, tryNumber: command.tryNumber };
    this.#worker.postMessage(command);
  }

  unwatch(): void {
    this.#listener = null;
    this.#watched = null;
    this.#worker.postMessage({ kind: 'unwatch' } satisfies WatchdogCommand);
  }

  async close(): Promise<void> {
    await this.#worker.terminate();
  }
}
