/** A try's output is checked against the limit of the configured output store, and the error names its setting. */
import { describe, expect, it } from 'vitest';
import { DatabaseOutputStore, FileOutputStore } from '../../../src/output-store/index.js';
import { serializeOutput } from '../../../src/runner/index.js';

const stores = {
  database: new DatabaseOutputStore(100, null),
  file: new FileOutputStore({ path: '/nonexistent', thresholdBytes: 10, maxBytes: 1000, maxRowBytes: 100 }),
};

describe('serializeOutput', () => {
  it.each([
    ['database', 'x'.repeat(200), 'core.max_output_size (100)'],
    ['file', 'x'.repeat(2000), 'output_store.max_bytes (1000)'],
  ] as const)(
    'with the %s backend, refuses an output over its limit naming the setting',
    (backend, value, named) => {
      const { limit } = stores[backend];
      expect(() => serializeOutput(value, limit.bytes, 'task "t"', limit.setting)).toThrow(named);
    },
  );

  it('lets the file backend take an output the database backend refuses', () => {
    const value = 'x'.repeat(200);
    const { limit } = stores.file;
    expect(serializeOutput(value, limit.bytes, 'task "t"', limit.setting)).toBe(JSON.stringify(value));
  });
});
