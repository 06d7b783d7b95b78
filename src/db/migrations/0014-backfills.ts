/**
 * Backfills (Airflow 3's backfill and backfill_dag_run tables): a request for the runs of a DAG's
 * timetable in a date range, recorded by the CLI or API; the scheduler creates the runs
 * (planned_at), starts them at most max_active_runs at a time, and completes the backfill.
 * `dag_run.backfill_id` is the backfill a run currently belongs to; backfill_dag_run keeps every
 * logical date of the backfill, with its run or why it was skipped.
 */
import type { Kysely } from '#kysely';
import { withId } from '../dialect.js';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('backfill')
    .$call(withId(db))
    .addColumn('dag_id', 'varchar(250)', (c) => c.notNull())
    .addColumn('from_date', 'varchar(32)', (c) => c.notNull())
    .addColumn('to_date', 'varchar(32)', (c) => c.notNull())
    .addColumn('dag_run_conf', 'text')
    .addColumn('is_paused', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('reprocess_behavior', 'varchar(20)', (c) => c.notNull())
    .addColumn('max_active_runs', 'integer', (c) => c.notNull())
    .addColumn('run_backwards', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('triggering_user_name', 'varchar(512)')
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('planned_at', 'varchar(32)')
    .addColumn('completed_at', 'varchar(32)')
    .execute();
  // a DAG's backfill that is not completed (one at a time), and the list filtered by DAG
  await db.schema
    .createIndex('idx_backfill_dag_id_completed_at')
    .on('backfill')
    .columns(['dag_id', 'completed_at'])
    .execute();
  await db.schema
    .createTable('backfill_dag_run')
    .$call(withId(db))
    .addColumn('backfill_id', 'integer', (c) => c.notNull())
    .addColumn('dag_run_id', 'integer')
    .addColumn('exception_reason', 'varchar(32)')
    .addColumn('logical_date', 'varchar(32)', (c) => c.notNull())
    .addColumn('sort_ordinal', 'integer', (c) => c.notNull())
    .execute();
  // one row per logical date of a backfill; the scheduler starts runs in sort_ordinal order
  await db.schema
    .createIndex('uq_backfill_dag_run_ordinal')
    .on('backfill_dag_run')
    .columns(['backfill_id', 'sort_ordinal'])
    .unique()
    .execute();
  await db.schema.alterTable('dag_run').addColumn('backfill_id', 'integer').execute();
  // a backfill's queued and running runs: starting them, and completing the backfill
  await db.schema
    .createIndex('idx_dag_run_backfill_id_state')
    .on('dag_run')
    .columns(['backfill_id', 'state'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('idx_dag_run_backfill_id_state').ifExists().execute();
  await db.schema.alterTable('dag_run').dropColumn('backfill_id').execute();
  await db.schema.dropIndex('uq_backfill_dag_run_ordinal').ifExists().execute();
  await db.schema.dropTable('backfill_dag_run').ifExists().execute();
  await db.schema.dropIndex('idx_backfill_dag_id_completed_at').ifExists().execute();
  await db.schema.dropTable('backfill').ifExists().execute();
}
