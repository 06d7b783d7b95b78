/**
 * Assets (data-aware scheduling), with Airflow 3's tables: asset, asset_event, the DAGs scheduled
 * on each asset (dag_schedule_asset_reference), the tasks that update each asset
 * (task_outlet_asset_reference), the events each consuming DAG has not consumed yet
 * (asset_dag_run_queue, one row per event and DAG) and the events each run consumed
 * (dag_run_asset_event).
 */
import type { Kysely } from '#kysely';
import { withId } from '../dialect.js';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('asset')
    .$call(withId(db))
    .addColumn('uri', 'varchar(1500)', (c) => c.notNull())
    .addColumn('name', 'varchar(1500)', (c) => c.notNull())
    .addColumn('group', 'varchar(1500)', (c) => c.notNull())
    .addColumn('extra', 'text', (c) => c.notNull())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('uq_asset_uri').on('asset').column('uri').unique().execute();
  await db.schema
    .createTable('asset_event')
    .$call(withId(db))
    .addColumn('asset_id', 'integer', (c) => c.notNull())
    .addColumn('extra', 'text', (c) => c.notNull())
    .addColumn('source_dag_id', 'varchar(250)')
    .addColumn('source_task_id', 'varchar(250)')
    .addColumn('source_run_id', 'varchar(250)')
    .addColumn('source_map_index', 'integer')
    .addColumn('timestamp', 'varchar(32)', (c) => c.notNull())
    .execute();
  // the events of an asset, newest first (gale assets events --uri, GET /assets/events?asset_id=)
  await db.schema
    .createIndex('idx_asset_event_asset_timestamp')
    .on('asset_event')
    .columns(['asset_id', 'timestamp'])
    .execute();
  await db.schema
    .createTable('dag_schedule_asset_reference')
    .addColumn('asset_id', 'integer', (c) => c.notNull())
    .addColumn('dag_id', 'varchar(250)', (c) => c.notNull())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addPrimaryKeyConstraint('pk_dag_schedule_asset_reference', ['asset_id', 'dag_id'])
    .execute();
  await db.schema
    .createTable('task_outlet_asset_reference')
    .addColumn('asset_id', 'integer', (c) => c.notNull())
    .addColumn('dag_id', 'varchar(250)', (c) => c.notNull())
    .addColumn('task_id', 'varchar(250)', (c) => c.notNull())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addPrimaryKeyConstraint('pk_task_outlet_asset_reference', ['asset_id', 'dag_id', 'task_id'])
    .execute();
  await db.schema
    .createTable('asset_dag_run_queue')
    .addColumn('asset_event_id', 'integer', (c) => c.notNull())
    .addColumn('asset_id', 'integer', (c) => c.notNull())
    .addColumn('target_dag_id', 'varchar(250)', (c) => c.notNull())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addPrimaryKeyConstraint('pk_asset_dag_run_queue', ['asset_event_id', 'target_dag_id'])
    .execute();
  // the scheduler reads the queue per consuming DAG
  await db.schema
    .createIndex('idx_asset_dag_run_queue_target')
    .on('asset_dag_run_queue')
    .column('target_dag_id')
    .execute();
  await db.schema
    .createTable('dag_run_asset_event')
    .addColumn('dag_run_id', 'integer', (c) => c.notNull())
    .addColumn('asset_event_id', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('pk_dag_run_asset_event', ['dag_run_id', 'asset_event_id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('dag_run_asset_event').ifExists().execute();
  await db.schema.dropIndex('idx_asset_dag_run_queue_target').ifExists().execute();
  await db.schema.dropTable('asset_dag_run_queue').ifExists().execute();
  await db.schema.dropTable('task_outlet_asset_reference').ifExists().execute();
  await db.schema.dropTable('dag_schedule_asset_reference').ifExists().execute();
  await db.schema.dropIndex('idx_asset_event_asset_timestamp').ifExists().execute();
  await db.schema.dropTable('asset_event').ifExists().execute();
  await db.schema.dropIndex('uq_asset_uri').ifExists().execute();
  await db.schema.dropTable('asset').ifExists().execute();
}
