/** Stores a `dag` row as the DAG processor would, for tests that need DAGs without parsing files. */
import type { Kysely } from '#kysely';
import type { Database } from '../../src/db/index.js';

export interface DagRowInput {
  dagId: string;
  fileloc: string;
  tags?: string[];
  maxActiveTasks?: number;
  versionHash?: string;
}

export async function insertDagRow(db: Kysely<Database>, input: DagRowInput): Promise<void> {
  const now = new Date().toISOString();
  await db
    .insertInto('dag')
    .values({
      dag_id: input.dagId,
      is_paused: 0,
      is_active: 1,
      fileloc: input.fileloc,
      owners: 'gale',
      description: null,
      tags: JSON.stringify(input.tags ?? []),
      schedule_text: null,
      max_active_runs: 1,
      max_active_tasks: input.maxActiveTasks ?? 1,
      latest_version_hash: input.versionHash ?? 'h',
      last_parsed_at: now,
      next_dagrun: null,
      next_dagrun_data_interval_start: null,
      next_dagrun_data_interval_end: null,
      next_dagrun_create_after: null,
      created_at: now,
    })
    .execute();
}
