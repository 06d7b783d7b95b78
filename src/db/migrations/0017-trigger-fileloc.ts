/**
 * User-written triggers: a trigger row remembers the DAG file of the try that deferred on it, so
 * the triggerer can import the module that defines the trigger (defineTrigger in gale/sdk). Null
 * for built-in triggers.
 */
import type { Kysely } from '#kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('trigger').addColumn('fileloc', 'varchar(2000)').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('trigger').dropColumn('fileloc').execute();
}
