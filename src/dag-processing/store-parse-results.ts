/**
 * Stores what parse processes found: the DAGs, sources and import errors of many files in one
 * transaction, as results arrive, so that a pass of a thousand files is a few dozen commits rather
 * than thousands. A batch that fails is stored again file by file, so that one bad file never
 * keeps the others out. Never runs user code.
 */
import type { Logger } from 'pino';
import {
  clearImportErrors,
  type GaleDb,
  poolNames,
  recordImportError,
  syncDagAssetReferences,
  syncFilesDags,
  upsertDagCodes,
} from '../db/index.js';
import type { ParseResult, SerializedDag } from '../models/index.js';

type Db = GaleDb['db'];

/** One file's parse, and its source as read after the parse (null when it could not be read). */
export interface ParsedFile {
  file: string;
  result: ParseResult;
  source: string | null;
}

/** How a file's store ended: `unknownPool` files are parsed again when the pools change. */
export type StoreOutcome = 'stored' | 'importError' | 'unknownPool' | 'failed';

export interface StoreOptions {
  log: Logger;
  pausedAtCreation: boolean;
  now: () => Date;
}

/** The most files one transaction holds: it bounds how long the DAG rows it writes stay locked. */
export const MAX_FILES_PER_TRANSACTION = 100;

/** How long the first file of a batch waits for others before the batch is written. */
export const GATHER_MS = 100;

/** Stores the files in one transaction; if that fails, each in its own. Never throws. */
export async function storeParsedFiles(
  db: Db,
  files: readonly ParsedFile[],
  options: StoreOptions,
): Promise<Map<string, StoreOutcome>> {
  try {
    return await db.transaction().execute((tx) => storeBatch(tx, files, options));
  } catch (error) {
    if (files.length === 1) {
      options.log.error({ file: files[0]?.file, err: error }, 'could not store the parsed DAG file');
      return new Map([[files[0]?.file ?? '', 'failed']]);
    }
    options.log.warn({ files: files.length, err: error }, 'storing parsed files together failed; one by one');
    const outcomes = new Map<string, StoreOutcome>();
    for (const f of files) {
      for (const [file, outcome] of await storeParsedFiles(db, [f], options)) outcomes.set(file, outcome);
    }
    return outcomes;
  }
}

/**
 * The files' import errors, then their DAGs in a few statements for them all (in the files'
 * order, so a DAG id two of them define is the first one's), then what every file has in common.
 */
async function storeBatch(
  tx: Db,
  files: readonly ParsedFile[],
  options: StoreOptions,
): Promise<Map<string, StoreOutcome>> {
  const { log } = options;
  const now = options.now();
  const pools = await poolNames(tx);
  // in the files' order, whichever step decides each outcome
  const outcomes = new Map<string, StoreOutcome>(files.map((f) => [f.file, 'stored']));
  const imported: ParsedFile[] = [];
  const sources: { fileloc: string; source: string }[] = [];
  for (const f of files) {
    const { file, result, source } = f;
    if (result.error) {
      log.warn({ file, error: result.error.message }, 'DAG file failed to import');
      await recordImportError(tx, {
        filename: file,
        message: result.error.message,
        stacktrace: result.error.stack,
        now,
      });
      outcomes.set(file, 'importError');
      continue;
    }
    const unknownPool = unknownPoolOf(result.dags, pools);
    if (unknownPool) {
      log.warn({ file, error: unknownPool }, 'DAG file names an unknown pool');
      await recordImportError(tx, { filename: file, message: unknownPool, stacktrace: unknownPool, now });
      outcomes.set(file, 'unknownPool');
      continue;
    }
    // in the same transaction as the DAGs: a reader that sees a DAG's new version sees its new source
    if (source === null) log.warn({ file }, 'could not read the DAG file source to store it');
    else sources.push({ fileloc: file, source });
    imported.push(f);
  }
  const conflicts = await syncFilesDags(
    tx,
    imported.map((f) => ({ fileloc: f.file, dags: f.result.dags })),
    { pausedAtCreation: options.pausedAtCreation, now },
  );
  const owned: SerializedDag[] = [];
  const clean: string[] = [];
  for (const [i, { file, result }] of imported.entries()) {
    const found = conflicts[i] ?? [];
    const taken = new Set(found.map((c) => c.dagId));
    owned.push(...result.dags.filter((d) => !taken.has(d.dagId)));
    log.debug({ file, dags: result.dags.map((d) => d.dagId) }, 'DAG file parsed');
    if (found.length === 0) {
      clean.push(file);
      continue;
    }
    const message = found
      .map((c) => `DAG id "${c.dagId}" is already defined in ${c.otherFile}`)
      .join('\n')
      .concat('\nhint: Give each DAG its own dagId across all DAG files.');
    await recordImportError(tx, { filename: file, message, stacktrace: message, now });
    outcomes.set(file, 'importError');
  }
  await upsertDagCodes(tx, sources, now);
  // which DAGs wait for which assets, and which tasks update them (gale assets list)
  await syncDagAssetReferences(tx, owned, now);
  await clearImportErrors(tx, clean);
  return outcomes;
}

/** The first task that names a pool that does not exist, as an import error message; else null. */
export function unknownPoolOf(dags: readonly SerializedDag[], pools: ReadonlySet<string>): string | null {
  for (const d of dags) {
    for (const t of d.tasks) {
      if (!pools.has(t.pool)) {
        return `DAG "${d.dagId}", task "${t.taskId}": pool "${t.pool}" does not exist\nhint: Create it with "gale pools set ${t.pool} <slots>", or use another pool.`;
      }
    }
  }
  return null;
}

/**
 * Stores parsed files as they arrive, a transaction per batch: a batch is written when it is full,
 * GATHER_MS after its first file arrived, or when the pass flushes, whichever is first. Waiting a
 * little lets a batch gather the files parsed meanwhile (with SQLite a write blocks the event
 * loop, so none arrive during one), and a lone file is still written at once as far as a user sees.
 */
export class StoreQueue {
  readonly #db: Db;
  readonly #options: StoreOptions;
  readonly #onStored: (file: string, outcome: StoreOutcome) => void;
  #pending: ParsedFile[] = [];
  #draining: Promise<void> | null = null;
  #timer: NodeJS.Timeout | undefined;

  constructor(db: Db, options: StoreOptions, onStored: (file: string, outcome: StoreOutcome) => void) {
    this.#db = db;
    this.#options = options;
    this.#onStored = onStored;
  }

  add(file: ParsedFile): void {
    this.#pending.push(file);
    if (this.#pending.length >= MAX_FILES_PER_TRANSACTION) this.#kick();
    else this.#timer ??= setTimeout(() => this.#kick(), GATHER_MS);
  }

  #kick(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#draining || this.#pending.length === 0) return;
    this.#draining = this.#drain().finally(() => {
      this.#draining = null;
      // files that arrived during an asynchronous write (PostgreSQL) have waited already
      this.#kick();
    });
  }

  /** Writes what is pending now; resolves when every file added so far is stored. */
  async flushed(): Promise<void> {
    this.#kick();
    while (this.#draining) await this.#draining;
  }

  async #drain(): Promise<void> {
    while (this.#pending.length > 0) {
      const batch = this.#pending.splice(0, MAX_FILES_PER_TRANSACTION);
      const outcomes = await storeParsedFiles(this.#db, batch, this.#options);
      for (const [file, outcome] of outcomes) this.#onStored(file, outcome);
    }
  }
}
