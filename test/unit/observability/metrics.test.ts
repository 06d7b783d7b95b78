/**
 * The metrics read from the metadata database at scrape time show what the database holds, and
 * the README documents every metric.
 */
import { readFileSync } from 'node:fs';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type GaleDb, migrate, openDatabase } from '../../../src/db/index.js';
import type { TaskInstanceState } from '../../../src/models/index.js';
import { createGaleMetrics, type GaleMetrics } from '../../../src/observability/index.js';

const NOW = '2026-01-01T00:00:00.000Z';

async function addTaskInstance(
  gdb: GaleDb,
  ti: { id: string; state: TaskInstanceState; pool?: string; poolSlots?: number },
): Promise<void> {
  await gdb.db
    .insertInto('task_instance')
    .values({
      id: ti.id,
      dag_id: 'etl',
      run_id: 'manual__1',
      task_id: ti.id,
      map_index: -1,
      try_number: 1,
      max_tries: 0,
      state: ti.state,
      operator: 'task',
      pool: ti.pool ?? 'default_pool',
      pool_slots: ti.poolSlots ?? 1,
      priority_weight: 1,
      queue: 'default',
      updated_at: NOW,
    })
    .execute();
}

async function addTry(gdb: GaleDb, tiId: string, tryNumber: number, state: TaskInstanceState): Promise<void> {
  await gdb.db
    .insertInto('task_instance_history')
    .values({
      ti_id: tiId,
      dag_id: 'etl',
      run_id: 'manual__1',
      task_id: tiId,
      map_index: -1,
      try_number: tryNumber,
      state,
      recorded_at: NOW,
    })
    .execute();
}

/** The value of one series of a metric, as a scrape sees it. */
async function seriesValue(metrics: GaleMetrics, name: string, labels: Record<string, string> = {}) {
  const metric = metrics.registry.getSingleMetric(name);
  if (!metric) throw new Error(`no metric ${name}`);
  const { values } = await metric.get();
  return values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))?.value;
}

