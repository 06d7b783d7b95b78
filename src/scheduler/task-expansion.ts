/**
 * Expanding mapped tasks (dynamic task mapping), as Airflow's scheduler does right before a mapped
 * task runs: once its trigger rule passes (so the upstream outputs it expands over exist), its
 * unexpanded task instance (map_index -1) becomes map index 0 and instances 1..n-1 are added, all
 * scheduled. An empty input skips the task; an input that cannot be mapped over, or one longer than
 * core.max_map_length, fails it with the reason as its try's error. Runs in the caller's
 * transaction, with the run's other scheduling writes; never runs user code.
 */
import { randomUUID } from 'node:crypto';
import type { Transaction } from '#kysely';
import { type DagRunRow, type Database, finishTry, getXcom, iso, listMappedXcoms } from '../db/index.js';
import {
  checkMapLength,
  expansionLength,
  GaleError,
  type OutputReader,
  readMappingOutputs,
  type SerializedDag,
} from '../models/index.js';
import { type OutputStore, resolveOutput } from '../output-store/index.js';

export interface ExpansionOptions {
  /** the most instances a mapped task may have (core.max_map_length) */
  maxMapLength: number;
  /** reads expand inputs kept in files (output_store file backend); without it, rows are read as they are */
  outputs?: OutputStore;
}

/** Expands the given unexpanded task instances; returns how many task instances became scheduled. */
export async function expandMappedTasks(
  tx: Transaction<Database>,
  dag: SerializedDag,
  run: DagRunRow,
  toExpand: readonly { tiId: string; taskId: string }[],
  now: Date,
  options: ExpansionOptions,
): Promise<number> {
  const { outputs } = options;
  const resolve = (stored: string) => (outputs ? resolveOutput(outputs, stored) : stored);
  const reader: OutputReader = {
    one: async (taskId, key) => {
      const stored = await getXcom(tx, { dagId: run.dag_id, runId: run.run_id, taskId, mapIndex: -1, key });
      return stored === undefined ? undefined : resolve(stored);
    },
    mapped: async (taskId, key) =>
      Promise.all(
        (await listMappedXcoms(tx, { dagId: run.dag_id, runId: run.run_id, taskId, key })).map(resolve),
      ),
  };
  const isMapped = (taskId: string) => Boolean(dag.tasks.find((t) => t.taskId === taskId)?.mapping);
  let scheduled = 0;
  for (const { tiId, taskId } of toExpand) {
    const spec = dag.tasks.find((t) => t.taskId === taskId)?.mapping;
    if (!spec) continue;
    const where = `DAG "${run.dag_id}", mapped task "${taskId}"`;
    let length: number;
    try {
      length = expansionLength(spec, await readMappingOutputs(spec, reader, isMapped), where);
      checkMapLength(length, options.maxMapLength, where);
    } catch (error) {
      if (!(error instanceof GaleError)) throw error;
      await failUnexpanded(tx, tiId, error, now);
      continue;
    }
    if (length === 0) {
      // as Airflow: a task mapped over nothing is skipped, and its downstream tasks follow their trigger rules
      await tx
        .updateTable('task_instance')
        .set({ state: 'skipped', start_date: iso(now), end_date: iso(now), updated_at: iso(now) })
        .where('id', '=', tiId)
        .where('state', '=', 'none')
        .where('map_index', '=', -1)
        .execute();
      continue;
    }
    // a mapped task group's instances wait for their own map index of the group's other tasks
    scheduled += await createMappedInstances(
      tx,
      tiId,
      length,
      now,
      spec.type === 'group' ? 'none' : 'scheduled',
    );
  }
  return scheduled;
}

async function createMappedInstances(
  tx: Transaction<Database>,
  tiId: string,
  length: number,
  now: Date,
  state: 'scheduled' | 'none',
): Promise<number> {
  const ti = await tx
    .selectFrom('task_instance')
    .selectAll()
    .where('id', '=', tiId)
    .where('state', '=', 'none')
    .where('map_index', '=', -1)
    .executeTakeFirst();
  if (!ti) return 0;
  const scheduled =
    state === 'scheduled'
      ? { state, scheduled_at: iso(now), updated_at: iso(now) }
      : { state, updated_at: iso(now) };
  await tx
    .updateTable('task_instance')
    .set({ map_index: 0, ...scheduled })
    .where('id', '=', tiId)
    .where('state', '=', 'none')
    .execute();
  const rows = Array.from({ length: length - 1 }, (_, i) => ({
    ...ti,
    id: randomUUID(),
    map_index: i + 1,
    ...scheduled,
  }));
  // SQLite allows 32766 bound parameters per statement; a task instance has about 30 columns.
  for (let i = 0; i < rows.length; i += 500) {
    await tx
      .insertInto('task_instance')
      .values(rows.slice(i, i + 500))
      .execute();
  }
  return state === 'scheduled' ? length : 0;
}

/** Fails the unexpanded task instance as a try of its own, so that its error is recorded and shown like any try's. */
async function failUnexpanded(
  tx: Transaction<Database>,
  tiId: string,
  error: GaleError,
  now: Date,
): Promise<void> {
  const ti = await tx
    .selectFrom('task_instance')
    .select('try_number')
    .where('id', '=', tiId)
    .executeTakeFirst();
  if (!ti) return;
  const tryNumber = ti.try_number + 1;
  await tx
    .updateTable('task_instance')
    .set({ try_number: tryNumber, start_date: iso(now), updated_at: iso(now) })
    .where('id', '=', tiId)
    .where('state', '=', 'none')
    .execute();
  await finishTry(tx, {
    tiId,
    tryNumber,
    fromStates: ['none'],
    outcome: { state: 'failed', error: `${error.message} (${error.code}). ${error.hint ?? ''}`.trim() },
    now,
  });
}
