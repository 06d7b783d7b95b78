/**
 * The DAG processor stores the files of a batch in a few statements for them all. Stored together
 * they must end exactly as stored one after the other: a DAG id two files define is the earlier
 * file's (in the same batch too) and the later one records an import error naming it; a DAG a file
 * drops is inactive and free for a later file of the same batch; a changed DAG gets a new version
 * and a new next run; a fixed file's import error is cleared. Runs on SQLite and on PostgreSQL
 * (the project's GALE_TEST_DB).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type ParsedFile, storeParsedFiles } from '../../src/dag-processing/store-parse-results.js';
import { type GaleDb, migrate, openDatabase } from '../../src/db/index.js';
import type { SerializedDag } from '../../src/models/index.js';
import { dag, takeDefinedDags, task } from '../../src/sdk/index.js';
import { PARSE_DEFAULTS as DEFAULTS } from '../support/parse-defaults.js';
import { createTestDatabase, dropTestDatabase } from '../support/test-db.js';

const log = pino({ level: 'silent' });

let home: string;
const dbs: { url: string; gdb: GaleDb }[] = [];

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'gale-dag-file-sync-'));
  for (const name of ['together', 'one-by-one']) {
    const dir = mkdtempSync(join(home, `${name}-`));
    const url = createTestDatabase(dir);
    const gdb = openDatabase(url);
    await migrate(gdb.db, { defaultPoolSlots: 128 });
    dbs.push({ url, gdb });
  }
});

afterAll(async () => {
  for (const { url, gdb } of dbs) {
    await gdb.close();
    dropTestDatabase(url);
  }
  rmSync(home, { recursive: true, force: true });
});

/** A DAG as a parse process would send it; `tasks` changes its version. */
function serialized(dagId: string, file: string, tasks = 1, pool = 'default_pool'): SerializedDag {
  takeDefinedDags();
  dag({ dagId, schedule: '@daily', startDate: '2026-01-01T00:00:00Z' }, () => {
    for (let i = 0; i < tasks; i++) task({ taskId: `t${i}`, pool }, () => i)();
  });
  const [d] = takeDefinedDags();
  return d!.serialize(file, DEFAULTS);
}

const parsed = (file: string, ...dags: [string, number?][]): ParsedFile => ({
  file,
  result: { dags: dags.map(([id, tasks]) => serialized(id, file, tasks)), error: null },
  source: `// ${file}`,
});
const broken = (file: string): ParsedFile => ({
  file,
  result: { dags: [], error: { message: 'SyntaxError: nope', stack: 'SyntaxError: nope\n    at x' } },
  source: null,
});

/** Each batch stored together in the first database and file by file in the second. */
async function store(batch: ParsedFile[], at: string): Promise<string[][]> {
  const options = { log, pausedAtCreation: true, now: () => new Date(at) };
  const together = await storeParsedFiles(dbs[0]!.gdb.db, batch, options);
  const oneByOne = new Map<string, string>();
  for (const f of batch) {
    for (const [file, outcome] of await storeParsedFiles(dbs[1]!.gdb.db, [f], options))
      oneByOne.set(file, outcome);
  }
  return [[...together].map(([f, o]) => `${f}:${o}`), [...oneByOne].map(([f, o]) => `${f}:${o}`)];
}

async function state(gdb: GaleDb) {
  const { db } = gdb;
  return {
    dags: await db
      .selectFrom('dag')
      .select([
        'dag_id',
        'is_active',
        'is_paused',
        'fileloc',
        'latest_version_hash',
        'last_parsed_at',
        'created_at',
        'next_dagrun',
        'next_dagrun_create_after',
      ])
      .orderBy('dag_id')
      .execute(),
    versions: await db
      .selectFrom('serialized_dag')
      .select(['dag_id', 'version_hash', 'data'])
      .orderBy('dag_id')
      .orderBy('version_hash')
      .execute(),
    errors: await db.selectFrom('import_error').select(['filename', 'message']).orderBy('filename').execute(),
    codes: await db.selectFrom('dag_code').select(['fileloc', 'source']).orderBy('fileloc').execute(),
  };
}

async function same(): Promise<Awaited<ReturnType<typeof state>>> {
  const together = await state(dbs[0]!.gdb);
  expect(together).toEqual(await state(dbs[1]!.gdb));
  return together;
}

