/**
 * Deferrable tasks, as Airflow's: the `trigger` table (what a deferred try waits for, and which
 * triggerer runs it) and the task instance columns of a deferral: its trigger, the method and
 * kwargs it resumes with (the trigger's event is added to the kwargs when it fires), and the time
 * after which the deferral fails.
 */
import type { Kysely } from '#kysely';
import { withId } from '../dialect.js';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('trigger')
    .$call(withId(db))
    .addColumn('classpath', 'varchar(1000)', (c) => c.notNull())
    .addColumn('kwargs', 'text', (c) => c.notNull())
    .addColumn('created_date', 'varchar(32)', (c) => c.notNull())
    .addColumn('triggerer_id', 'integer')
    .execute();
  // a triggerer lists its own triggers, and claims those of nobody (or of a dead triggerer)
  await db.schema.createIndex('idx_trigger_triggerer_id').on('trigger').column('triggerer_id').execute();

  for (const [column, type] of [
    ['trigger_id', 'integer'],
    ['trigger_timeout', 'varchar(32)'],
    ['next_method', 'varchar(1000)'],
    ['next_kwargs', 'text'],
  ] as const) {
    await db.schema.alterTable('task_instance').addColumn(column, type).execute();
  }
  // firing a trigger finds its task instances; cleaning up finds the triggers none needs
  await db.schema.createIndex('idx_ti_trigger_id').on('task_instance').column('trigger_id').execute();
  // the triggerer's look for deferrals past their timeout
  await db.schema
    .createIndex('idx_ti_state_trigger_timeout')
    .on('task_instance')
    .columns(['state', 'trigger_timeout'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('idx_ti_state_trigger_timeout').ifExists().execute();
  await db.schema.dropIndex('idx_ti_trigger_id').ifExists().execute();
  // `gale db reset` runs every down, also on a database that never got this migration
  const tables = await db.introspection.getTables();
  const existing = new Set(tables.find((t) => t.name === 'task_instance')?.columns.map((c) => c.name));
  for (const column of ['next_kwargs', 'next_method', 'trigger_timeout', 'trigger_id']) {
    if (existing.has(column)) await db.schema.alterTable('task_instance').dropColumn(column).execute();
  }
  await db.schema.dropIndex('idx_trigger_triggerer_id').ifExists().execute();
  await db.schema.dropTable('trigger').ifExists().execute();
}
