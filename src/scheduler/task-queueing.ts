/**
 * Queueing scheduled task instances to the executor, highest priority first, within the limits:
 * the executor's open slots (parallelism), each run's maxActiveTasks, and each pool's slots.
 * A queued try gets its try number and a fresh token; only a process with the token may run it.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import {
  type Database,
  inTransaction,
  LOCKS,
  type SerializedDagCache,
  tryTransactionLock,
} from '../db/index.js';
import type { Executor, TaskWorkload } from '../executors/index.js';
import { DAG_TEST_RUN_PREFIX } from './dag-run-creation.js';

export function taskLogPath(
  baseFolder: string,
  w: { dagId: string; runId: string; taskId: string; mapIndex: number; tryNumber: number },
): string {
  const task = w.mapIndex >= 0 ? `task_id=${w.taskId}/map_index=${w.mapIndex}` : `task_id=${w.taskId}`;
  return join(baseFolder, `dag_id=${w.dagId}`, `run_id=${w.runId}`, task, `attempt=${w.tryNumber}.log`);
}

export interface QueueingOptions {
  baseLogFolder: string;
  now: Date;
}

/**
 * One scheduler queues at a time (a transaction lock; the others skip this step, as Airflow's
 * schedulers do with the pool rows they lock NOWAIT), so that limits are counted without races.
 */
export async function queueScheduledTasks(
  db: Kysely<Database>,
  cache: SerializedDagCache,
  executor: Executor,
  options: QueueingOptions,
): Promise<number> {
  if (executor.openSlots() <= 0) return 0;
  const waiting = await db
    .selectFrom('task_instance')
    .select('id')
    .where('state', '=', 'scheduled')
    .limit(1)
    .executeTakeFirst();
  if (!waiting) return 0;
  const workloads = await inTransaction(db, async (tx) => {
    if (!(await tryTransactionLock(tx, LOCKS.queueing))) return [];
    return chooseAndQueue(tx, cache, executor, options);
  });
  for (const w of workloads) executor.queue(w);
  return workloads.length;
}

async function chooseAndQueue(
  db: Kysely<Database>,
  cache: SerializedDagCache,
  executor: Executor,
  options: QueueingOptions,
): Promise<TaskWorkload[]> {
  let open = executor.openSlots();
  const candidates = await db
    .selectFrom('task_instance as ti')
    .innerJoin('dag_run as dr', (j) =>
      j.onRef('dr.dag_id', '=', 'ti.dag_id').onRef('dr.run_id', '=', 'ti.run_id'),
    )
    .innerJoin('dag as d', 'd.dag_id', 'ti.dag_id')
    .select([
      'ti.id',
      'ti.dag_id',
      'ti.run_id',
      'ti.task_id',
      'ti.map_index',
      'ti.try_number',
      'ti.pool',
      'ti.pool_slots',
      'ti.queue',
      'dr.dag_version_hash',
      'd.max_active_tasks',
    ])
    .where('ti.state', '=', 'scheduled')
    .where('dr.state', '=', 'running')
    .where('dr.run_id', 'not like', `${DAG_TEST_RUN_PREFIX}%`)
    .where('d.is_paused', '=', 0)
    .orderBy('ti.priority_weight', 'desc')
    .orderBy('dr.logical_date', 'asc')
    .orderBy('ti.task_id', 'asc')
    .limit(Math.max(open * 4, 256))
    .execute();
  if (candidates.length === 0) return [];

  const activeRows = await db
    .selectFrom('task_instance')
    .select([
      'dag_id',
      'run_id',
      'pool',
      (eb) => eb.fn.countAll<number>().as('n'),
      (eb) => eb.fn.sum<number>('pool_slots').as('slots'),
    ])
    .where('state', 'in', ['queued', 'running'])
    .groupBy(['dag_id', 'run_id', 'pool'])
    .execute();
  const perRun = new Map<string, number>();
  const perPool = new Map<string, number>();
  for (const r of activeRows) {
    const key = `${r.dag_id}\u0000${r.run_id}`;
    perRun.set(key, (perRun.get(key) ?? 0) + Number(r.n));
    perPool.set(r.pool, (perPool.get(r.pool) ?? 0) + Number(r.slots));
  }
  const pools = new Map(
    (await db.selectFrom('slot_pool').select(['pool', 'slots']).execute()).map((p) => [p.pool, p.slots]),
  );

  const chosen: typeof candidates = [];
  for (const c of candidates) {
    if (open <= 0) break;
    const runKey = `${c.dag_id}\u0000${c.run_id}`;
    if ((perRun.get(runKey) ?? 0) >= c.max_active_tasks) continue;
    const poolSlots = pools.get(c.pool);
    if (poolSlots === undefined) continue; // the DAG processor reports unknown pools as import errors
    if ((perPool.get(c.pool) ?? 0) + c.pool_slots > poolSlots) continue;
    chosen.push(c);
    open--;
    perRun.set(runKey, (perRun.get(runKey) ?? 0) + 1);
    perPool.set(c.pool, (perPool.get(c.pool) ?? 0) + c.pool_slots);
  }
  if (chosen.length === 0) return [];

  const now = options.now.toISOString();
  const workloads: TaskWorkload[] = [];
  const tx = db;
  for (const c of chosen) {
    const token = randomUUID();
    const result = await tx
      .updateTable('task_instance')
      .set({
        state: 'queued',
        try_number: c.try_number + 1,
        queued_at: now,
        external_executor_id: token,
        executor: executor.name,
        hostname: null,
        pid: null,
        start_date: null,
        end_date: null,
        duration: null,
        updated_at: now,
      })
      .where('id', '=', c.id)
      .where('state', '=', 'scheduled')
      .where('try_number', '=', c.try_number)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) !== 1) continue;
    const dag = await cache.get(tx, c.dag_id, c.dag_version_hash);
    const task = dag.tasks.find((t) => t.taskId === c.task_id);
    const w = {
      dagId: c.dag_id,
      runId: c.run_id,
      taskId: c.task_id,
      mapIndex: c.map_index,
      tryNumber: c.try_number + 1,
    };
    workloads.push({
      ...w,
      tiId: c.id,
      token,
      fileloc: dag.fileloc,
      queue: c.queue,
      executionTimeoutMs: task?.executionTimeoutMs ?? null,
      freshProcess: task?.freshProcess ?? false,
      logPath: taskLogPath(options.baseLogFolder, w),
    });
  }
  return workloads;
}
