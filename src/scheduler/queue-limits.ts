/**
 * What bounds the queueing step, counted once per step: the task instances that hold slots
 * (queued and running, per run, pool, task and task in a run), and the runs and pools that are
 * full, whose candidates are not read at all.
 */
import type { Transaction } from '#kysely';
import { type Database, deferredPoolSlots } from '../db/index.js';

export interface ActiveCounts {
  perRun: Map<string, number>;
  perPool: Map<string, number>;
  /** for maxActiveTisPerDag and maxActiveTisPerDagrun (Airflow counts queued and running too) */
  perTask: Map<string, number>;
  perRunTask: Map<string, number>;
  /** the runs with active task instances, by their perRun key */
  runs: Map<string, { dagId: string; runId: string }>;
}

/** Queued and running task instances per run, pool (slots, deferred ones too), task, and task in a run. */
export async function activeCounts(db: Transaction<Database>): Promise<ActiveCounts> {
  const rows = await db
    .selectFrom('task_instance')
    .select([
      'dag_id',
      'run_id',
      'task_id',
      'pool',
      (eb) => eb.fn.countAll<number>().as('n'),
      (eb) => eb.fn.sum<number>('pool_slots').as('slots'),
    ])
    .where('state', 'in', ['queued', 'running'])
    .groupBy(['dag_id', 'run_id', 'task_id', 'pool'])
    .execute();
  const counts: ActiveCounts = {
    perRun: new Map(),
    perPool: new Map(),
    perTask: new Map(),
    perRunTask: new Map(),
    runs: new Map(),
  };
  const add = (m: Map<string, number>, key: string, n: number) => m.set(key, (m.get(key) ?? 0) + n);
  for (const r of rows) {
    const key = `${r.dag_id}\u0000${r.run_id}`;
    add(counts.perRun, key, Number(r.n));
    counts.runs.set(key, { dagId: r.dag_id, runId: r.run_id });
    add(counts.perPool, r.pool, Number(r.slots));
    add(counts.perTask, `${r.dag_id}\u0000${r.task_id}`, Number(r.n));
    add(counts.perRunTask, `${key}\u0000${r.dag_id}\u0000${r.task_id}`, Number(r.n));
  }
  for (const [pool, slots] of await deferredPoolSlots(db)) add(counts.perPool, pool, slots);
  return counts;
}

/**
 * The runs at their DAG's maxActiveTasks and the pools with no slot left: their scheduled task
 * instances are left out of the candidates (as Airflow's scheduler leaves out starved pools and
 * DAG runs), so that they cannot crowd out the ones that may go.
 */
export async function starved(
  db: Transaction<Database>,
  active: ActiveCounts,
  poolSlots: ReadonlyMap<string, number>,
): Promise<{ runs: { dagId: string; runId: string }[]; pools: string[] }> {
  const pools = [...active.perPool]
    .filter(([pool, used]) => used >= (poolSlots.get(pool) ?? 0))
    .map(([p]) => p);
  if (active.perRun.size === 0) return { runs: [], pools };
  const dagIds = [...new Set([...active.runs.values()].map((r) => r.dagId))];
  const limits = new Map<string, number>();
  for (let i = 0; i < dagIds.length; i += 500) {
    const rows = await db
      .selectFrom('dag')
      .select(['dag_id', 'max_active_tasks'])
      .where('dag_id', 'in', dagIds.slice(i, i + 500))
      .execute();
    for (const r of rows) limits.set(r.dag_id, r.max_active_tasks);
  }
  const runs: { dagId: string; runId: string }[] = [];
  for (const [key, run] of active.runs) {
    const limit = limits.get(run.dagId);
    if (limit !== undefined && (active.perRun.get(key) ?? 0) >= limit) runs.push(run);
  }
  return { runs, pools };
}
