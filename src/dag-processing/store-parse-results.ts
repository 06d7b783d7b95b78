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
  syncFileDags,
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

/** Stores the files in one transaction; if that fails, each in its own. Never throws. */
export async function storeParsedFiles(
  db: Db,
  files: readonly ParsedFile[],
  options: StoreOptions,
): Promise<Map<string, StoreOutcome>> {
  try {
    return await db.transaction().execute(async (tx) => {
      const pools = await poolNames(tx);
      const outcomes = new Map<string, StoreOutcome>();
      const batch: Batch = { sources: [], owned: [], clean: [] };
      for (const f of files) outcomes.set(f.file, await storeFile(tx, f, pools, batch, options));
      // what is written the same way for every file goes in a few statements for them all
      const now = options.now();
      await upsertDagCodes(tx, batch.sources, now);
      // which DAGs wait for which assets, and which tasks update them (gale assets list)
      await syncDagAssetReferences(tx, batch.owned, now);
      await clearImportErrors(tx, batch.clean);
      return outcomes;
    });
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

/** What the files of a transaction have in common, written once for them all. */
interface Batch {
  sources: { fileloc: string; source: string }[];
  owned: SerializedDag[];
  /** files that import without an error now */
  clean: string[];
}

async function storeFile(
  tx: Db,
  { file, result, source }: ParsedFile,
  pools: ReadonlySet<string>,
  batch: Batch,
  options: StoreOptions,
): Promise<StoreOutcome> {
  const { log } = options;
  const now = options.now();
  if (result.error) {
    log.warn({ file, error: result.error.message }, 'DAG file failed to import');
    await recordImportError(tx, {
      filename: file,
      message: result.error.message,
      stacktrace: result.error.stack,
      now,
    });
    return 'importError';
  }
  const unknownPool = unknownPoolOf(result.dags, pools);
  if (unknownPool) {
    log.warn({ file, error: unknownPool }, 'DAG file names an unknown pool');
    await recordImportError(tx, { filename: file, message: unknownPool, stacktrace: unknownPool, now });
    return 'unknownPool';
  }
  // in the same transaction as the DAGs: a reader that sees a DAG's new version sees its new source
  if (source === null) log.warn({ file }, 'could not read the DAG file source to store it');
  else batch.sources.push({ fileloc: file, source });
  const { conflicts } = await syncFileDags(tx, file, result.dags, {
    pausedAtCreation: options.pausedAtCreation,
    now,
  });
  batch.owned.push(...result.dags.filter((d) => !conflicts.some((c) => c.dagId === d.dagId)));
  log.debug({ file, dags: result.dags.map((d) => d.dagId) }, 'DAG file parsed');
  if (conflicts.length === 0) {
    batch.clean.push(file);
    return 'stored';
  }
  const message = conflicts
    .map((c) => `DAG id "${c.dagId}" is already defined in ${c.otherFile}`)
    .join('\n')
    .concat('\nhint: Give each DAG its own dagId across all DAG files.');
  await recordImportError(tx, { filename: file, message, stacktrace: message, now });
  return 'importError';
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
 * Stores parsed files as they arrive: while one batch is being written, the files that arrive
 * wait and are written together next, so batches grow with the rate of parsing and a lone file is
 * written at once.
 */
export class StoreQueue {
  readonly #db: Db;
  readonly #options: StoreOptions;
  readonly #onStored: (file: string, outcome: StoreOutcome) => void;
  #pending: ParsedFile[] = [];
  #draining: Promise<void> | null = null;

  constructor(db: Db, options: StoreOptions, onStored: (file: string, outcome: StoreOutcome) => void) {
    this.#db = db;
    this.#options = options;
    this.#onStored = onStored;
  }

  add(file: ParsedFile): void {
    this.#pending.push(file);
    this.#kick();
  }

  #kick(): void {
    if (this.#draining) return;
    this.#draining = this.#drain().finally(() => {
      this.#draining = null;
      if (this.#pending.length > 0) this.#kick();
    });
  }

  /** Resolves when every file added so far is stored. */
  async flushed(): Promise<void> {
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
