/**
 * Reading a DAG file's source from disk for the API: only a regular file inside a DAG folder,
 * after following links, and never one that a path or a link leads out of the folder.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_DAG_SOURCE_BYTES, readDagSourceFile } from '../../../src/api/dag-source.js';

describe('readDagSourceFile', () => {
  let root: string;
  let dags: string;
  let examples: string;

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'gale-dag-source-'));
    dags = join(root, 'dags');
    examples = join(root, 'examples');
    mkdirSync(join(dags, 'team'), { recursive: true });
    mkdirSync(examples);
    writeFileSync(join(dags, 'top.ts'), 'top');
    writeFileSync(join(dags, 'team', 'nested.ts'), 'nested');
    writeFileSync(join(examples, 'example.ts'), 'example');
    writeFileSync(join(root, 'secret.ts'), 'secret');
    writeFileSync(join(dags, 'huge.ts'), 'x'.repeat(MAX_DAG_SOURCE_BYTES + 1));
    symlinkSync(join(root, 'secret.ts'), join(dags, 'link-out.ts'));
    symlinkSync(join(dags, 'top.ts'), join(dags, 'link-in.ts'));
    // the DAG folder itself through a link: files inside still count as inside
    symlinkSync(dags, join(root, 'dags-link'));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it.each([
    { what: 'a file in the folder', path: () => join(dags, 'top.ts'), expected: 'top' },
    { what: 'a file in a subfolder', path: () => join(dags, 'team', 'nested.ts'), expected: 'nested' },
    { what: 'a file in the second folder', path: () => join(examples, 'example.ts'), expected: 'example' },
    { what: 'a link to a file inside', path: () => join(dags, 'link-in.ts'), expected: 'top' },
    {
      what: 'a file through a link to the folder',
      path: () => join(root, 'dags-link', 'top.ts'),
      expected: 'top',
    },
    { what: 'a file outside the folders', path: () => join(root, 'secret.ts'), expected: null },
    { what: 'a path that climbs out with ..', path: () => join(dags, '..', 'secret.ts'), expected: null },
    { what: 'a link that leads out', path: () => join(dags, 'link-out.ts'), expected: null },
    { what: 'a relative path', path: () => 'dags/top.ts', expected: null },
    { what: 'the folder itself', path: () => dags, expected: null },
    { what: 'a subfolder', path: () => join(dags, 'team'), expected: null },
    { what: 'a missing file', path: () => join(dags, 'gone.ts'), expected: null },
    { what: 'a file over the size limit', path: () => join(dags, 'huge.ts'), expected: null },
    { what: 'any system file', path: () => '/etc/passwd', expected: null },
  ])('$what: $expected', async ({ path, expected }) => {
    expect(await readDagSourceFile(path(), [dags, examples])).toBe(expected);
  });

  it('reads nothing when no DAG folder exists', async () => {
    expect(await readDagSourceFile(join(dags, 'top.ts'), [join(root, 'none')])).toBe(null);
  });
});
