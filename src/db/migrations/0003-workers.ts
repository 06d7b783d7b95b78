/** Workers of the queue executor register here, with their queues, concurrency and running tries. */
import type { Kysely } from '#kysely';
import { withId } from '../dialect.js';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('worker')
    .$call(withId(db))
    .addColumn('hostname', 'varchar(250)', (c) => c.notNull())
    .addColumn('pid', 'integer', (c) => c.notNull())
    .addColumn('queues', 'text', (c) => c.notNull())
    .addColumn('concurrency', 'integer', (c) => c.notNull())
    .addColumn('running', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('state', 'varchar(20)', (c) => c.notNull())
    .addColumn('start_date', 'varchar(32)', (c) => c.notNull())
    .addColumn('latest_heartbeat', 'varchar(32)', (c) => c.notNull())
    .addColumn('end_date', 'varchar(32)')
    .execute();
  await db.schema.createIndex('idx_worker_state').on('worker').column('state').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('worker').ifExists().execute();
}
