/**
 * Audit events name the API route they came from (`api:PATCH /api/v2/dags/:dag_id/dagRuns/
 * :dag_run_id/taskInstances/:task_id` has 74 characters), more than the 60 of Airflow's
 * `log.event`: PostgreSQL refused those rows. SQLite never checked varchar lengths.
 */
import { type Kysely, sql } from '#kysely';
import { isPostgres } from '../dialect.js';

export async function up(db: Kysely<unknown>): Promise<void> {
  if (!isPostgres(db)) return;
  await db.schema
    .alterTable('log')
    .alterColumn('event', (c) => c.setDataType('varchar(250)'))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  if (!isPostgres(db)) return;
  await sql`alter table log alter column event type varchar(60) using left(event, 60)`.execute(db);
}
