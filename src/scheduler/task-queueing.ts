/**
 * Queueing scheduled task instances to the executors, highest priority first, each to the
 * executor its task names (or the default), within the limits: each executor's open slots,
 * core.parallelism across them, each run's maxActiveTasks, each pool's slots, and each task's
 * maxActiveTisPerDag and maxActiveTisPerDagrun (selectTries).
 * A queued try gets its try number and a fresh token; only a process with the token may run it.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Kysely, Transaction } from '#kysely';
import {
  type Database,
  inTransaction,
  LOCKS,
  type SerializedDagCache,
  tryTransactionLock,
} from '../db/index.js';
import type { ExecutorSet, TaskWorkload } from '../executors/index.js';
import { DAG_TEST_RUN_PREFIX } from './dag-run-creation.js';
import { type Candidate, candidateOf, tasksOfVersions } from './queue-candidates.js';
import { activeCounts, starved } from './queue-limits.js';
import { markTriesQueued } from './queued-tries.js';
import { type SelectionLimits, TrySelector } from './try-selection.js';
import { failUnroutableTry, reportUnroutableTry, type UnroutableTry } from './unroutable-tries.js';

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
  /** tries this scheduler's executors may hold at once, all together (core.parallelism) */
  parallelism: number;
  log: Logger;
}

interface Queueing {
  workloads: { executor: string; workload: TaskWorkload }[];
  unroutable: UnroutableTry[];
}

/**
 * One scheduler queues at a time (a transaction lock; the others skip this step, as Airflow's
 * schedulers do with the pool rows they lock NOWAIT), so that limits are counted without races.
 */
export async function queueScheduledTasks(
  db: Kysely<Database>,
  cache: SerializedDagCache,
  executors: ExecutorSet,
  options: QueueingOptions,
): Promise<number> {
  const openSlots = executors.openSlots();
  const totalOpen = options.parallelism - executors.inUse();
  if (totalOpen <= 0 || ![...openSlots.values()].some((n) => n > 0)) return 0;
  const waiting = await db
    .selectFrom('task_instance')
    .select('id')
    .where('state', '=', 'scheduled')
    .limit(1)
    .executeTakeFirst();
  if (!waiting) return 0;
  const limits = { openSlots, totalOpen, defaultExecutor: executors.default.name };
  const done = await inTransaction(db, async (tx): Promise<Queueing> => {
    if (!(await tryTransactionLock(tx, LOCKS.queueing))) return { workloads: [], unroutable: [] };
    return chooseAndQueue(tx, cache, limits, options);
  });
  for (const u of done.unroutable) reportUnroutableTry(u, executors.names, options.log, options.now);
  for (const { executor, workload } of done.workloads) executors.get(executor)?.queue(workload);
  return done.workloads.length;
}

/** Candidates read at most per open slot: some are passed over (a task's own limits, another executor). */
const CANDIDATES_PER_SLOT = 4;
/** ... and at least this many, so that a few open slots still see past a few blocked candidates. */
const MIN_CANDIDATES = 32;

