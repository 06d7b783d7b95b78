/** An index for counting tries by state (the gale_ti_finished metric reads it at every scrape). */
import type { Kysely } from '#kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('idx_ti_history_state').on('task_instance_history').column('state').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('idx_ti_history_state').ifExists().execute();
}