it('files stored together end exactly as stored one by one: conflicts, take-overs, versions, import errors', async () => {
  // x is a.ts's: b.ts, later in the same batch, conflicts; c.ts fails
  let [together, oneByOne] = await store(
    [parsed('/d/a.ts', ['x'], ['y']), parsed('/d/b.ts', ['x'], ['z']), broken('/d/c.ts')],
    '2026-11-29T10:00:00.000Z',
  );
  expect(together).toEqual(['/d/a.ts:stored', '/d/b.ts:importError', '/d/c.ts:importError']);
  expect(oneByOne).toEqual(together);
  let s = await same();
  expect(s.dags.map((d) => [d.dag_id, d.fileloc, d.is_active])).toEqual([
    ['x', '/d/a.ts', 1],
    ['y', '/d/a.ts', 1],
    ['z', '/d/b.ts', 1],
  ]);
  expect(s.errors.map((e) => e.filename)).toEqual(['/d/b.ts', '/d/c.ts']);
  expect(s.errors[0]?.message).toContain('DAG id "x" is already defined in /d/a.ts');
  expect(s.dags.every((d) => d.is_paused === 1 && d.next_dagrun !== null)).toBe(true);

  // a.ts drops x, and b.ts, after it in the same batch, takes it over; c.ts is fixed
  [together, oneByOne] = await store(
    [parsed('/d/a.ts', ['y']), parsed('/d/b.ts', ['x'], ['z']), parsed('/d/c.ts', ['w'])],
    '2026-11-29T11:00:00.000Z',
  );
  expect(together).toEqual(['/d/a.ts:stored', '/d/b.ts:stored', '/d/c.ts:stored']);
  expect(oneByOne).toEqual(together);
  s = await same();
  expect(s.dags.find((d) => d.dag_id === 'x')).toMatchObject({ fileloc: '/d/b.ts', is_active: 1 });
  expect(s.errors).toEqual([]);
  const before = s.versions.filter((v) => v.dag_id === 'x').length;

  // b.ts changes x (a new version); a.ts, before b.ts in the batch, defines x again and conflicts
  [together, oneByOne] = await store(
    [parsed('/d/a.ts', ['y'], ['x']), parsed('/d/b.ts', ['x', 2], ['z'])],
    '2026-11-29T12:00:00.000Z',
  );
  expect(together).toEqual(['/d/a.ts:importError', '/d/b.ts:stored']);
  expect(oneByOne).toEqual(together);
  s = await same();
  expect(s.versions.filter((v) => v.dag_id === 'x')).toHaveLength(before + 1);
  expect(s.errors.map((e) => [e.filename, e.message.split('\n')[0]])).toEqual([
    ['/d/a.ts', 'DAG id "x" is already defined in /d/b.ts'],
  ]);

  // b.ts drops x after a.ts conflicted on it in this batch; a.ts takes it in the next one
  [together, oneByOne] = await store(
    [parsed('/d/a.ts', ['y'], ['x']), parsed('/d/b.ts', ['z'])],
    '2026-11-29T13:00:00.000Z',
  );
  expect(together).toEqual(['/d/a.ts:importError', '/d/b.ts:stored']);
  expect(oneByOne).toEqual(together);
  s = await same();
  expect(s.dags.find((d) => d.dag_id === 'x')).toMatchObject({ fileloc: '/d/b.ts', is_active: 0 });
  [together, oneByOne] = await store([parsed('/d/a.ts', ['y'], ['x'])], '2026-11-29T14:00:00.000Z');
  expect(together).toEqual(['/d/a.ts:stored']);
  s = await same();
  expect(s.dags.find((d) => d.dag_id === 'x')).toMatchObject({ fileloc: '/d/a.ts', is_active: 1 });
  expect(s.errors).toEqual([]);

  // a file that no longer defines anything leaves its DAGs inactive
  await store([parsed('/d/c.ts')], '2026-11-29T15:00:00.000Z');
  s = await same();
  expect(s.dags.find((d) => d.dag_id === 'w')).toMatchObject({ is_active: 0 });
});

it('a batch with an unknown pool stores the other files and records the pool error', async () => {
  const bad: ParsedFile = {
    file: '/e/pool.ts',
    result: { dags: [serialized('p', '/e/pool.ts', 1, 'nope')], error: null },
    source: '// pool',
  };
  const [together, oneByOne] = await store([bad, parsed('/e/ok.ts', ['ok'])], '2026-11-29T16:00:00.000Z');
  expect(together).toEqual(['/e/pool.ts:unknownPool', '/e/ok.ts:stored']);
  expect(oneByOne).toEqual(together);
  const s = await same();
  expect(s.errors.find((e) => e.filename === '/e/pool.ts')?.message).toContain('pool "nope" does not exist');
  expect(s.dags.some((d) => d.dag_id === 'p')).toBe(false);
});
