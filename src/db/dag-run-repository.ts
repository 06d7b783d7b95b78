/** DAG runs: created by the scheduler or a trigger, each with its task instances. */
import { randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from '#kysely';
import {
  type DagRunInfo,
  type DagRunState,
  type DagRunType,
  effectivePriorities,
  GaleError,
  makeRunId,
  type SerializedDag,
} from '../models/index.js';
import type { DagRunRow, Database } from './schema.js';
import { iso } from './time.js';

type Db = Kysely<Database> | Transaction<Database>;

export interface CreateDagRunInput {
  dag: SerializedDag;
  versionHash: string;
  info: DagRunInfo;
  runType: DagRunType;
  runId?: string;
  conf?: Record<string, unknown>;
  state?: DagRunState;
  now: Date;
}

/** Inserts the run and one task instance per task, in the caller's transaction. */
export async function insertDagRun(tx: Db, input: CreateDagRunInput): Promise<DagRunRow> {
  const { dag, info, now } = input;
  const runId = input.runId ?? makeRunId(input.runType, info.logicalDate);
  const clash = await tx
    .selectFrom('dag_run')
    .select(['run_id', 'logical_date'])
    .where('dag_id', '=', dag.dagId)
    .where((eb) => eb.or([eb('run_id', '=', runId), eb('logical_date', '=', iso(info.logicalDate))]))
    .executeTakeFirst();
  if (clash) {
    throw new GaleError(
      'GALE_ERR_RUN_EXISTS',
      `DAG "${dag.dagId}" already has a run ${clash.run_id} (logical date ${clash.logical_date})`,
      { hint: 'Give another logical date or run id, or clear the existing run.' },
    );
  }
  const row = await tx
    .insertInto('dag_run')
    .values({
      dag_id: dag.dagId,
      run_id: runId,
      run_type: input.runType,
      state: input.state ?? 'queued',
      logical_date: iso(info.logicalDate),
      data_interval_start: iso(info.dataIntervalStart),
      data_interval_end: iso(info.dataIntervalEnd),
      run_after: iso(info.runAfter),
      conf: JSON.stringify(input.conf ?? {}),
      queued_at: iso(now),
      start_date: input.state === 'running' ? iso(now) : null,
      end_date: null,
      dag_version_hash: input.versionHash,
      created_at: iso(now),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  const priorities = effectivePriorities(dag.tasks);
  const tis = dag.tasks.map((t) => ({
    id: randomUUID(),
    dag_id: dag.dagId,
    run_id: runId,
    task_id: t.taskId,
    map_index: -1,
    try_number: 0,
    max_tries: t.retries,
    state: 'none' as const,
    operator: t.kind,
    pool: t.pool,
    pool_slots: t.poolSlots,
    priority_weight: priorities.get(t.taskId) ?? t.priorityWeight,
    queue: t.queue,
    executor: t.executor,
    updated_at: iso(now),
  }));
  // SQLite allows 32766 bound parameters per statement; 20 columns a row.
  for (let i = 0; i < tis.length; i += 500) {
    await tx
      .insertInto('task_instance')
      .values(tis.slice(i, i + 500))
      .execute();
  }
  return row;
}

export async function getDagRun(db: Db, dagId: string, runId: string): Promise<DagRunRow | undefined> {
  return db
    .selectFrom('dag_run')
    .selectAll()
    .where('dag_id', '=', dagId)
    .where('run_id', '=', runId)
    .executeTakeFirst();
}

export async function requireDagRun(db: Db, dagId: string, runId: string): Promise<DagRunRow> {
  const run = await getDagRun(db, dagId, runId);
  if (!run) {
    throw new GaleError('GALE_ERR_RUN_NOT_FOUND', `DAG "${dagId}" has no run "${runId}"`, {
      hint: `Run "gale dags list-runs ${dagId}" to see its runs.`,
    });
  }
  return run;
}

export async function listDagRuns(
  db: Db,
  filter: { dagId?: string; state?: DagRunState; limit?: number } = {},
): Promise<DagRunRow[]> {
  let q = db.selectFrom('dag_run').selectAll().orderBy('logical_date', 'desc').orderBy('id', 'desc');
  if (filter.dagId) q = q.where('dag_id', '=', filter.dagId);
  if (filter.state) q = q.where('state', '=', filter.state);
  if (filter.limit) q = q.limit(filter.limit);
  return q.execute();
}

export async function setDagRunState(db: Db, id: number, state: DagRunState, now: Date): Promise<void> {
  const finished = state === 'success' || state === 'failed';
  await db
    .updateTable('dag_run')
    .set({
      state,
      ...(finished ? { end_date: iso(now) } : {}),
      ...(state === 'running' ? { start_date: iso(now), end_date: null } : {}),
      ...(state === 'queued' ? { queued_at: iso(now), end_date: null } : {}),
    })
    .where('id', '=', id)
    .execute();
}
