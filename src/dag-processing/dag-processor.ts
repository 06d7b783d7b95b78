/**
 * The DAG processor: finds DAG files, parses new and changed ones (and all of them on an
 * interval) in parse processes (dag_processor.parsing_processes of them, started for a pass and
 * ended after it), and stores their serialized DAGs and import errors in batched transactions. A
 * file that fails records an import error; its DAGs keep their last good version and keep running.
 */
import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import type { LoadedConfig } from '../config/index.js';
import {
  clearImportErrorsExcept,
  deactivateMissingFiles,
  endJob,
  type GaleDb,
  heartbeatJob,
  poolNames,
  startJob,
} from '../db/index.js';
import type { GaleMetrics } from '../observability/index.js';
import { runCallbackRequests } from './dag-callbacks.js';
import { DAG_FILE_EXTENSIONS } from './load-dag-module.js';
import { ParseProcess } from './parse-process.js';
import type { ParseRequest } from './parse-worker.js';
import { type StoreOutcome, StoreQueue } from './store-parse-results.js';

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

export interface DagProcessorDeps {
  db: GaleDb;
  config: LoadedConfig;
  log: Logger;
  clock?: Clock;
  /** folders to search; default: core.dags_folder, plus the examples when core.load_examples */
  dagFolders?: string[];
  metrics?: GaleMetrics;
}

interface FileState {
  mtimeMs: number;
  size: number;
  parsedAt: number;
  poolError: boolean;
}

export const EXAMPLES_FOLDER = resolve(new URL('../../examples/dags', import.meta.url).pathname);

export function dagFolders(config: LoadedConfig): string[] {
  const folders = [resolve(config.config.core.dags_folder)];
  if (config.config.core.load_examples) folders.push(EXAMPLES_FOLDER);
  return folders;
}

export async function listDagFiles(folder: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (
        entry.isFile() &&
        !entry.name.endsWith('.d.ts') &&
        DAG_FILE_EXTENSIONS.some((ext) => entry.name.endsWith(ext))
      ) {
        out.push(path);
      }
    }
  };
  await walk(folder);
  return out.sort();
}

export class DagProcessor {
  readonly #deps: DagProcessorDeps;
  readonly #clock: Clock;
  readonly #files = new Map<string, FileState>();
  #pools = '';
  #jobId: number | null = null;
  #lastBeatAt: number | null = null;

  constructor(deps: DagProcessorDeps) {
    this.#deps = deps;
    this.#clock = deps.clock ?? systemClock;
  }

  /**
   * When the processor last finished a file or a pass (milliseconds since the epoch), for
   * readiness checks: a healthy processor beats at least every max(file_check_interval,
   * file_parsing_timeout).
   */
  get lastBeatAt(): number | null {
    return this.#lastBeatAt;
  }

