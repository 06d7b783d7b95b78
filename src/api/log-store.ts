/**
 * Where the API reads task logs from. Logs are read in byte ranges so that a client can follow a
 * running try (it asks again from where the last answer ended) and a huge log is never read whole.
 * The local store reads the files that task processes on this machine write under
 * logging.base_log_folder; the worker store (worker-log-store.ts) asks the log server of the worker
 * a try ran on; object storage would be another. A store only reads; it never writes logs.
 */
import { type LogChunk, readLogFile } from '../task-logs/index.js';

export type { LogChunk } from '../task-logs/index.js';

/** Which log to read: one try's. */
export interface LogLocation {
  /** its path relative to logging.base_log_folder, '/'-separated: dag_id=d/run_id=r/task_id=t/attempt=1.log */
  relativePath: string;
  /** the host the try ran on (task_instance.hostname); null before a process claimed it */
  hostname: string | null;
  /** whether the try ran on a queue worker, so that its log may be on another machine */
  isOnWorker: boolean;
}

export interface LogStore {
  /**
   * Up to `maxBytes` bytes of the log from byte `offset`, and its whole size; null when there is no
   * such log (yet). Throws GALE_ERR_LOG_UNAVAILABLE when the log may exist but cannot be read now.
   */
  read(location: LogLocation, offset: number, maxBytes: number): Promise<LogChunk | null>;
}

/** Logs as files in a folder of this machine (or a volume that every task process writes to). */
export class LocalLogStore implements LogStore {
  readonly #baseFolder: string;
  constructor(baseFolder: string) {
    this.#baseFolder = baseFolder;
  }
  read(location: LogLocation, offset: number, maxBytes: number): Promise<LogChunk | null> {
    return readLogFile(this.#baseFolder, location.relativePath, offset, maxBytes);
  }
}

/**
 * Asks each store in turn and answers with the first that has the log, as Airflow's file task
 * handler reads the local file first and the worker's served log when there is none.
 */
export class FallbackLogStore implements LogStore {
  readonly #stores: readonly LogStore[];
  constructor(stores: readonly LogStore[]) {
    this.#stores = stores;
  }
  async read(location: LogLocation, offset: number, maxBytes: number): Promise<LogChunk | null> {
    for (const store of this.#stores) {
      const chunk = await store.read(location, offset, maxBytes);
      if (chunk) return chunk;
    }
    return null;
  }
}

/**
 * The length of the longest prefix of `data` that does not end inside a UTF-8 character, so that
 * a chunk cut at a byte limit (or read while the writer is mid-character) decodes cleanly; the
 * cut bytes come with the next chunk.
 */
export function completeUtf8Length(data: Uint8Array): number {
  const end = data.length;
  let start = end - 1;
  // step back over continuation bytes (10xxxxxx) to the last character's first byte
  while (start >= 0 && end - start < 4 && ((data[start] ?? 0) & 0xc0) === 0x80) start--;
  if (start < 0) return end;
  const lead = data[start] ?? 0;
  const needed = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
  return end - start < needed ? start : end;
}
