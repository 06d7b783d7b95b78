/**
 * The history of tries (src/db/try-history.ts), as Airflow 3 keeps it: a successful try stays in
 * its task instance's row, and is copied into task_instance_history only when that row is about
 * to change (cleared, marked). The view task_instance_try lists every ended try either way, and
 * the ti_finished metric counts it. Both dialects, real databases.
 */
import { describe, expect, it } from 'vitest';
import { clearTaskInstances, failTry, finishTry, type GaleDb, keepLatestTries } from '../../src/db/index.js';
import { splitTaskIds } from '../../src/models/index.js';
import { countFinishedTriesByState } from '../../src/observability/metric-queries.js';
import { markTriesQueued } from '../../src/scheduler/queued-tries.js';
import { eachTestDeferDagDatabase, runningTis, tiRow } from '../support/deferred-tries.js';

let gdb: GaleDb;
eachTestDeferDagDatabase((db) => {
  gdb = db;
});

const NO_RETRY = { retryDelayMs: 0, retryExponentialBackoff: false, maxRetryDelayMs: null };

async function succeed(id: string, tryNumber: number, now = new Date()): Promise<boolean> {
  return gdb.db
    .transaction()
    .execute((tx) => finishTry(tx, { tiId: id, tryNumber, outcome: { state: 'success' }, now }));
}

async function history() {
  return gdb.db
    .selectFrom('task_instance_history')
    .select(['ti_id', 'try_number', 'state', 'error'])
    .orderBy('ti_id')
    .orderBy('try_number')
    .execute();
}

async function tries() {
  return gdb.db
    .selectFrom('task_instance_try')
    .select(['ti_id', 'try_number', 'state'])
    .orderBy('ti_id')
    .orderBy('try_number')
    .execute();
}

describe('the history of tries', () => {
  it('keeps a successful try in its task instance only; the view of ended tries lists it', async () => {
    await runningTis(gdb, ['a', 'b']);
    expect(await succeed('a', 1)).toBe(true);
    expect(await history()).toEqual([]);
    expect(await tries()).toEqual([{ ti_id: 'a', try_number: 1, state: 'success' }]);
    // a second report of the same end changes nothing
    expect(await succeed('a', 1)).toBe(false);
    expect(await tries()).toHaveLength(1);
  });

  it('writes a failed try at its end, with its error', async () => {
    await runningTis(gdb, ['a']);
    const now = new Date();
    const outcome = await failTry(gdb.db, { tiId: 'a', tryNumber: 1, error: 'boom', retry: NO_RETRY, now });
    expect(outcome?.state).toBe('failed');
    expect(await history()).toEqual([{ ti_id: 'a', try_number: 1, state: 'failed', error: 'boom' }]);
    expect(await tries()).toEqual([{ ti_id: 'a', try_number: 1, state: 'failed' }]);
  });

  it('copies a successful try into the history when it is cleared, and lists the next try after it', async () => {
    await runningTis(gdb, ['a']);
    await gdb.db.updateTable('task_instance').set({ hostname: 'host-1', pid: 11 }).execute();
    await succeed('a', 1);
    const cleared = await clearTaskInstances(gdb.db, {
      dagId: 'defer',
      runId: 'manual__1',
      retriesByTask: new Map(),
      now: new Date(),
    });
    expect(cleared).toEqual(['wait']);
    expect(await history()).toEqual([{ ti_id: 'a', try_number: 1, state: 'success', error: null }]);
    const kept = await gdb.db.selectFrom('task_instance_history').selectAll().executeTakeFirstOrThrow();
    expect(kept).toMatchObject({ hostname: 'host-1', pid: 11 });
    expect((await tiRow(gdb, 'a')).state).toBe('none');
    // queued again as try 2, run, succeeded
    await gdb.db.updateTable('task_instance').set({ state: 'scheduled' }).execute();
    const queued = await gdb.db
      .transaction()
      .execute((tx) =>
        markTriesQueued(
          tx,
          [{ id: 'a', tryNumber: 1, isResuming: false, executor: 'local', token: 't2' }],
          new Date().toISOString(),
        ),
      );
    expect([...queued]).toEqual(['a']);
    await gdb.db
      .updateTable('task_instance')
      .set({ state: 'running', start_date: new Date().toISOString() })
      .execute();
    await succeed('a', 2);
    expect(await tries()).toEqual([
      { ti_id: 'a', try_number: 1, state: 'success' },
      { ti_id: 'a', try_number: 2, state: 'success' },
    ]);
    expect((await countFinishedTriesByState(gdb.db)).get('success')).toBe(2);
  });

  it('copies only a latest try that succeeded, and only once', async () => {
    await runningTis(gdb, ['a', 'b']);
    await succeed('a', 1);
    await gdb.db.transaction().execute(async (tx) => {
      await keepLatestTries(tx, ['a', 'b'], new Date());
      await keepLatestTries(tx, ['a', 'b'], new Date());
    });
    expect(await history()).toEqual([{ ti_id: 'a', try_number: 1, state: 'success', error: null }]);
    // the history row and the task instance are the same try: listed once
    expect(await tries()).toEqual([{ ti_id: 'a', try_number: 1, state: 'success' }]);
  });

  it('clears only the named instance of a mapped task, and keeps its successful try', async () => {
    const now = new Date().toISOString();
    await gdb.db
      .insertInto('task_instance')
      .values(
        [0, 1, 2].map((i) => ({
          id: `m${i}`,
          dag_id: 'defer',
          run_id: 'manual__1',
          task_id: 'wait',
          map_index: i,
          try_number: 1,
          max_tries: 0,
          state: 'success' as const,
          operator: 'task',
          start_date: now,
          end_date: now,
          pool: 'default_pool',
          pool_slots: 1,
          priority_weight: 1,
          queue: 'default',
          updated_at: now,
        })),
      )
      .execute();
    const cleared = await clearTaskInstances(gdb.db, {
      dagId: 'defer',
      runId: 'manual__1',
      taskIds: ['wait'],
      mapIndexes: splitTaskIds([['wait', 1]]).mapIndexes,
      retriesByTask: new Map(),
      now: new Date(),
    });
    expect(cleared).toEqual(['wait']);
    const states = await gdb.db.selectFrom('task_instance').select(['id', 'state']).orderBy('id').execute();
    expect(states).toEqual([
      { id: 'm0', state: 'success' },
      { id: 'm1', state: 'none' },
      { id: 'm2', state: 'success' },
    ]);
    expect(await history()).toEqual([{ ti_id: 'm1', try_number: 1, state: 'success', error: null }]);
  });
});
