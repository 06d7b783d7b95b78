/**
 * The metadata-database reads behind the metrics computed at scrape time: one small aggregate
 * query per metric family (the pool families share one). Plain Kysely, so they run the same on
 * SQLite and PostgreSQL. Read-only: a scrape must never write or lock anything.
 */
import type { Kysely } from '#kysely';
import type { Database } from '../db/index.js';
import type { TaskInstanceState } from '../models/index.js';

/** The states of a finished try (view task_instance_try) that the metrics count. */
export const COUNTED_TRY_STATES = ['success', 'failed', 'up_for_retry'] as const;
export type CountedTryState = (typeof COUNTED_TRY_STATES)[number];

/** Task instances per state (uses idx_ti_state_pool). */
export async function countTaskInstancesByState(
  db: Kysely<Database>,
): Promise<Map<TaskInstanceState, number>> {
  const rows = await db
    .selectFrom('task_instance')
    .select(['state', (eb) => eb.fn.countAll().as('n')])
    .groupBy('state')
    .execute();
  return new Map(rows.map((r) => [r.state, Number(r.n)]));
}

/**
 * Ended tries per end state, over the whole history: the history's rows, and for success also the
 * task instances in success now (a successful latest try stays in its task instance's row:
 * src/db/try-history.ts). Two counts in indexes, read at every scrape; not the view
 * task_instance_try, whose anti-join reads every successful task instance (120 ms at 200,000 on
 * SQLite). Unlike the view, a task instance marked success counts as a successful try.
 */
export async function countFinishedTriesByState(db: Kysely<Database>): Promise<Map<CountedTryState, number>> {
  const rows = await db
    .selectFrom('task_instance_history')
    .select(['state', (eb) => eb.fn.countAll().as('n')])
    .where('state', 'in', [...COUNTED_TRY_STATES])
    .groupBy('state')
    .execute();
  const counts = new Map(rows.map((r) => [r.state as CountedTryState, Number(r.n)]));
  const current = await db
    .selectFrom('task_instance')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('state', '=', 'success')
    .executeTakeFirstOrThrow();
  counts.set('success', (counts.get('success') ?? 0) + Number(current.n));
  return counts;
}

export interface PoolSlotCounts {
  pool: string;
  slots: number;
  queued: number;
  running: number;
}

/** Every pool with the slots its queued and running task instances hold, in one query. */
export async function poolSlotCounts(db: Kysely<Database>): Promise<PoolSlotCounts[]> {
  const rows = await db
    .selectFrom('slot_pool')
    .leftJoin('task_instance', (join) =>
      join
        .onRef('task_instance.pool', '=', 'slot_pool.pool')
        .on('task_instance.state', 'in', ['queued', 'running']),
    )
    .select(['slot_pool.pool', 'slot_pool.slots'])
    .select((eb) => {
      const slotsIn = (state: 'queued' | 'running') =>
        eb.fn.coalesce(
          eb.fn.sum<number>(
            eb
              .case()
              .when('task_instance.state', '=', state)
              .then(eb.ref('task_instance.pool_slots'))
              .else(0)
              .end(),
          ),
          eb.lit(0),
        );
      return [slotsIn('queued').as('queued'), slotsIn('running').as('running')];
    })
    .groupBy(['slot_pool.pool', 'slot_pool.slots'])
    .execute();
  return rows.map((r) => ({
    pool: r.pool,
    slots: Number(r.slots),
    queued: Number(r.queued),
    running: Number(r.running),
  }));
}

/** DAG files whose last parse failed. */
export async function countImportErrors(db: Kysely<Database>): Promise<number> {
  const row = await db
    .selectFrom('import_error')
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/**
 * When the oldest running run of each DAG started (ms since the epoch), for the DAGs with one: one
 * query for all DAGs (uses idx_dag_run_state_dag).
 */
export async function oldestRunningRunStarts(db: Kysely<Database>): Promise<Map<string, number>> {
  const rows = await db
    .selectFrom('dag_run')
    .select(['dag_id', (eb) => eb.fn.min('start_date').as('started')])
    .where('state', '=', 'running')
    .where('start_date', 'is not', null)
    .groupBy('dag_id')
    .execute();
  const starts = new Map<string, number>();
  for (const r of rows) {
    // SQLite gives the ISO text, PostgreSQL may give a Date
    const ms = new Date(r.started as string | Date).getTime();
    if (!Number.isNaN(ms)) starts.set(r.dag_id, ms);
  }
  return starts;
}
