/**
 * An index for counting a run's task instances by state: the scheduler looks at each running run
 * every pass and reads all its task instances only when one of them may change (readiness).
 */
import type { Kysely } from '#kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex('idx_ti_run_state')
    .on('task_instance')
    .columns(['dag_id', 'run_id', 'state'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('idx_ti_run_state').ifExists().execute();
}
