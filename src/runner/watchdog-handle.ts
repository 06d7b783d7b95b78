/** The main thread's side of the watchdog thread: start it once, then watch one try at a time. */
import { Worker } from 'node:worker_threads';
import type { WatchdogCommand, WatchdogData, WatchdogMessage } from './watchdog.js';

export class WatchdogHandle {
  readonly #worker: Worker;
  #listener: ((m: WatchdogMessage) => void) | null = null;
  #watched: { tiId: string; tryNumber: number } | null = null;
  #hasStopped = false;

  constructor(data: WatchdogData) {
    this.#worker = new Worker(new URL('./watchdog.js', import.meta.url), { workerData: data });
    this.#worker.unref();
    this.#worker.on('message', (m: WatchdogMessage) => {
      // the watchdog acts (and ends the process) only for the try it watches
      this.#hasStopped = true;
      const watched = this.#watched;
      if (watched && watched.tiId === m.tiId && watched.tryNumber === m.tryNumber) this.#listener?.(m);
    });
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
