/**
 * The database backend of task outputs (the default): every output stays in its xcom row, at most
 * core.max_output_size bytes. References written while the file backend was configured are still
 * read (and deleted) through the file store of output_store.path, so switching back loses nothing.
 */
import type { FileOutputStore } from './file-output-store.js';
import type { OutputLocation, OutputScope, OutputStore } from './output-store.js';

export class DatabaseOutputStore implements OutputStore {
  readonly backend = 'database' as const;
  readonly limit: OutputStore['limit'];

  constructor(
    maxOutputSize: number,
    private readonly earlierFiles: FileOutputStore | null = null,
  ) {
    this.limit = { bytes: maxOutputSize, setting: 'core.max_output_size' };
  }

  put(_at: OutputLocation, json: string): Promise<string> {
    return Promise.resolve(json);
  }

  get(reference: string): Promise<string> {
    if (this.earlierFiles) return this.earlierFiles.get(reference);
    return Promise.reject(new Error(`No file store to read output reference ${reference.slice(0, 200)}`));
  }

  async delete(scope: OutputScope): Promise<void> {
    await this.earlierFiles?.delete(scope);
  }
}
