/**
 * Per-DAG access for users, after Airflow's DAG-level permissions ("can read on DAG:x") and
 * Airflow 3's access by tag: a user may be limited to some DAG ids and/or DAG tags, each stored
 * as a JSON array of strings. Both null: every DAG (and an Admin always sees every DAG).
 */
import type { Kysely } from '#kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('gale_user').addColumn('dag_ids', 'text').execute();
  await db.schema.alterTable('gale_user').addColumn('dag_tags', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('gale_user').dropColumn('dag_tags').execute();
  await db.schema.alterTable('gale_user').dropColumn('dag_ids').execute();
}
