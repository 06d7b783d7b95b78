/** Rendered template fields per try: what a shell task's command (env, cwd) looked like when it ran. */
import type { Kysely } from '#kysely';
import type { Database } from './schema.js';
import { iso } from './time.js';

export interface TryIdentity {
  dagId: string;
  runId: string;
  taskId: string;
  mapIndex: number;
  tryNumber: number;
}

export async function saveRenderedFields(
  db: Kysely<Database>,
  key: TryIdentity,
  fields: Record<string, unknown>,
  now: Date,
): Promise<void> {
  const values = { rendered_fields: JSON.stringify(fields), created_at: iso(now) };
  await db
    .insertInto('rendered_task_instance_fields')
    .values({
      dag_id: key.dagId,
      run_id: key.runId,
      task_id: key.taskId,
      map_index: key.mapIndex,
      try_number: key.tryNumber,
      ...values,
    })
    .onConflict((oc) =>
      oc.columns(['dag_id', 'run_id', 'task_id', 'map_index', 'try_number']).doUpdateSet(values),
    )
    .execute();
}

/** The rendered fields of a try (the latest try when none is given), or undefined. */
export async function getRenderedFields(
  db: Kysely<Database>,
  key: Omit<TryIdentity, 'tryNumber'> & { tryNumber?: number },
): Promise<{ tryNumber: number; fields: Record<string, unknown> } | undefined> {
  let q = db
    .selectFrom('rendered_task_instance_fields')
    .select(['try_number', 'rendered_fields'])
    .where('dag_id', '=', key.dagId)
    .where('run_id', '=', key.runId)
    .where('task_id', '=', key.taskId)
    .where('map_index', '=', key.mapIndex)
    .orderBy('try_number', 'desc')
    .limit(1);
  if (key.tryNumber !== undefined) q = q.where('try_number', '=', key.tryNumber);
  const row = await q.executeTakeFirst();
  return row
    ? { tryNumber: row.try_number, fields: JSON.parse(row.rendered_fields) as Record<string, unknown> }
    : undefined;
}
