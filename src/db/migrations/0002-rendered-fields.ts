/** Rendered template fields of each try, as Airflow's rendered_task_instance_fields. */
import type { Kysely } from '#kysely';
import { withId } from '../dialect.js';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('rendered_task_instance_fields')
    .$call(withId(db))
    .addColumn('dag_id', 'varchar(250)', (c) => c.notNull())
    .addColumn('run_id', 'varchar(250)', (c) => c.notNull())
    .addColumn('task_id', 'varchar(250)', (c) => c.notNull())
    .addColumn('map_index', 'integer', (c) => c.notNull())
    .addColumn('try_number', 'integer', (c) => c.notNull())
    .addColumn('rendered_fields', 'text', (c) => c.notNull())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addUniqueConstraint('uq_rendered_fields_try', ['dag_id', 'run_id', 'task_id', 'map_index', 'try_number'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('rendered_task_instance_fields').ifExists().execute();
}
