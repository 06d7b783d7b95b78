/**
 * DAG-level callbacks, as Airflow's callback requests: when the scheduler ends a DAG run (or sees
 * it miss its deadline) it records a request in the same transaction, and a DAG processor runs
 * the DAG file's callback in a process of its own. One request per run and kind, so a scheduler
 * that ends a run twice after a crash never runs a callback twice.
 */
import type { Kysely } from '#kysely';
import { withId } from '../dialect.js';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('callback_request')
    .$call(withId(db))
    .addColumn('kind', 'varchar(32)', (c) => c.notNull())
    .addColumn('dag_id', 'varchar(250)', (c) => c.notNull())
    .addColumn('run_id', 'varchar(250)', (c) => c.notNull())
    .addColumn('fileloc', 'varchar(2000)', (c) => c.notNull())
    .addColumn('reason', 'varchar(250)')
    .addColumn('state', 'varchar(20)', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('processor_id', 'integer')
    .addColumn('claimed_at', 'varchar(32)')
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('finished_at', 'varchar(32)')
    .addColumn('error', 'text')
    .execute();
  await db.schema
    .createIndex('uq_callback_request_run_kind')
    .on('callback_request')
    .columns(['dag_id', 'run_id', 'kind'])
    .unique()
    .execute();
  // a DAG processor claims the pending ones (and those of a processor that died)
  await db.schema.createIndex('idx_callback_request_state').on('callback_request').column('state').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('idx_callback_request_state').ifExists().execute();
  await db.schema.dropIndex('uq_callback_request_run_kind').ifExists().execute();
  await db.schema.dropTable('callback_request').ifExists().execute();
}
