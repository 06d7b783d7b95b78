/**
 * Variables and connections, as Airflow's tables. Secrets are stored encrypted (db/encryption.ts):
 * every variable value, and a connection's password and extra.
 */
import type { Kysely } from '#kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('variable')
    .addColumn('key', 'varchar(250)', (c) => c.primaryKey())
    .addColumn('val', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('connection')
    .addColumn('conn_id', 'varchar(250)', (c) => c.primaryKey())
    .addColumn('conn_type', 'varchar(500)', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('host', 'varchar(500)')
    .addColumn('schema', 'varchar(500)')
    .addColumn('login', 'text')
    .addColumn('password', 'text')
    .addColumn('port', 'integer')
    .addColumn('extra', 'text')
    .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('connection').ifExists().execute();
  await db.schema.dropTable('variable').ifExists().execute();
}
