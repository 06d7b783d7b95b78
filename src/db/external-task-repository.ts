/**
 * What an external task sensor looks at (as Airflow's ExternalTaskSensor queries): the states of
 * another DAG's task instances, or of its run, for one logical date. Read only.
 */
import type { Kysely } from '#kysely';
import type { Database } from './schema.js';
import { iso } from './time.js';

/**
 * The states of `taskIds`' task instances in `dagId`'s run for `logicalDate` (several for a mapped
 * task), by task id; with taskIds null, the run's own state under "*". Empty when there is no run.
 */
export async function externalStates(
  db: Kysely<Database>,
  input: { dagId: string; logicalDate: Date; taskIds: readonly string[] | null },
): Promise<Map<string, string[]>> {
  const states = new Map<string, string[]>();
  const run = await db
    .selectFrom('dag_run')
    .select(['run_id', 'state'])
    .where('dag_id', '=', input.dagId)
    .where('logical_date', '=', iso(input.logicalDate))
    .executeTakeFirst();
  if (!run) return states;
  if (input.taskIds === null) {
    states.set('*', [run.state]);
    return states;
  }
  if (input.taskIds.length === 0) return states;
  const rows = await db
    .selectFrom('task_instance')
    .select(['task_id', 'state'])
    .where('dag_id', '=', input.dagId)
    .where('run_id', '=', run.run_id)
    .where('task_id', 'in', [...input.taskIds])
    .execute();
  for (const r of rows) states.set(r.task_id, [...(states.get(r.task_id) ?? []), r.state]);
  return states;
}
