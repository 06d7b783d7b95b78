/** Task outputs (XCom values): in their database rows, or in files for large ones (the output_store settings). */
import type { GaleConfig } from '../config/index.js';
import { DatabaseOutputStore } from './database-output-store.js';
import { FileOutputStore } from './file-output-store.js';
import type { OutputStore } from './output-store.js';

export { DatabaseOutputStore } from './database-output-store.js';
export { FileOutputStore, type FileOutputStoreOptions } from './file-output-store.js';
export {
  isReference,
  OUTPUT_BACKENDS,
  type OutputBackend,
  type OutputLocation,
  type OutputScope,
  type OutputStore,
  REFERENCE_PREFIX,
  resolveOutput,
} from './output-store.js';

/** The output store the settings configure. */
export function createOutputStore(config: Pick<GaleConfig, 'core' | 'output_store'>): OutputStore {
  const s = config.output_store;
  const files = new FileOutputStore({
    path: s.path,
    thresholdBytes: s.threshold_bytes,
    maxBytes: s.max_bytes,
    maxRowBytes: config.core.max_output_size,
  });
  return s.backend === 'file' ? files : new DatabaseOutputStore(config.core.max_output_size, files);
}
