/**
 * The history of tries (task_instance_history), as Airflow 3 keeps it: a try that succeeds stays
 * in its task instance's row only, because writing a history row at every end was the largest
 * single cost of a task instance in the decisions benchmark. A failed try (or one up for retry,
 * skipped, marked) still gets its row when it ends, with its error. The successful try is copied
 * into the history just before its task instance's row is changed (cleared, or marked), so no try
 * is lost; the view task_instance_try (migration 0021) reads every ended try either way.
 */
import { type Kysely, sql, type Transaction } from '#kysely';
import type { Database } from './schema.js';
import { iso } from './time.js';

type Db = Kysely<Database> | Transaction<Database>;

/** The columns a try's history row copies from its task instance, under the same names. */
const TRY_COLUMNS = [
  'dag_id',
  'run_id',
  'task_id',
  'map_index',
  'try_number',
  'state',
  'start_date',
  'end_date',
  'duration',
  'hostname',
  'pid',
  'executor',
] as const;

/** Task instance ids per statement: one parameter each. */
const CHUNK = 500;

/**
 * Copies the latest try of each of these task instances into the history if it succeeded and is
 * not there yet. Call it in the transaction that is about to change their rows.
 */
export async function keepLatestTries(db: Db, tiIds: readonly string[], now: Date): Promise<void> {
  for (let i = 0; i < tiIds.length; i += CHUNK) {
    const chunk = tiIds.slice(i, i + CHUNK);
    await db
      .insertInto('task_instance_history')
      .columns(['ti_id', ...TRY_COLUMNS, 'error', 'recorded_at'])
      .expression((eb) =>
        eb
          .selectFrom('task_instance')
          .select((s) => [
            'id',
            ...TRY_COLUMNS,
            sql<string | null>`null`.as('error'),
            s.fn.coalesce('end_date', s.val(iso(now))).as('recorded_at'),
          ])
          .where('id', 'in', chunk)
          .where('state', '=', 'success')
          .where('try_number', '>', 0),
      )
      .onConflict((oc) => oc.columns(['ti_id', 'try_number']).doNothing())
      .execute();
  }
}
