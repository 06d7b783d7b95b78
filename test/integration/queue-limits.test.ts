/**
 * The queueing step reads a bounded number of candidates (four per open slot, at least 32); runs
 * at their maxActiveTasks and full pools are left out of them, so that many blocked task
 * instances of higher priority cannot hide one that may run.
 */
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type GaleDb, migrate, openDatabase, SerializedDagCache, triggerDagRun } from '../../src/db/index.js';
import { type Executor, ExecutorSet, type TaskWorkload } from '../../src/executors/index.js';
import { queueScheduledTasks } from '../../src/scheduler/task-queueing.js';
import { type Dag, dag, takeDefinedDags, task } from '../../src/sdk/index.js';
import { insertDagRow } from '../support/dag-rows.js';
import { type GaleHome, makeGaleHome } from '../support/gale-home.js';

/** Two open slots: 32 candidates are read, fewer than the blocked ones. */
const SLOTS = 2;

/** A test double of an executor: it only records what it is handed. */
class RecordingExecutor implements Executor {
  readonly name = 'local';
  readonly queued: TaskWorkload[] = [];
  start(): void {}
  openSlots(): number {
    return SLOTS - this.queued.length;
  }
  queue(workload: TaskWorkload): void {
    this.queued.push(workload);
  }
  drainEvents() {
    return [];
  }
  onEvent(): void {}
  isRunning(tiId: string): boolean {
    return this.queued.some((w) => w.tiId === tiId);
  }
  async shutdown(): Promise<void> {}
}

let h: GaleHome;
let gdb: GaleDb;
const cache = new SerializedDagCache();
const log = pino({ level: 'silent' });

async function storeDag(d: Dag, maxActiveTasks: number): Promise<void> {
  const data = d.serialize(`/dags/${d.dagId}.ts`, {
    catchup: false,
    dataIntervals: false,
    timezone: 'UTC',
    maxActiveRuns: 1,
    maxActiveTasks,
  });
  const now = new Date().toISOString();
  await gdb.db
    .insertInto('serialized_dag')
    .values({ dag_id: d.dagId, version_hash: 'v1', data: JSON.stringify(data), created_at: now })
    .execute();
  await insertDagRow(gdb.db, {
    dagId: d.dagId,
    fileloc: `/dags/${d.dagId}.ts`,
    maxActiveTasks,
    versionHash: 'v1',
  });
}

beforeEach(async () => {
  h = makeGaleHome();
  gdb = openDatabase(h.dbUrl);
  await migrate(gdb.db, { defaultPoolSlots: 128 });
  await gdb.db
    .insertInto('slot_pool')
    .values({ pool: 'tiny', slots: 1, description: '', include_deferred: 0 })
    .execute();
  takeDefinedDags();
  // 40 tasks of high priority in a run that may have one running at a time
  const busy = dag({ dagId: 'busy' }, () => {
    for (let i = 0; i < 40; i++) task({ taskId: `b${i}`, priorityWeight: 10 }, () => 1)();
  });
  const quiet = dag({ dagId: 'quiet' }, () => {
    task({ taskId: 'q', priorityWeight: 1 }, () => 1)();
  });
  // 40 tasks of high priority in a pool of one slot
  const pooled = dag({ dagId: 'pooled' }, () => {
    for (let i = 0; i < 40; i++) task({ taskId: `p${i}`, priorityWeight: 10, pool: 'tiny' }, () => 1)();
  });
  // 40 tasks of high priority, each allowed one running instance across runs
  const capped = dag({ dagId: 'capped' }, () => {
    for (let i = 0; i < 40; i++)
      task({ taskId: `c${i}`, priorityWeight: 10, maxActiveTisPerDag: 1 }, () => 1)();
  });
  await storeDag(busy, 1);
  await storeDag(capped, 64);
  await storeDag(quiet, 16);
  await storeDag(pooled, 16);
});

afterEach(async () => {
  await gdb.close();
  h.cleanup();
});

async function trigger(dagId: string): Promise<void> {
  const now = new Date();
  await triggerDagRun(gdb.db, cache, { dagId, logicalDate: now, now });
  await gdb.db.updateTable('dag').set({ is_paused: 0 }).where('dag_id', '=', dagId).execute();
  await gdb.db.updateTable('dag_run').set({ state: 'running' }).where('dag_id', '=', dagId).execute();
  await gdb.db.updateTable('task_instance').set({ state: 'scheduled' }).where('dag_id', '=', dagId).execute();
}

async function queueOnce(parallelism = SLOTS): Promise<string[]> {
  const executor = new RecordingExecutor();
  await queueScheduledTasks(gdb.db, cache, new ExecutorSet([executor]), {
    baseLogFolder: h.home,
    now: new Date(),
    parallelism,
    log,
  });
  return executor.queued.map((w) => `${w.dagId}.${w.taskId}`);
}

describe('queueing candidates', () => {
  it.each([
    ['a run at its maxActiveTasks', 'busy', 'b0'],
    ['a full pool', 'pooled', 'p0'],
  ])('leaves out %s, so a lower priority task is queued in the same step', async (_name, dagId, taskId) => {
    await trigger(dagId);
    await trigger('quiet');
    // one task instance holds the run's only slot, or the pool's only slot
    await gdb.db
      .updateTable('task_instance')
      .set({ state: 'running' })
      .where('dag_id', '=', dagId)
      .where('task_id', '=', taskId)
      .execute();
    expect(await queueOnce()).toEqual(['quiet.q']);
  });

  it('reads past a first page of candidates blocked by their task limits, up to four per open slot', async () => {
    // 16 open under core.parallelism: pages of 32 candidates, at most 64 read
    await trigger('capped');
    const [first] = await gdb.db
      .selectFrom('dag_run')
      .select('run_id')
      .where('dag_id', '=', 'capped')
      .execute();
    await gdb.db.updateTable('dag_run').set({ state: 'success' }).where('dag_id', '=', 'capped').execute();
    await trigger('capped');
    // the first run's instances hold each task's one slot: the second run's 40 are all passed over
    await gdb.db
      .updateTable('task_instance')
      .set({ state: 'running' })
      .where('dag_id', '=', 'capped')
      .where('run_id', '=', first!.run_id)
      .execute();
    await trigger('quiet');
    expect(await queueOnce(16)).toEqual(['quiet.q']);
  });
});
