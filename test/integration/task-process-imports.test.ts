/**
 * What a task process loads to start: none of the packages only other processes use (the queue
 * executor's bullmq and ioredis, the Kubernetes client, the API's JWT library, the PostgreSQL client
 * on SQLite, ajv before a DAG has a param schema, the YAML parser without a gale.yaml). Each costs every try of a cold pool start-up
 * time and every warm process memory. Runs the built entries (dist/runner) in a fresh GALE_HOME.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const RUNNER = resolve(import.meta.dirname, '../../dist/runner');
const NOT_AT_START = ['bullmq', 'ioredis', '@kubernetes/client-node', 'fast-jwt', 'ajv', 'yaml', 'pg'];

// Without an IPC channel pool-worker.js leaves at once, and main.js fails on its missing workload:
// both have loaded their modules by then. At exit, the packages loaded as CommonJS are listed.
const LIST_AT_EXIT = `
process.on('exit', () => {
  const names = Object.keys(require.cache)
    .map((f) => /node_modules\\/((@[^/]+\\/)?[^/]+)\\//.exec(f)?.[1])
    .filter(Boolean);
  process.stderr.write('\\nLOADED ' + JSON.stringify([...new Set(names)]) + '\\n');
});
import(process.argv[1]);
`;

function packagesLoadedBy(entry: string, home: string): string[] {
  const r = spawnSync(process.execPath, ['-e', LIST_AT_EXIT, join(RUNNER, entry)], {
    env: { PATH: process.env.PATH, GALE_HOME: home },
    encoding: 'utf8',
    timeout: 60_000,
  });
  const line = r.stderr.split('\n').find((l) => l.startsWith('LOADED '));
  if (!line) throw new Error(`${entry} printed no list of packages: ${r.stderr}`);
  return JSON.parse(line.slice('LOADED '.length)) as string[];
}

describe('task process start-up', () => {
  let home: string;
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  it.each(['pool-worker.js', 'main.js'])(
    '%s loads none of the packages only other processes use',
    (entry) => {
      home = mkdtempSync(join(tmpdir(), 'gale-imports-'));
      const loaded = packagesLoadedBy(entry, home);
      // the list is real: the database driver a task process needs is in it
      expect(loaded).toContain('better-sqlite3');
      expect(loaded.filter((name) => NOT_AT_START.includes(name))).toEqual([]);
    },
  );
});
