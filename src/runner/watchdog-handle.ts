/** The main thread's side of the watchdog thread: start it once, then watch one try at a time. */
import { Worker } from 'node:worker_threads';
import { WatchSlot } from './watch-slot.js';
import type { WatchdogCommand, WatchdogData, WatchdogMessage, WatchedTry } from './watchdog.js';

export class WatchdogHandle {
  readonly #worker: Worker;
  readonly #slot = new WatchSlot<WatchedTry>();
  #listener: ((m: WatchdogMessage) => void) | null = null;
  #watched: { tiId: string; tryNumber: number } | null = null;
  #hasStopped = false;

  /** `onToken`: the API renewed the watched try's token (HTTP channel only). */
  constructor(data: Omit<WatchdogData, 'slot'>, onToken?: (token: string) => void) {
    this.#worker = new Worker(new URL('./watchdog.js', import.meta.url), {
      workerData: { ...data, slot: this.#slot.buffer } satisfies WatchdogData,
    });
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

  /**
   * Watches `watched` from now on (in place of any try before). The thread reads it within its
   * check interval, at once for a try with a timeout.
   */
  watch(watched: WatchedTry, listener: (m: WatchdogMessage) => void): void {
    this.#listener = listener;
    this.#watched = { tiId: watched.tiId, tryNumber: watched.tryNumber };
    this.#slot.write(watched);
    if (watched.timeoutMs !== null) this.#worker.postMessage({ kind: 'check' } satisfies WatchdogCommand);
  }

  unwatch(): void {
    this.#listener = null;
    this.#watched = null;
    this.#slot.write(null);
  }

  async close(): Promise<void> {
    await this.#worker.terminate();
  }
}
