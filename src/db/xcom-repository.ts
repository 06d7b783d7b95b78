/** Task outputs (XCom), stored as JSON text. */
import type { Kysely, Transaction } from '#kysely';
import type { Database } from './schema.js';
import { iso } from './time.js';

type Db = Kysely<Database> | Transaction<Database>;

export interface XcomKey {
  dagId: string;
  runId: string;
  taskId: string;
  mapIndex: number;
  key: string;
}

export async function setXcom(db: Db, key: XcomKey, json: string, now: Date): Promise<void> {
  const values = { value: json, created_at: iso(now) };
  await db
    .insertInto('xcom')
    .values({
      dag_id: key.dagId,
      run_id: key.runId,
      task_id: key.taskId,
      map_index: key.mapIndex,
      key: key.key,
      ...values,
    })
    .onConflict((oc) => oc.columns(['dag_id', 'run_id', 'task_id', 'map_index', 'key']).doUpdateSet(values))
    .execute();
}

/** A task's outputs under a key, of every map index (narrowed by the caller). */
function xcomsOf(db: Db, key: Omit<XcomKey, 'mapIndex'>) {
  return db
    .selectFrom('xcom')
    .select('value')
    .where('dag_id', '=', key.dagId)
    .where('run_id', '=', key.runId)
    .where('task_id', '=', key.taskId)
    .where('key', '=', key.key);
}

/** The stored JSON text, or undefined when the task has no such output. */
export async function getXcom(db: Db, key: XcomKey): Promise<string | undefined> {
  const row = await xcomsOf(db, key).where('map_index', '=', key.mapIndex).executeTakeFirst();
  return row?.value;
}

/**
 * The outputs of a mapped task's instances under `key`, as JSON text in map index order (Airflow's
 * lazy sequence of a mapped task's XComs): an instance that stored none (failed, skipped, returned
 * nothing) is left out.
 */
export async function listMappedXcoms(db: Db, key: Omit<XcomKey, 'mapIndex'>): Promise<string[]> {
  const rows = await xcomsOf(db, key).where('map_index', '>=', 0).orderBy('map_index').execute();
  return rows.map((r) => r.value);
}
