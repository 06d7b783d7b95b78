/**
 * The statements that write many tries at once (queueing, bulk claims and successes) join their
 * rows from a VALUES list by primary key. SQLite's plan for the forms they replaced (`case id when
 * ...` per row, row-value `in` lists) walked every task instance in the state for each statement:
 * the decisions benchmark ran 2 to 3 times slower, and nothing failed. This checks SQLite's query
 * plan of each statement as Gale sends it: task_instance is searched by its primary key, never
 * scanned. SQLite only (PostgreSQL plans by statistics, and these statements' shape is the same).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { claimTriesInBulk, type GaleDb, recordSuccessesInBulk } from '../../src/db/index.js';
import { markTriesQueued } from '../../src/scheduler/queued-tries.js';
import { deferDagDatabase, runningTis } from '../support/deferred-tries.js';
import type { GaleHome } from '../support/gale-home.js';
import { sqlitePlansOf } from '../support/query-plans.js';
import { testDialect } from '../support/test-db.js';

describe.skipIf(testDialect() !== 'sqlite')('plans of the statements that write many tries', () => {
  let h: GaleHome;
  let gdb: GaleDb;
  const IDS = ['a', 'b', 'c'];

  beforeEach(async () => {
    ({ h, gdb } = await deferDagDatabase());
    await runningTis(gdb, IDS);
  });
  afterEach(async () => {
    await gdb.close();
    h.cleanup();
  });

  /** The plan lines of every UPDATE that `write` sent. */
  async function updatePlans(write: (db: GaleDb['db']) => Promise<unknown>): Promise<string[][]> {
    const plans = await sqlitePlansOf(gdb, write);
    return plans.filter((p) => /^\s*update /i.test(p.sql)).map((p) => p.plan);
  }

  function expectSearchedById(plans: string[][]): void {
    expect(plans).toHaveLength(1);
    for (const plan of plans) {
      expect(plan.filter((line) => /^SCAN task_instance\b/.test(line))).toEqual([]);
      expect(plan.some((line) => /^SEARCH task_instance USING .*\(id=\?\)/.test(line))).toBe(true);
    }
  }

  it.each([
    [
      'queueing (markTriesQueued)',
      { state: 'scheduled' as const },
      async (db: GaleDb['db']) => {
        await db.transaction().execute((tx) =>
          markTriesQueued(
            tx,
            IDS.map((id) => ({ id, tryNumber: 1, isResuming: false, executor: 'local', token: `t-${id}` })),
            new Date().toISOString(),
          ),
        );
      },
    ],
    [
      'bulk claims (claimTriesInBulk)',
      { state: 'queued' as const, external_executor_id: 'tok' },
      async (db: GaleDb['db']) => {
        await db.transaction().execute((tx) =>
          claimTriesInBulk(
            tx,
            IDS.map((id) => ({ tiId: id, tryNumber: 1, token: 'tok', hostname: 'h', pid: 1 })),
            new Date(),
          ),
        );
      },
    ],
    [
      'bulk successes (recordSuccessesInBulk)',
      { state: 'running' as const },
      async (db: GaleDb['db']) => {
        await db.transaction().execute((tx) =>
          recordSuccessesInBulk(
            tx,
            IDS.map((id) => ({ tiId: id, tryNumber: 1, outputJson: undefined })),
            new Date(),
          ),
        );
      },
    ],
  ])('%s searches task_instance by its primary key', async (_name, before, write) => {
    await gdb.db.updateTable('task_instance').set(before).execute();
    expectSearchedById(await updatePlans(write));
  });
});
