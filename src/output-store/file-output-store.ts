/**
 * The file backend of task outputs, as Airflow's XComObjectStorageBackend: an output whose JSON is
 * larger than output_store.threshold_bytes (or than core.max_output_size) is written to a file
 * under output_store.path (a volume every task process, scheduler and API server shares when they
 * run apart) and its xcom row keeps a reference relative to that path. Files are named after the
 * xcom (dag/run/task/map index/key), so a new try overwrites its previous try's files and deleting
 * a run deletes one folder. Must never write outside its path.
 */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { GaleError } from '../models/index.js';
import { type OutputLocation, type OutputScope, type OutputStore, REFERENCE_PREFIX } from './output-store.js';

export interface FileOutputStoreOptions {
  /** folder of the output files (output_store.path) */
  path: string;
  /** outputs with more JSON bytes than this go to a file (output_store.threshold_bytes) */
  thresholdBytes: number;
  /** the largest output (output_store.max_bytes) */
  maxBytes: number;
  /** outputs larger than this never stay in their row (core.max_output_size) */
  maxRowBytes: number;
}

const FILE_PREFIX = `${REFERENCE_PREFIX}file:`;
// ids may hold characters a file name should not ("/" never, but ":" "+" are common in run ids)
const segment = (s: string) => encodeURIComponent(s).replaceAll('.', '%2E');

export class FileOutputStore implements OutputStore {
  readonly backend = 'file' as const;
  readonly limit: OutputStore['limit'];
  readonly #root: string;
  readonly #inRow: number;

  constructor(readonly options: FileOutputStoreOptions) {
    this.#root = resolve(options.path);
    this.#inRow = Math.min(options.thresholdBytes, options.maxRowBytes);
    this.limit = { bytes: options.maxBytes, setting: 'output_store.max_bytes' };
  }

  async put(at: OutputLocation, json: string): Promise<string> {
    if (Buffer.byteLength(json) <= this.#inRow) return json;
    const relative = [
      segment(at.dagId),
      segment(at.runId),
      segment(at.taskId),
      String(at.mapIndex),
      `${segment(at.key)}.json`,
    ].join('/');
    const file = join(this.#root, relative);
    await mkdir(dirname(file), { recursive: true });
    // written whole or not at all: a reader never sees half a file
    const partial = `${file}.${process.pid}.partial`;
    await writeFile(partial, json);
    await rename(partial, file);
    return `${FILE_PREFIX}${relative}`;
  }

  async get(reference: string): Promise<string> {
    const file = this.#fileOf(reference);
    try {
      return await readFile(file, 'utf8');
    } catch (error) {
      throw new GaleError('GALE_ERR_OUTPUT_MISSING', `The output file ${file} cannot be read`, {
        hint: 'Every process (task processes, scheduler, API server) must see the same output_store.path; the file may also have been deleted by hand.',
        cause: error,
      });
    }
  }

  async delete(scope: OutputScope): Promise<void> {
    const parts = [scope.dagId, scope.runId, scope.taskId];
    const named: string[] = [];
    for (const part of parts) {
      if (part === undefined) break;
      named.push(segment(part));
    }
    if (named.length === 3 && scope.mapIndex !== undefined) named.push(String(scope.mapIndex));
    await rm(join(this.#root, ...named), { recursive: true, force: true });
  }

  #fileOf(reference: string): string {
    const file = resolve(this.#root, reference.slice(FILE_PREFIX.length));
    if (!reference.startsWith(FILE_PREFIX) || !file.startsWith(this.#root + sep)) {
      throw new GaleError(
        'GALE_ERR_OUTPUT_MISSING',
        `"${reference.slice(0, 200)}" is not an output file reference`,
        {
          hint: 'An xcom row was changed by hand; clear the task to store its output again.',
        },
      );
    }
    return file;
  }
}
