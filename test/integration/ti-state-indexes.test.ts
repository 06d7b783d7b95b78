/**
 * The task_instance indexes of migration 0020: each state change of a try rewrites every index
 * that holds `state` or a column the write sets, so the deferral indexes hold only deferrals and
 * one index on (dag_id, state, run_id) serves both a DAG's and a run's task instances by state.
 * Checked here: the indexes are as described (both dialects); `gale db reset` still undoes every
 * migration and applies them again (both); and the reads they are for still find them (SQLite's
 * plans; PostgreSQL plans by statistics).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sql } from '#kysely';
import {
  cleanUnusedTriggers,
  deferredTisOf,
  findTimedOutDeferrals,
  type GaleDb,
  pendingMigrations,
  resetDatabase,
  SerializedDagCache,
} from '../../src/db/index.js';
import { scheduleRun } from '../../src/scheduler/task-readiness.js';
import { deferAll, deferDagDatabase, deferral, delta, runningTis } from '../support/deferred-tries.js';
import type { GaleHome } from '../support/gale-home.js';
import { sqlitePlansOf } from '../support/query-plans.js';
import { testDialect } from '../support/test-db.js';

let h: GaleHome;
let gdb: GaleDb;

beforeEach(async () => {
  ({ h, gdb } = await deferDagDatabase());
  await runningTis(gdb, ['a', 'b']);
});
afterEach(async () => {
  await gdb.close();
  h.cleanup();
});

/** Each index of task_instance by name, with its definition as the database gives it. */
async function indexesOfTaskInstance(): Promise<Map<string, string>> {
  const { rows } =
    testDialect() === 'sqlite'
      ? await sql<{ name: string; def: string | null }>`
          select name, sql as def from sqlite_master where type = 'index' and tbl_name = 'task_instance'`.execute(
          gdb.db,
        )
      : await sql<{ name: string; def: string | null }>`
          select indexname as name, indexdef as def from pg_indexes where tablename = 'task_instance'`.execute(
          gdb.db,
        );
  const normal = (def: string) =>
    def
      .replace(/"/g, '')
      .replace(/\s+/g, ' ')
      .replace(/\s*([(),])\s*/g, '$1')
      .toLowerCase();
  return new Map(rows.map((r) => [r.name, normal(r.def ?? '')]));
}

describe('task_instance indexes', () => {
  it('hold only deferrals in the deferral indexes, and one index for state by DAG and run', async () => {
    const indexes = await indexesOfTaskInstance();
    expect(indexes.get('idx_ti_trigger_id')).toMatch(/\(trigger_id\)where ?\(?trigger_id is not null/);
    expect(indexes.get('idx_ti_deferred_timeout')).toMatch(
      /\(state,trigger_timeout\)where ?\(*state\)?(::text)? = 'deferred'/,
    );
    expect(indexes.get('idx_ti_dag_state_run')).toMatch(/\(dag_id,state,run_id\)$/);
    for (const gone of ['idx_ti_dag_state', 'idx_ti_run_state', 'idx_ti_state_trigger_timeout']) {
      expect(indexes.has(gone)).toBe(false);
    }
  });

  it('are made again by `gale db reset` (every migration undone and applied)', async () => {
    await resetDatabase(gdb.db, { defaultPoolSlots: 128 });
    expect(await pendingMigrations(gdb.db)).toEqual([]);
    const indexes = await indexesOfTaskInstance();
    expect([...indexes.keys()]).toEqual(
      expect.arrayContaining(['idx_ti_trigger_id', 'idx_ti_deferred_timeout', 'idx_ti_dag_state_run']),
    );
    expect(await gdb.db.selectFrom('task_instance').select('id').execute()).toEqual([]);
  });
});

describe.skipIf(testDialect() !== 'sqlite')('the reads they are for (SQLite plans)', () => {
  /** The plan lines of every statement `run` sent that reads or writes task_instance. */
  async function tiPlans(run: (db: GaleDb['db']) => Promise<unknown>): Promise<string[][]> {
    const plans = await sqlitePlansOf(gdb, run);
    return plans.filter((p) => /task_instance/.test(p.sql)).map((p) => p.plan);
  }

  it('the scheduler looks at a running run through idx_ti_dag_state_run', async () => {
    const run = await gdb.db.selectFrom('dag_run').selectAll().executeTakeFirstOrThrow();
    const plans = await tiPlans((db) => scheduleRun(db, new SerializedDagCache(), run, new Date()));
    // both running: nothing may change, so only the look in the index is made (its two `exists`
    // are recorded on their own too)
    const seeks = plans.flat().filter((line) => /task_instance/.test(line));
    expect(seeks.length).toBeGreaterThanOrEqual(2);
    for (const line of seeks) {
      expect(line).toMatch(
        /^SEARCH task_instance USING COVERING INDEX idx_ti_dag_state_run \(dag_id=\? AND state=\? AND run_id=\?\)/,
      );
    }
  });

  it.each([
    [
      'deferrals past their timeout',
      (db: GaleDb['db']) => findTimedOutDeferrals(db, new Date()),
      'idx_ti_deferred_timeout',
    ],
    ["a trigger's deferred task instances", (db: GaleDb['db']) => deferredTisOf(db, 1), 'idx_ti_trigger_id'],
    ['cleaning up unused triggers', (db: GaleDb['db']) => cleanUnusedTriggers(db), 'idx_ti_trigger_id'],
  ])('%s are found through %s', async (_name, read, index) => {
    await deferAll(gdb, ['a'], deferral(delta(60_000), 1_000));
    const plans = await tiPlans(read);
    expect(plans.length).toBeGreaterThan(0);
    for (const plan of plans) {
      const lines = plan.filter((line) => /\btask_instance\b/.test(line));
      expect(lines.length).toBeGreaterThan(0);
      for (const line of lines) expect(line).toContain(`USING INDEX ${index}`);
    }
  });
});
