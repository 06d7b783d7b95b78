/** The first schema: DAGs, their serialized versions, runs, task instances and their tries. */
import { type Kysely, sql } from '#kysely';
import { doubleType, withId } from '../dialect.js';

const now = sql`CURRENT_TIMESTAMP`;

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('dag')
    .addColumn('dag_id', 'varchar(250)', (c) => c.primaryKey())
    .addColumn('is_paused', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('is_active', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('fileloc', 'text', (c) => c.notNull())
    .addColumn('owners', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('description', 'text')
    .addColumn('tags', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('schedule_text', 'text')
    .addColumn('max_active_runs', 'integer', (c) => c.notNull())
    .addColumn('max_active_tasks', 'integer', (c) => c.notNull())
    .addColumn('latest_version_hash', 'varchar(64)', (c) => c.notNull())
    .addColumn('last_parsed_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('next_dagrun', 'varchar(32)')
    .addColumn('next_dagrun_data_interval_start', 'varchar(32)')
    .addColumn('next_dagrun_data_interval_end', 'varchar(32)')
    .addColumn('next_dagrun_create_after', 'varchar(32)')
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('idx_dag_next_dagrun_create_after')
    .on('dag')
    .columns(['is_active', 'is_paused', 'next_dagrun_create_after'])
    .execute();

  await db.schema
    .createTable('serialized_dag')
    .$call(withId(db))
    .addColumn('dag_id', 'varchar(250)', (c) => c.notNull())
    .addColumn('version_hash', 'varchar(64)', (c) => c.notNull())
    .addColumn('data', 'text', (c) => c.notNull())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addUniqueConstraint('uq_serialized_dag_version', ['dag_id', 'version_hash'])
    .execute();

  await db.schema
    .createTable('dag_code')
    .addColumn('fileloc', 'text', (c) => c.primaryKey())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('source_hash', 'varchar(64)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('dag_run')
    .$call(withId(db))
    .addColumn('dag_id', 'varchar(250)', (c) => c.notNull())
    .addColumn('run_id', 'varchar(250)', (c) => c.notNull())
    .addColumn('run_type', 'varchar(20)', (c) => c.notNull())
    .addColumn('state', 'varchar(20)', (c) => c.notNull())
    .addColumn('logical_date', 'varchar(32)', (c) => c.notNull())
    .addColumn('data_interval_start', 'varchar(32)', (c) => c.notNull())
    .addColumn('data_interval_end', 'varchar(32)', (c) => c.notNull())
    .addColumn('run_after', 'varchar(32)', (c) => c.notNull())
    .addColumn('conf', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('queued_at', 'varchar(32)')
    .addColumn('start_date', 'varchar(32)')
    .addColumn('end_date', 'varchar(32)')
    .addColumn('dag_version_hash', 'varchar(64)', (c) => c.notNull())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addUniqueConstraint('uq_dag_run_run_id', ['dag_id', 'run_id'])
    .addUniqueConstraint('uq_dag_run_logical_date', ['dag_id', 'logical_date'])
    .execute();
  await db.schema.createIndex('idx_dag_run_state_dag').on('dag_run').columns(['state', 'dag_id']).execute();

  await db.schema
    .createTable('task_instance')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('dag_id', 'varchar(250)', (c) => c.notNull())
    .addColumn('run_id', 'varchar(250)', (c) => c.notNull())
    .addColumn('task_id', 'varchar(250)', (c) => c.notNull())
    .addColumn('map_index', 'integer', (c) => c.notNull().defaultTo(-1))
    .addColumn('try_number', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('max_tries', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('state', 'varchar(20)', (c) => c.notNull())
    .addColumn('operator', 'varchar(20)', (c) => c.notNull())
    .addColumn('start_date', 'varchar(32)')
    .addColumn('end_date', 'varchar(32)')
    .addColumn('duration', doubleType(db))
    .addColumn('hostname', 'varchar(250)')
    .addColumn('pid', 'integer')
    .addColumn('last_heartbeat_at', 'varchar(32)')
    .addColumn('pool', 'varchar(256)', (c) => c.notNull())
    .addColumn('pool_slots', 'integer', (c) => c.notNull())
    .addColumn('priority_weight', 'integer', (c) => c.notNull())
    .addColumn('queue', 'varchar(256)', (c) => c.notNull())
    .addColumn('executor', 'varchar(100)')
    .addColumn('queued_at', 'varchar(32)')
    .addColumn('scheduled_at', 'varchar(32)')
    .addColumn('next_retry_at', 'varchar(32)')
    .addColumn('external_executor_id', 'varchar(64)')
    .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
    .addUniqueConstraint('uq_task_instance_key', ['dag_id', 'run_id', 'task_id', 'map_index'])
    .execute();
  await db.schema.createIndex('idx_ti_state_pool').on('task_instance').columns(['state', 'pool']).execute();
  await db.schema.createIndex('idx_ti_dag_state').on('task_instance').columns(['dag_id', 'state']).execute();

  await db.schema
    .createTable('task_instance_history')
    .$call(withId(db))
    .addColumn('ti_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('dag_id', 'varchar(250)', (c) => c.notNull())
    .addColumn('run_id', 'varchar(250)', (c) => c.notNull())
    .addColumn('task_id', 'varchar(250)', (c) => c.notNull())
    .addColumn('map_index', 'integer', (c) => c.notNull())
    .addColumn('try_number', 'integer', (c) => c.notNull())
    .addColumn('state', 'varchar(20)', (c) => c.notNull())
    .addColumn('start_date', 'varchar(32)')
    .addColumn('end_date', 'varchar(32)')
    .addColumn('duration', doubleType(db))
    .addColumn('hostname', 'varchar(250)')
    .addColumn('pid', 'integer')
    .addColumn('executor', 'varchar(100)')
    .addColumn('error', 'text')
    .addColumn('recorded_at', 'varchar(32)', (c) => c.notNull())
    // one row per try: a try is recorded, and so run, at most once
    .addUniqueConstraint('uq_ti_history_try', ['ti_id', 'try_number'])
    .execute();
  await db.schema
    .createIndex('idx_ti_history_run')
    .on('task_instance_history')
    .columns(['dag_id', 'run_id', 'task_id'])
    .execute();

  await db.schema
    .createTable('xcom')
    .$call(withId(db))
    .addColumn('dag_id', 'varchar(250)', (c) => c.notNull())
    .addColumn('run_id', 'varchar(250)', (c) => c.notNull())
    .addColumn('task_id', 'varchar(250)', (c) => c.notNull())
    .addColumn('map_index', 'integer', (c) => c.notNull())
    .addColumn('key', 'varchar(512)', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addUniqueConstraint('uq_xcom_key', ['dag_id', 'run_id', 'task_id', 'map_index', 'key'])
    .execute();

  await db.schema
    .createTable('slot_pool')
    .addColumn('pool', 'varchar(256)', (c) => c.primaryKey())
    .addColumn('slots', 'integer', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('include_deferred', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();

  await db.schema
    .createTable('import_error')
    .$call(withId(db))
    .addColumn('filename', 'text', (c) => c.notNull().unique())
    .addColumn('message', 'text', (c) => c.notNull())
    .addColumn('stacktrace', 'text', (c) => c.notNull())
    .addColumn('timestamp', 'varchar(32)', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('job')
    .$call(withId(db))
    .addColumn('job_type', 'varchar(30)', (c) => c.notNull())
    .addColumn('state', 'varchar(20)', (c) => c.notNull())
    .addColumn('hostname', 'varchar(250)', (c) => c.notNull())
    .addColumn('pid', 'integer', (c) => c.notNull())
    .addColumn('start_date', 'varchar(32)', (c) => c.notNull())
    .addColumn('latest_heartbeat', 'varchar(32)', (c) => c.notNull())
    .addColumn('end_date', 'varchar(32)')
    .execute();
  await db.schema.createIndex('idx_job_type_state').on('job').columns(['job_type', 'state']).execute();

  await db.schema
    .createTable('log')
    .$call(withId(db))
    .addColumn('dttm', 'varchar(32)', (c) => c.notNull().defaultTo(now))
    .addColumn('event', 'varchar(60)', (c) => c.notNull())
    .addColumn('dag_id', 'varchar(250)')
    .addColumn('task_id', 'varchar(250)')
    .addColumn('run_id', 'varchar(250)')
    .addColumn('try_number', 'integer')
    .addColumn('owner', 'varchar(500)')
    .addColumn('extra', 'text')
    .execute();
  await db.schema.createIndex('idx_log_dttm').on('log').column('dttm').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    'log',
    'job',
    'import_error',
    'slot_pool',
    'xcom',
    'task_instance_history',
    'task_instance',
    'dag_run',
    'dag_code',
    'serialized_dag',
    'dag',
  ]) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