  #request(file: string): ParseRequest {
    const c = this.#deps.config.config;
    return {
      file,
      defaults: {
        catchup: c.scheduler.catchup_by_default,
        dataIntervals: c.scheduler.create_cron_data_intervals,
        timezone: c.core.default_timezone,
        maxActiveRuns: c.core.max_active_runs_per_dag,
        maxActiveTasks: c.core.max_active_tasks_per_dag,
      },
    };
  }

  /** One pass: parse what is new, changed or due; retire what is gone. Returns the files parsed. */
  async processOnce(options: { force?: boolean } = {}): Promise<string[]> {
    const { db } = this.#deps.db;
    const c = this.#deps.config.config.dag_processor;
    const metrics = this.#deps.metrics;
    const passStarted = performance.now();
    const folders = this.#deps.dagFolders ?? dagFolders(this.#deps.config);
    const files = (await Promise.all(folders.map(listDagFiles))).flat();
    const pools = [...(await poolNames(db))].sort().join(',');
    const poolsChanged = pools !== this.#pools;
    this.#pools = pools;
    const now = this.#clock.now().getTime();
    const due: string[] = [];
    for (const file of files) {
      let st: { mtimeMs: number; size: number };
      try {
        st = await stat(file);
      } catch {
        continue;
      }
      const known = this.#files.get(file);
      if (
        options.force ||
        !known ||
        known.mtimeMs !== st.mtimeMs ||
        known.size !== st.size ||
        now - known.parsedAt >= c.refresh_interval * 1000 ||
        (poolsChanged && known.poolError)
      ) {
        due.push(file);
        this.#files.set(file, { mtimeMs: st.mtimeMs, size: st.size, parsedAt: now, poolError: false });
      }
    }
    const present = new Set(files);
    for (const file of [...this.#files.keys()]) if (!present.has(file)) this.#files.delete(file);

    const store = new StoreQueue(
      db,
      {
        log: this.#deps.log,
        pausedAtCreation: this.#deps.config.config.core.dags_are_paused_at_creation,
        now: () => this.#clock.now(),
      },
      (file, outcome) => this.#stored(file, outcome),
    );
    let next = 0;
    // Each slot parses files one after another in a process of its own, which lives for this pass.
    // The slot's next file waits in the process, which goes on to it without waiting for this one
    // (busy storing a batch, say) to hand it over.
    const slot = async (): Promise<void> => {
      const parser = new ParseProcess();
      let lastDone = 0;
      const parse = (file: string) => {
        const sent = performance.now();
        return parser.parse(this.#request(file), c.file_parsing_timeout * 1000).then((parsed) => {
          // a file's parse began when it was sent or when the one before it ended, the later
          const done = performance.now();
          metrics?.dagProcessingLastDuration.observe((done - Math.max(sent, lastDone)) / 1000);
          lastDone = done;
          store.add({ file, ...parsed });
        });
      };
      try {
        let current = next < due.length ? parse(due[next++]!) : null;
        while (current) {
          const following = next < due.length ? parse(due[next++]!) : null;
          await current;
          current = following;
        }
      } finally {
        parser.close();
      }
    };
    await Promise.all(Array.from({ length: Math.min(c.parsing_processes, due.length) }, slot));
    await store.flushed();

    const gone = await deactivateMissingFiles(db, files);
    if (gone > 0) this.#deps.log.info({ count: gone }, 'DAGs whose files are gone are now inactive');
    await clearImportErrorsExcept(db, files);
    // as Airflow's total_parse_time, the time of the last pass that parsed files, not of idle looks
    if (due.length > 0) metrics?.dagProcessingTotalParseTime.set((performance.now() - passStarted) / 1000);
    this.#lastBeatAt = this.#clock.now().getTime();
    return due;
  }

  #stored(file: string, outcome: StoreOutcome): void {
    this.#lastBeatAt = this.#clock.now().getTime();
    const state = this.#files.get(file);
    if (!state) return;
    // parsed again when the pools change; a file that could not be stored, on the next pass
    if (outcome === 'unknownPool') state.poolError = true;
    if (outcome === 'failed') this.#files.delete(file);
  }

  /** Runs passes every file_check_interval until the signal aborts. */
  async run(signal: AbortSignal): Promise<void> {
    const { db } = this.#deps.db;
    this.#jobId = await startJob(db, 'dag_processor', this.#clock.now());
    const interval = this.#deps.config.config.dag_processor.file_check_interval * 1000;
    const callbacks = this.#runCallbacks(this.#jobId, signal);
    try {
      while (!signal.aborted) {
        try {
          await this.processOnce();
          await heartbeatJob(db, this.#jobId, this.#clock.now());
        } catch (error) {
          this.#deps.log.error({ err: error }, 'DAG processor pass failed; retrying');
        }
        await sleep(interval, signal);
      }
    } finally {
      await callbacks;
      await endJob(db, this.#jobId, this.#clock.now());
    }
  }

  /** Runs DAG-level callbacks beside the parse loop, so neither waits for the other. */
  async #runCallbacks(processorId: number, signal: AbortSignal): Promise<void> {
    const c = this.#deps.config.config.dag_processor;
    const options = {
      db: this.#deps.db,
      log: this.#deps.log,
      processorId,
      timeoutMs: c.callback_timeout * 1000,
      // a processor beats after each pass: one that has not for this long is gone
      livenessMs: 3 * Math.max(c.file_check_interval, c.file_parsing_timeout, c.callback_timeout) * 1000,
      now: () => this.#clock.now(),
    };
    while (!signal.aborted) {
      try {
        await runCallbackRequests(options);
      } catch (error) {
        this.#deps.log.error({ err: error }, 'running DAG callbacks failed; retrying');
      }
      await sleep(CALLBACK_POLL_MS, signal);
    }
  }
}

/** How often a processor looks for callback requests. */
const CALLBACK_POLL_MS = 1000;

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
