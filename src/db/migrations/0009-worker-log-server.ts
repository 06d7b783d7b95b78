/**
 * Each worker records where its log server answers (http://host:port), so that API servers can
 * read the logs of tries that ran there. A column rather than Airflow's `http://<ti.hostname>:
 * <worker_log_server_port>`: the port may be picked at start (0), several workers may share a
 * host, and the address a worker is reached at may differ from its hostname.
 */
import type { Kysely } from '#kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('worker').addColumn('log_server_url', 'varchar(250)').execute();
  // the API finds the log servers of the host a try ran on
  await db.schema.createIndex('idx_worker_hostname').on('worker').column('hostname').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('idx_worker_hostname').ifExists().execute();
  await db.schema.alterTable('worker').dropColumn('log_server_url').execute();
}
