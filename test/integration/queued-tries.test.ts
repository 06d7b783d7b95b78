/**
 * The scheduler writes the tries it queues in bulk (chunks of rows per statement): each row still
 * gets its own token and try number, and a row that changed since it was read is left alone.
 * Runs on SQLite and on PostgreSQL (the project's GALE_TEST_DB).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type GaleDb, migrate, openDatabase } from '../../src/db/index.js';
import { markTriesQueued, type TryToQueue } from '../../src/scheduler/queued-tries.js';
import { createTestDatabase, dropTestDatabase } from '../support/test-db.js';

const NOW = '2026-11-29T12:00:00.000Z';
const STARTED = '2026-11-29T11:00:00.000Z';
let home: string;
let url: string;
let gdb: GaleDb;

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'gale-queued-tries-'));
  url = createTestDatabase(home);
  gdb = openDatabase(url);
  await migrate(gdb.db, { defaultPoolSlots: 128 });
});

afterAll(async () => {
  await gdb.close();
  dropTestDatabase(url);
  rmSync(home, { recursive: true, force: true });
});

interface Row {
  id: string;
  state?: string;
  try_number?: number;
  next_method?: string | null;
  start_date?: string | null;
}

async function insert(rows: readonly Row[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 100) {
    await gdb.db
      .insertInto('task_instance')
      .values(
        rows.slice(i, i + 100).map((r) => ({
          id: r.id,
          dag_id: 'd',
          run_id: 'r',
          task_id: r.id,
          map_index: -1,
          max_tries: 0,
          state: (r.state ?? 'scheduled') as 'scheduled',
          try_number: r.try_number ?? 0,
          next_method: r.next_method ?? null,
          start_date: r.start_date ?? null,
          operator: 'task',
          pool: 'default_pool',
          pool_slots: 1,
          priority_weight: 1,
          queue: 'default',
          hostname: 'old-host',
          updated_at: STARTED,
        })),
      )
      .execute();
  }
}

const queued = (id: string, tryNumber: number, executor = 'local', isResuming = false): TryToQueue => ({
  id,
  tryNumber,
  isResuming,
  executor,
  token: `token-${id}`,
});

it('queues hundreds of tries in chunks, each with its own token and next try number, skipping rows that changed', async () => {
  const many = Array.from({ length: 450 }, (_, i) => `t${String(i).padStart(3, '0')}`);
  await insert([
    ...many.map((id) => ({ id })),
    { id: 'resuming', try_number: 2, next_method: 'execute_complete', start_date: STARTED },
    { id: 'retried-meanwhile', try_number: 1 },
    { id: 'cleared-meanwhile', state: 'none' },
  ]);
  const done = await gdb.db
    .transaction()
    .execute((tx) =>
      markTriesQueued(
        tx,
        [
          ...many.map((id, i) => queued(id, 0, i % 2 === 0 ? 'local' : 'queue')),
          queued('resuming', 2, 'local', true),
          queued('retried-meanwhile', 0),
          queued('cleared-meanwhile', 0),
        ],
        NOW,
      ),
    );
  expect([...done].sort()).toEqual([...many, 'resuming'].sort());

  const rows = await gdb.db
    .selectFrom('task_instance')
    .select([
      'id',
      'state',
      'try_number',
      'external_executor_id',
      'executor',
      'queued_at',
      'start_date',
      'hostname',
    ])
    .orderBy('id')
    .execute();
  const byId = new Map(rows.map((r) => [r.id, r]));
  for (const [i, id] of many.entries()) {
    expect(byId.get(id)).toEqual({
      id,
      state: 'queued',
      try_number: 1,
      external_executor_id: `token-${id}`,
      executor: i % 2 === 0 ? 'local' : 'queue',
      queued_at: NOW,
      start_date: null,
      hostname: null,
    });
  }
  // a try resuming from a deferral keeps its number and the start of its first run
  expect(byId.get('resuming')).toMatchObject({ state: 'queued', try_number: 2, start_date: STARTED });
  expect(byId.get('retried-meanwhile')).toMatchObject({
    state: 'scheduled',
    try_number: 1,
    hostname: 'old-host',
  });
  expect(byId.get('cleared-meanwhile')).toMatchObject({ state: 'none', external_executor_id: null });
});
