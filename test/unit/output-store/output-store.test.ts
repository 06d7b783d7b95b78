/**
 * The output store contract, passed by every backend: what put returns resolves back to the same
 * JSON, deleting a scope removes what its outputs refer to and nothing else, and a reference can
 * never reach outside the store's folder. Plus the file backend's threshold and limits.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createOutputStore,
  DatabaseOutputStore,
  FileOutputStore,
  isReference,
  type OutputLocation,
  type OutputStore,
  resolveOutput,
} from '../../../src/output-store/index.js';

const at = (over: Partial<OutputLocation> = {}): OutputLocation => ({
  dagId: 'd',
  runId: 'manual__2026-11-29T10:00:00+00:00',
  taskId: 't',
  mapIndex: -1,
  key: 'return_value',
  ...over,
});
const big = JSON.stringify({ rows: 'x'.repeat(5000) });

let dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'gale-outputs-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
});

const backends: [string, () => OutputStore][] = [
  ['database', () => new DatabaseOutputStore(1_000_000, null)],
  [
    'file',
    () =>
      new FileOutputStore({
        path: tempDir(),
        thresholdBytes: 100,
        maxBytes: 1_000_000,
        maxRowBytes: 1_000_000,
      }),
  ],
];

describe.each(backends)('the %s output store', (_name, make) => {
  it.each([
    ['a small value', '"small"'],
    ['a large value', big],
    ['null', 'null'],
  ])('gives back %s as it was put', async (_what, json) => {
    const store = make();
    const stored = await store.put(at(), json);
    expect(await resolveOutput(store, stored)).toBe(json);
  });

  it("deleting one run's outputs leaves the others readable", async () => {
    const store = make();
    const gone = await store.put(at({ runId: 'r1' }), big);
    const kept = await store.put(at({ runId: 'r2' }), big);
    await store.delete({ dagId: 'd', runId: 'r1' });
    expect(await resolveOutput(store, kept)).toBe(big);
    if (isReference(gone)) await expect(resolveOutput(store, gone)).rejects.toThrow('cannot be read');
  });
});

describe('the file output store', () => {
  const make = (over: Partial<ConstructorParameters<typeof FileOutputStore>[0]> = {}) => {
    const path = tempDir();
    return {
      path,
      store: new FileOutputStore({
        path,
        thresholdBytes: 100,
        maxBytes: 1_000_000,
        maxRowBytes: 1_000,
        ...over,
      }),
    };
  };

  it.each([
    ['at the threshold', 100, 100_000, false],
    ['over the threshold', 101, 100_000, true],
    ['under the threshold but over core.max_output_size', 50, 40, true],
  ])('keeps a value %s in a file: %s', async (_what, size, maxRowBytes, inFile) => {
    const { store } = make({ thresholdBytes: 100, maxRowBytes });
    const json = JSON.stringify('x'.repeat(size - 2));
    const stored = await store.put(at(), json);
    expect(isReference(stored)).toBe(inFile);
    expect(stored === json).toBe(!inFile);
  });

  it("names files after the xcom, so a task instance's outputs are deleted alone", async () => {
    const { path, store } = make();
    const first = await store.put(at({ mapIndex: 0 }), big);
    const second = await store.put(at({ mapIndex: 1 }), big);
    await store.delete({ dagId: 'd', runId: at().runId, taskId: 't', mapIndex: 0 });
    await expect(store.get(first)).rejects.toThrow('cannot be read');
    expect(await store.get(second)).toBe(big);
    await store.delete({ dagId: 'd' });
    expect(readdirSync(path)).toEqual([]);
  });

  it.each([
    ['a path out of the folder', '@gale-output:file:../../etc/passwd'],
    ['another kind of reference', '@gale-output:s3:bucket/key'],
  ])('refuses %s', async (_what, reference) => {
    const { store } = make();
    await expect(store.get(reference)).rejects.toMatchObject({ code: 'GALE_ERR_OUTPUT_MISSING' });
  });

  it('says which setting limits it', () => {
    expect(make({ maxBytes: 123 }).store.limit).toEqual({ bytes: 123, setting: 'output_store.max_bytes' });
  });
});

describe('createOutputStore', () => {
  const config = (backend: 'database' | 'file', path: string) => ({
    core: { max_output_size: 10 } as never,
    output_store: { backend, path, threshold_bytes: 5, max_bytes: 1000 },
  });

  it('keeps every output in its row with the database backend, and reads files an earlier file backend wrote', async () => {
    const path = tempDir();
    const written = await createOutputStore(config('file', path)).put(at(), big.slice(0, 500));
    expect(isReference(written)).toBe(true);
    const db = createOutputStore(config('database', path));
    expect(db.limit).toEqual({ bytes: 10, setting: 'core.max_output_size' });
    expect(await db.put(at(), big)).toBe(big);
    expect(await resolveOutput(db, written)).toBe(big.slice(0, 500));
    await db.delete({ dagId: 'd' });
    expect(existsSync(join(path, 'd'))).toBe(false);
  });
});