describe('metrics read from the database', () => {
  let gdb: GaleDb;
  let metrics: GaleMetrics;

  beforeEach(async () => {
    gdb = openDatabase('sqlite://:memory:');
    await migrate(gdb.db, { defaultPoolSlots: 128 });
    metrics = createGaleMetrics({ db: gdb.db, log: pino({ level: 'silent' }) });
  });
  afterEach(() => gdb.close());

  it('pool gauges count the slots of queued and running task instances, per pool', async () => {
    await gdb.db
      .insertInto('slot_pool')
      .values({ pool: 'etl', slots: 4, description: '', include_deferred: 0 })
      .execute();
    await addTaskInstance(gdb, { id: 'a', state: 'queued', pool: 'etl', poolSlots: 2 });
    await addTaskInstance(gdb, { id: 'b', state: 'running', pool: 'etl', poolSlots: 1 });
    await addTaskInstance(gdb, { id: 'c', state: 'success', pool: 'etl', poolSlots: 3 });
    await addTaskInstance(gdb, { id: 'd', state: 'running' });
    expect(await seriesValue(metrics, 'gale_pool_open_slots', { pool: 'etl' })).toBe(1);
    expect(await seriesValue(metrics, 'gale_pool_queued_slots', { pool: 'etl' })).toBe(2);
    expect(await seriesValue(metrics, 'gale_pool_running_slots', { pool: 'etl' })).toBe(1);
    expect(await seriesValue(metrics, 'gale_pool_open_slots', { pool: 'default_pool' })).toBe(127);
    expect(await seriesValue(metrics, 'gale_pool_queued_slots', { pool: 'default_pool' })).toBe(0);
  });

  it('a deleted pool loses its series', async () => {
    await gdb.db
      .insertInto('slot_pool')
      .values({ pool: 'etl', slots: 4, description: '', include_deferred: 0 })
      .execute();
    expect(await seriesValue(metrics, 'gale_pool_open_slots', { pool: 'etl' })).toBe(4);
    await gdb.db.deleteFrom('slot_pool').where('pool', '=', 'etl').execute();
    expect(await seriesValue(metrics, 'gale_pool_open_slots', { pool: 'etl' })).toBeUndefined();
  });

  it('counts task instances by state, every state present', async () => {
    await addTaskInstance(gdb, { id: 'a', state: 'running' });
    await addTaskInstance(gdb, { id: 'b', state: 'running' });
    await addTaskInstance(gdb, { id: 'c', state: 'failed' });
    expect(await seriesValue(metrics, 'gale_task_instances', { state: 'running' })).toBe(2);
    expect(await seriesValue(metrics, 'gale_task_instances', { state: 'failed' })).toBe(1);
    expect(await seriesValue(metrics, 'gale_task_instances', { state: 'queued' })).toBe(0);
  });

  it('counts finished tries by end state: the try history, and the task instances in success', async () => {
    await addTry(gdb, 'a', 1, 'up_for_retry');
    await addTry(gdb, 'a', 2, 'success');
    await addTry(gdb, 'b', 1, 'success');
    await addTry(gdb, 'c', 1, 'failed');
    // a successful latest try stays in its task instance's row (src/db/try-history.ts)
    await addTaskInstance(gdb, { id: 'd', state: 'success' });
    expect(await seriesValue(metrics, 'gale_ti_finished', { state: 'success' })).toBe(3);
    expect(await seriesValue(metrics, 'gale_ti_finished', { state: 'failed' })).toBe(1);
    expect(await seriesValue(metrics, 'gale_ti_finished', { state: 'up_for_retry' })).toBe(1);
  });

  it('counts import errors', async () => {
    await gdb.db
      .insertInto('import_error')
      .values({ filename: '/dags/bad.ts', message: 'boom', stacktrace: 'boom', timestamp: NOW })
      .execute();
    expect(await seriesValue(metrics, 'gale_dag_processing_import_errors')).toBe(1);
  });

  it("the oldest running run's age per DAG, refreshed by the scheduler and aged at scrape time", async () => {
    const secondsAgo = (s: number) => new Date(Date.now() - s * 1000).toISOString();
    const addRun = (
      dagId: string,
      runId: string,
      state: 'running' | 'success' | 'queued',
      start: string | null,
    ) =>
      gdb.db
        .insertInto('dag_run')
        .values({
          dag_id: dagId,
          run_id: runId,
          run_type: 'manual',
          state,
          logical_date: `2026-01-01T00:00:0${runId.slice(1)}.000Z`,
          data_interval_start: NOW,
          data_interval_end: NOW,
          run_after: NOW,
          conf: '{}',
          queued_at: NOW,
          start_date: start,
          end_date: null,
          dag_version_hash: 'h',
          created_at: NOW,
        })
        .execute();
    await addRun('etl', 'r1', 'running', secondsAgo(600));
    await addRun('etl', 'r2', 'running', secondsAgo(60));
    await addRun('etl', 'r3', 'success', secondsAgo(6000));
    await addRun('report', 'r1', 'running', secondsAgo(30));
    await addRun('idle', 'r1', 'queued', null);
    const age = (dagId: string) =>
      seriesValue(metrics, 'gale_dagrun_oldest_running_seconds', { dag_id: dagId });
    expect(await age('etl')).toBeUndefined(); // not refreshed yet
    await metrics.refreshRunningDagRuns();
    expect(await age('etl')).toBeGreaterThanOrEqual(600);
    expect(await age('etl')).toBeLessThan(660);
    expect(await age('report')).toBeGreaterThanOrEqual(30);
    expect(await age('idle')).toBeUndefined();
    await gdb.db.updateTable('dag_run').set({ state: 'success' }).where('dag_id', '=', 'report').execute();
    await metrics.refreshRunningDagRuns();
    expect(await age('report')).toBeUndefined();
    expect(await age('etl')).toBeGreaterThanOrEqual(600);
  });

  it('two registries in one process do not clash', () => {
    expect(() => createGaleMetrics({ db: gdb.db, log: pino({ level: 'silent' }) })).not.toThrow();
  });
});

describe('the README', () => {
  it('documents every Gale metric, and no metric that does not exist', async () => {
    const gdb = openDatabase('sqlite://:memory:');
    try {
      const metrics = createGaleMetrics({ db: gdb.db, log: pino({ level: 'silent' }) });
      const names = metrics.registry
        .getMetricsAsArray()
        .map((m) => m.name)
        .filter((name) => !name.startsWith('gale_process_') && !name.startsWith('gale_nodejs_'))
        .sort();
      const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
      const documented = [...readme.matchAll(/^\| `(gale_[a-z_]+)` \|/gm)].map((m) => m[1]).sort();
      expect(documented).toEqual(names);
    } finally {
      await gdb.close();
    }
  });
});
