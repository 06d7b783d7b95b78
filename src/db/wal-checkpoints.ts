/**
 * WAL checkpoints of a long-running service's SQLite database, in a thread of their own.
 *
 * In WAL mode SQLite copies the log back into the database file (a checkpoint) inside the commit
 * that grows the log past `wal_autocheckpoint` pages, and with `synchronous = NORMAL` that
 * checkpoint syncs the files: the committing statement, on the event loop, waits for the disk. A
 * scheduler that writes thousands of task instances a second paid about half its commit time for
 * them. Here a worker thread with a connection of its own runs a PASSIVE checkpoint (it never
 * waits for readers or writers) every `intervalMs`, so the disk waits happen beside the event
 * loop, and the service's own connection checkpoints only past `BACKSTOP_PAGES`, should the thread
 * fall behind or fail (its error is kept for `lastError`, and the backstop takes over).
 *
 * The thread's script is evaluated from a string, so that it runs the same from the TypeScript
 * sources (tests) and the build; it loads better-sqlite3 from the path this module resolves.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type SqliteDatabase from 'better-sqlite3';

/** The service connection's own checkpoint threshold (pages of the page size, 4 KiB by default). */
export const BACKSTOP_PAGES = 10_000;
const DEFAULT_INTERVAL_MS = 200;

const THREAD = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path, { timeout: 5000 });
db.pragma('busy_timeout = 5000');
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (error) {
    parentPort.postMessage({ kind: 'error', message: String(error && error.message || error) });
  }
}, workerData.intervalMs);
parentPort.on('message', (m) => {
  if (m === 'stop') {
    clearInterval(timer);
    try { db.close(); } finally { parentPort.close(); }
  }
});
`;

export interface WalCheckpointer {
  /** The last error the thread met, if any (its checkpoints then fall to the backstop). */
  readonly lastError: string | null;
  /** Stops the thread and closes its connection. */
  stop(): Promise<void>;
}

/**
 * Moves `sqlite`'s checkpoints to a thread: lowers its own to the backstop and starts the thread on
 * the same file. The thread does not keep the process alive.
 */
export function checkpointInThread(
  sqlite: SqliteDatabase.Database,
  path: string,
  intervalMs = DEFAULT_INTERVAL_MS,
): WalCheckpointer {
  sqlite.pragma(`wal_autocheckpoint = ${BACKSTOP_PAGES}`);
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(THREAD, { eval: true, workerData: { driver, path, intervalMs } });
  let lastError: string | null = null;
  let exited = false;
  const exit = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  void exit.then(() => {
    exited = true;
  });
  worker.on('error', (error) => {
    lastError = error.message;
  });
  worker.on('message', (m: { kind: string; message?: string }) => {
    if (m.kind === 'error') lastError = m.message ?? 'unknown';
  });
  // after the listeners: adding a 'message' listener refs the thread's port again
  worker.unref();
  return {
    get lastError() {
      return lastError;
    },
    stop: async () => {
      if (exited) return;
      // an unref'd thread would let the process end while this waits for it
      worker.ref();
      worker.postMessage('stop');
      await exit;
    },
  };
}
