/**
 * Human-in-the-loop requests (Airflow 3.1's hitl_detail): one row per task instance that waits
 * for a person's answer, written when its try defers and answered from the CLI, API or UI.
 * Lists, options, params and the answer are JSON text, as the rest of the schema.
 */
import type { Kysely } from '#kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('hitl_detail')
    .addColumn('ti_id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('dag_id', 'varchar(250)', (c) => c.notNull())
    .addColumn('run_id', 'varchar(250)', (c) => c.notNull())
    .addColumn('task_id', 'varchar(250)', (c) => c.notNull())
    .addColumn('map_index', 'integer', (c) => c.notNull())
    .addColumn('try_number', 'integer', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('body', 'text')
    .addColumn('options', 'text', (c) => c.notNull())
    .addColumn('multiple', 'integer', (c) => c.notNull())
    .addColumn('params', 'text', (c) => c.notNull())
    .addColumn('defaults', 'text')
    .addColumn('assignees', 'text')
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('timeout_at', 'varchar(32)')
    .addColumn('chosen_options', 'text')
    .addColumn('params_input', 'text')
    .addColumn('responded_by', 'varchar(250)')
    .addColumn('responded_at', 'varchar(32)')
    .execute();
  // the API and CLI look a request up by its task instance's key
  await db.schema
    .createIndex('uq_hitl_detail_ti_key')
    .on('hitl_detail')
    .columns(['dag_id', 'run_id', 'task_id', 'map_index'])
    .unique()
    .execute();
  // `gale hitl list --pending` and the Required actions page list the unanswered ones
  await db.schema
    .createIndex('idx_hitl_detail_responded_at')
    .on('hitl_detail')
    .column('responded_at')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('idx_hitl_detail_responded_at').ifExists().execute();
  await db.schema.dropIndex('uq_hitl_detail_ti_key').ifExists().execute();
  await db.schema.dropTable('hitl_detail').ifExists().execute();
}
