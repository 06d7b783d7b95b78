/**
 * A metadata database with one DAG run of DAG "defer" whose task instances run and defer, for the
 * triggerer's tests (in this process, against SQLite or PostgreSQL as the project says).
 */
import { afterEach, beforeEach } from 'vitest';
import { deferTry, type GaleDb, migrate, openDatabase } from '../../src/db/index.js';
import { type Deferral, TRIGGER_CLASSPATHS } from '../../src/models/index.js';
import { dag, takeDefinedDags, task } from '../../src/sdk/index.js';
import { type GaleHome, makeGaleHome } from './gale-home.js';

/**
 * Before each test of the file: a fresh GALE_HOME, its migrated database (given to `use`), DAG
 * "defer" (task "wait", 1 retry) and its run manual__1; after each, both go.
 */
export function eachTestDeferDagDatabase(use: (gdb: GaleDb) => void): void {
  let h: GaleHome | undefined;
  let gdb: GaleDb | undefined;
  beforeEach(async () => {
    ({ h, gdb } = await deferDagDatabase());
    use(gdb);
  });
  afterEach(async () => {
    await gdb?.close();
    h?.cleanup();
  });
}

export async function deferDagDatabase(): Promise<{ h: GaleHome; gdb: GaleDb }> {
  const h = makeGaleHome();
  const gdb = openDatabase(h.dbUrl);
  await migrate(gdb.db, { defaultPoolSlots: 128 });
  takeDefinedDags();
  const d = dag({ dagId: 'defer' }, () => {
    task({ taskId: 'wait', retries: 1, retryDelay: 0 }, () => 1)();
  });
  const data = d.serialize('/dags/defer.ts', {
    catchup: false,
    dataIntervals: false,
    timezone: 'UTC',
    maxActiveRuns: 1,
    maxActiveTasks: 1,
  });
  const now = new Date().toISOString();
  await gdb.db
    .insertInto('serialized_dag')
    .values({ dag_id: 'defer', version_hash: 'v1', data: JSON.stringify(data), created_at: now })
    .execute();
  await gdb.db
    .insertInto('dag_run')
    .values({
      dag_id: 'defer',
      run_id: 'manual__1',
      run_type: 'manual',
      state: 'running',
      logical_date: now,
      data_interval_start: now,
      data_interval_end: now,
      run_after: now,
      conf: '{}',
      dag_version_hash: 'v1',
      created_at: now,
    })
    .execute();
  return { h, gdb };
}

/** Task instances whose try 1 runs now (claimed with token "t1"); "a" is task "wait". */
export async function runningTis(gdb: GaleDb, ids: readonly string[], maxTries = 0): Promise<void> {
  const now = new Date().toISOString();
  await gdb.db
    .insertInto('task_instance')
    .values(
      ids.map((id) => ({
        id,
        dag_id: 'defer',
        run_id: 'manual__1',
        task_id: id === 'a' ? 'wait' : id,
        map_index: -1,
        try_number: 1,
        max_tries: maxTries,
        state: 'running' as const,
        operator: 'task',
        start_date: now,
        pool: 'default_pool',
        pool_slots: 1,
        priority_weight: 1,
        queue: 'default',
        external_executor_id: 't1',
        updated_at: now,
      })),
    )
    .execute();
}

export function deferral(trigger: Deferral['trigger'], timeoutMs: number | null = null): Deferral {
  return { trigger, method: 'execute', kwargs: { page: 2 }, timeoutMs, executionTimeoutMs: null };
}

export const delta = (ms: number) => ({ classpath: TRIGGER_CLASSPATHS.timeDelta, kwargs: { delta_ms: ms } });

/** Defers the running try 1 (token "t1") of each task instance; fails the test if one cannot. */
export async function deferAll(gdb: GaleDb, ids: readonly string[], d: Deferral, now = new Date()) {
  for (const id of ids) {
    if (!(await deferTry(gdb.db, { tiId: id, tryNumber: 1, token: 't1', deferral: d, now }))) {
      throw new Error(`task instance ${id} could not defer`);
    }
  }
}

export async function tiRow(gdb: GaleDb, id: string) {
  return gdb.db.selectFrom('task_instance').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}
