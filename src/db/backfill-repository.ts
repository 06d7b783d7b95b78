/**
 * Backfills and their logical dates (migrations/0014). Recording, reading, pausing and cancelling
 * a backfill; the scheduler's steps (creating, starting and completing its runs) are in
 * scheduler/backfills.ts. Never creates a DAG run itself.
 */
import type { Expression, Kysely, SqlBool, Transaction } from '#kysely';
import { GaleError, type ReprocessBehavior } from '../models/index.js';
import type { BackfillRow, Database } from './schema.js';
import { iso } from './time.js';

type Db = Kysely<Database> | Transaction<Database>;

export interface NewBackfill {
  dagId: string;
  from: Date;
  to: Date;
  conf: Record<string, unknown> | null;
  reprocessBehavior: ReprocessBehavior;
  maxActiveRuns: number;
  runBackwards: boolean;
  triggeringUserName: string | null;
  now: Date;
}

export async function insertBackfill(db: Db, input: NewBackfill): Promise<BackfillRow> {
  return db
    .insertInto('backfill')
    .values({
      dag_id: input.dagId,
      from_date: iso(input.from),
      to_date: iso(input.to),
      dag_run_conf: input.conf === null ? null : JSON.stringify(input.conf),
      is_paused: 0,
      reprocess_behavior: input.reprocessBehavior,
      max_active_runs: input.maxActiveRuns,
      run_backwards: input.runBackwards ? 1 : 0,
      triggering_user_name: input.triggeringUserName,
      created_at: iso(input.now),
      updated_at: iso(input.now),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** The DAG's backfill that is not completed, if any (Airflow allows one at a time per DAG). */
export async function activeBackfillOf(db: Db, dagId: string): Promise<BackfillRow | undefined> {
  return db
    .selectFrom('backfill')
    .selectAll()
    .where('dag_id', '=', dagId)
    .where('completed_at', 'is', null)
    .executeTakeFirst();
}

export async function requireBackfill(db: Db, id: number): Promise<BackfillRow> {
  const row = await db.selectFrom('backfill').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) {
    throw new GaleError('GALE_ERR_BACKFILL_NOT_FOUND', `No backfill with id ${id}`, {
      hint: 'Run "gale backfill list" to see the backfills.',
    });
  }
  return row;
}

export async function listBackfills(
  db: Db,
  filter: {
    dagId?: string;
    limit: number;
    offset: number;
    order?: 'asc' | 'desc';
    /** a further condition (the API's: only the DAGs the caller may see) */
    where?: Expression<SqlBool>;
  },
): Promise<{ backfills: BackfillRow[]; total: number }> {
  let base = db.selectFrom('backfill');
  if (filter.where) base = base.where(filter.where);
  if (filter.dagId) base = base.where('dag_id', '=', filter.dagId);
  const total = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  const backfills = await base
    .selectAll()
    .orderBy('id', filter.order ?? 'asc')
    .limit(filter.limit)
    .offset(filter.offset)
    .execute();
  return { backfills, total: Number(total.n) };
}

function alreadyCompleted(row: BackfillRow): GaleError {
  return new GaleError(
    'GALE_ERR_BACKFILL_COMPLETED',
    `Backfill ${row.id} of DAG "${row.dag_id}" is already completed (${row.completed_at})`,
    { hint: 'Create a new backfill to run more dates.' },
  );
}

/** Pausing keeps the scheduler from starting its queued runs; running runs go on. */
export async function setBackfillPaused(
  db: Kysely<Database>,
  id: number,
  isPaused: boolean,
  now: Date,
): Promise<BackfillRow> {
  return db.transaction().execute(async (tx) => {
    const row = await requireBackfill(tx, id);
    if (row.completed_at) throw alreadyCompleted(row);
    return tx
      .updateTable('backfill')
      .set({ is_paused: isPaused ? 1 : 0, updated_at: iso(now) })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
  });
}

/**
 * As Airflow's cancel: the backfill is paused and completed, so no run of it starts any more; its
 * queued runs fail; its running runs go on to their end.
 */
export async function cancelBackfill(db: Kysely<Database>, id: number, now: Date): Promise<BackfillRow> {
  return db.transaction().execute(async (tx) => {
    const row = await requireBackfill(tx, id);
    if (row.completed_at) throw alreadyCompleted(row);
    await tx
      .updateTable('dag_run')
      .set({ state: 'failed', end_date: iso(now) })
      .where('backfill_id', '=', id)
      .where('state', '=', 'queued')
      .execute();
    return tx
      .updateTable('backfill')
      .set({ is_paused: 1, completed_at: iso(now), updated_at: iso(now) })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
  });
}

/** How many of the backfill's runs are in each state (for `gale backfill list` and the API). */
export async function backfillRunCounts(
  db: Db,
  ids: readonly number[],
): Promise<Map<number, Record<string, number>>> {
  const counts = new Map<number, Record<string, number>>();
  if (ids.length === 0) return counts;
  const rows = await db
    .selectFrom('dag_run')
    .select(['backfill_id', 'state', (eb) => eb.fn.countAll<number>().as('n')])
    .where('backfill_id', 'in', [...ids])
    .groupBy(['backfill_id', 'state'])
    .execute();
  for (const row of rows) {
    if (row.backfill_id === null) continue;
    const entry = counts.get(row.backfill_id) ?? {};
    entry[row.state] = Number(row.n);
    counts.set(row.backfill_id, entry);
  }
  return counts;
}