async function chooseAndQueue(
  db: Transaction<Database>,
  cache: SerializedDagCache,
  limits: Pick<SelectionLimits, 'openSlots' | 'totalOpen' | 'defaultExecutor'>,
  options: QueueingOptions,
): Promise<Queueing> {
  const active = await activeCounts(db);
  const poolSlots = new Map(
    (await db.selectFrom('slot_pool').select(['pool', 'slots']).execute()).map((p) => [p.pool, p.slots]),
  );
  const skip = await starved(db, active, poolSlots);
  const full = [...limits.openSlots].filter(([, n]) => n <= 0).map(([name]) => name);
  let query = db
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
      'ti.next_method',
      'ti.pool',
      'ti.pool_slots',
      'ti.queue',
      'dr.dag_version_hash',
      'd.max_active_tasks',
    ])
    .where('ti.state', '=', 'scheduled')
    .where('dr.state', '=', 'running')
    .where('dr.run_id', 'not like', `${DAG_TEST_RUN_PREFIX}%`)
    .where('d.is_paused', '=', 0);
  if (skip.pools.length > 0) query = query.where('ti.pool', 'not in', skip.pools);
  // a few runs at a time are full in practice; beyond that, selectTries passes over their candidates
  for (const run of skip.runs.slice(0, 50)) {
    query = query.where((eb) =>
      eb.not(eb.and([eb('ti.dag_id', '=', run.dagId), eb('ti.run_id', '=', run.runId)])),
    );
  }
  if (full.length > 0) {
    // Candidates of a full executor would only crowd out those of the others. task_instance.executor
    // is the task's executor (null: the default) or the one that ran its last try: close enough to
    // skip on; the serialized task decides where a candidate goes.
    const defaultIsFull = full.includes(limits.defaultExecutor);
    query = query.where((eb) =>
      defaultIsFull
        ? eb.and([eb('ti.executor', 'is not', null), eb('ti.executor', 'not in', full)])
        : eb.or([eb('ti.executor', 'is', null), eb('ti.executor', 'not in', full)]),
    );
  }
  query = query
    .orderBy('ti.priority_weight', 'desc')
    .orderBy('dr.logical_date', 'asc')
    .orderBy('ti.task_id', 'asc')
    // a total order, so that pages neither repeat nor skip a candidate
    .orderBy('ti.map_index', 'asc')
    .orderBy('ti.id', 'asc');
  const selector = new TrySelector<Candidate>({
    ...limits,
    activePerRun: active.perRun,
    activePerPool: active.perPool,
    poolSlots,
    activePerTask: active.perTask,
    activePerRunTask: active.perRunTask,
  });
  // Candidates in pages, highest priority first, until every slot is taken or `most` were read:
  // usually the first page fills the open slots, and the rest need not be read at all.
  const most = Math.max(limits.totalOpen * CANDIDATES_PER_SLOT, MIN_CANDIDATES);
  const page = Math.max(limits.totalOpen, MIN_CANDIDATES);
  const seen = new Set<string>();
  for (let offset = 0; offset < most && !selector.isFull; offset += page) {
    const rows = await query
      .limit(Math.min(page, most - offset))
      .offset(offset)
      .execute();
    const versions = await tasksOfVersions(db, cache, rows);
    for (const r of rows) {
      // another transaction's change between two pages (PostgreSQL) may move a row to a later one
      if (seen.has(r.id)) continue;
      seen.add(r.id);
      selector.offer(candidateOf(r, versions.get(`${r.dag_id}\u0000${r.dag_version_hash}`)));
    }
    if (rows.length < page) break;
  }
  const { selection } = selector;
  if (selection.chosen.length === 0 && selection.unroutable.length === 0) {
    return { workloads: [], unroutable: [] };
  }

  const now = options.now.toISOString();
  const logPath = (c: Candidate) =>
    taskLogPath(options.baseLogFolder, {
      dagId: c.dag_id,
      runId: c.run_id,
      taskId: c.task_id,
      mapIndex: c.map_index,
      tryNumber: c.nextTry,
    });
  const result: Queueing = { workloads: [], unroutable: [] };
  for (const { candidate: c, executor } of selection.unroutable) {
    const u: UnroutableTry = {
      tiId: c.id,
      dagId: c.dag_id,
      runId: c.run_id,
      taskId: c.task_id,
      mapIndex: c.map_index,
      scheduledTryNumber: c.try_number,
      tryNumber: c.nextTry,
      executor,
      logPath: logPath(c),
    };
    if (await failUnroutableTry(db, u, [...limits.openSlots.keys()], options.now)) result.unroutable.push(u);
  }
  const tokens = new Map(selection.chosen.map(({ candidate: c }) => [c.id, randomUUID()]));
  const queued = await markTriesQueued(
    db,
    selection.chosen.map(({ candidate: c, executor }) => ({
      id: c.id,
      tryNumber: c.try_number,
      isResuming: c.next_method !== null,
      executor,
      token: tokens.get(c.id)!,
    })),
    now,
  );
  for (const { candidate: c, executor } of selection.chosen) {
    if (!queued.has(c.id)) continue;
    result.workloads.push({
      executor,
      workload: {
        tiId: c.id,
        dagId: c.dag_id,
        runId: c.run_id,
        taskId: c.task_id,
        mapIndex: c.map_index,
        tryNumber: c.nextTry,
        token: tokens.get(c.id)!,
        fileloc: c.fileloc,
        queue: c.queue,
        executionTimeoutMs: c.task?.executionTimeoutMs ?? null,
        freshProcess: c.task?.freshProcess ?? false,
        podOverride: c.task?.podOverride ?? null,
        logPath: logPath(c),
      },
    });
  }
  return result;
}
