/** DAGs, their serialized versions and code: written by the DAG processor, read by everyone. */
import { createHash } from 'node:crypto';
import type { Kysely, Transaction } from '#kysely';
import {
  type DagRunInfo,
  GaleError,
  nextDagRunInfo,
  type SerializedDag,
  serializedDagSchema,
} from '../models/index.js';
import { isPostgres } from './dialect.js';
import type { DagRow, Database } from './schema.js';
import { iso } from './time.js';

type Db = Kysely<Database> | Transaction<Database>;

export async function getDag(db: Db, dagId: string): Promise<DagRow | undefined> {
  return db.selectFrom('dag').selectAll().where('dag_id', '=', dagId).executeTakeFirst();
}

/**
 * The DAG row, locked for the rest of the transaction so that only one scheduler creates its runs;
 * undefined when another scheduler holds it (PostgreSQL's FOR UPDATE SKIP LOCKED) or it is gone.
 */
export async function lockDagForScheduling(tx: Db, dagId: string): Promise<DagRow | undefined> {
  const query = tx.selectFrom('dag').selectAll().where('dag_id', '=', dagId);
  return isPostgres(tx) ? query.forUpdate().skipLocked().executeTakeFirst() : query.executeTakeFirst();
}

/** The error for a DAG that does not exist (or, in the API, that the caller may not see). */
export function dagNotFound(dagId: string): GaleError {
  return new GaleError('GALE_ERR_DAG_NOT_FOUND', `No DAG with id "${dagId}"`, {
    hint: 'Run "gale dags list" to see the DAGs, and "gale dags list-import-errors" for files that failed to load.',
  });
}

export async function requireDag(db: Db, dagId: string): Promise<DagRow> {
  const row = await getDag(db, dagId);
  if (!row) throw dagNotFound(dagId);
  return row;
}

/** The DAG, unless it is missing or inactive (its file no longer defines it): new runs need both. */
export async function requireActiveDag(db: Db, dagId: string): Promise<DagRow> {
  const row = await requireDag(db, dagId);
  if (!row.is_active) {
    throw new GaleError(
      'GALE_ERR_DAG_NOT_FOUND',
      `DAG "${dagId}" is inactive: its file no longer defines it`,
      {
        hint: 'Restore the DAG file, or delete the DAG with "gale dags delete".',
      },
    );
  }
  return row;
}

export async function listDags(db: Db, options: { includeInactive?: boolean } = {}): Promise<DagRow[]> {
  let q = db.selectFrom('dag').selectAll().orderBy('dag_id');
  if (!options.includeInactive) q = q.where('is_active', '=', 1);
  return q.execute();
}

/** Serialized DAGs by version hash; versions never change, so they are cached forever. */
export class SerializedDagCache {
  readonly #cache = new Map<string, SerializedDag>();
  async get(db: Db, dagId: string, hash: string): Promise<SerializedDag> {
    const key = `${dagId}\u0000${hash}`;
    const hit = this.#cache.get(key);
    if (hit) return hit;
    const row = await db
      .selectFrom('serialized_dag')
      .select('data')
      .where('dag_id', '=', dagId)
      .where('version_hash', '=', hash)
      .executeTakeFirst();
    if (!row)
      throw new GaleError('GALE_ERR_DAG_NOT_FOUND', `DAG "${dagId}" has no serialized version ${hash}`);
    const dag = serializedDagSchema.parse(JSON.parse(row.data));
    this.#cache.set(key, dag);
    return dag;
  }
}

export async function getLatestSerializedDag(db: Db, dagId: string): Promise<SerializedDag> {
  const dag = await requireDag(db, dagId);
  return new SerializedDagCache().get(db, dagId, dag.latest_version_hash);
}

/** The latest scheduled run's dates: where the timetable continues from. */
async function lastScheduledRun(db: Db, dagId: string): Promise<DagRunInfo | null> {
  const row = await db
    .selectFrom('dag_run')
    .select(['logical_date', 'data_interval_start', 'data_interval_end', 'run_after'])
    .where('dag_id', '=', dagId)
    .where('run_type', '=', 'scheduled')
    .orderBy('logical_date', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (!row) return null;
  return {
    logicalDate: new Date(row.logical_date),
    dataIntervalStart: new Date(row.data_interval_start),
    dataIntervalEnd: new Date(row.data_interval_end),
    runAfter: new Date(row.run_after),
  };
}

/**
 * The DAG's next scheduled run after `after` (default: its latest scheduled run; null: the caller
 * knows it has none), from its timetable.
 */
export async function computeNextDagRun(
  db: Db,
  dag: SerializedDag,
  now: Date,
  after?: DagRunInfo | null,
): Promise<DagRunInfo | null> {
  return nextDagRunInfo({
    schedule: dag.schedule,
    startDate: dag.startDate ? new Date(dag.startDate) : null,
    endDate: dag.endDate ? new Date(dag.endDate) : null,
    catchup: dag.catchup,
    timezone: dag.timezone,
    lastRun: after === undefined ? await lastScheduledRun(db, dag.dagId) : after,
    now,
  });
}

/** Computes the DAG's next scheduled run and stores it on the dag row. */
export async function refreshNextDagRun(
  db: Db,
  dag: SerializedDag,
  now: Date,
  after?: DagRunInfo,
): Promise<DagRunInfo | null> {
  const info = await computeNextDagRun(db, dag, now, after);
  await db
    .updateTable('dag')
    .set({
      next_dagrun: info ? iso(info.logicalDate) : null,
      next_dagrun_data_interval_start: info ? iso(info.dataIntervalStart) : null,
      next_dagrun_data_interval_end: info ? iso(info.dataIntervalEnd) : null,
      next_dagrun_create_after: info ? iso(info.runAfter) : null,
    })
    .where('dag_id', '=', dag.dagId)
    .execute();
  return info;
}

/** DAGs whose files are gone become inactive; their history stays. */
export async function deactivateMissingFiles(db: Db, presentFiles: readonly string[]): Promise<number> {
  const active = await db
    .selectFrom('dag')
    .select(['dag_id', 'fileloc'])
    .where('is_active', '=', 1)
    .execute();
  const present = new Set(presentFiles);
  const gone = active.filter((d) => !present.has(d.fileloc)).map((d) => d.dag_id);
  if (gone.length === 0) return 0;
  await db.updateTable('dag').set({ is_active: 0 }).where('dag_id', 'in', gone).execute();
  return gone.length;
}

export async function setPaused(
  db: Kysely<Database>,
  dagId: string,
  isPaused: boolean,
  now: Date,
): Promise<void> {
  await db.transaction().execute(async (tx) => {
    const dag = await requireDag(tx, dagId);
    await tx
      .updateTable('dag')
      .set({ is_paused: isPaused ? 1 : 0 })
      .where('dag_id', '=', dagId)
      .execute();
    if (!isPaused && dag.is_paused === 1) {
      // On unpause the timetable continues from now: without catchup, missed runs are not created.
      await refreshNextDagRun(
        tx,
        await new SerializedDagCache().get(tx, dagId, dag.latest_version_hash),
        now,
      );
    }
  });
}

/** Stores DAG files' sources, a statement per 100 files. */
export async function upsertDagCodes(
  db: Db,
  files: readonly { fileloc: string; source: string }[],
  now: Date,
): Promise<void> {
  const rows = files.map(({ fileloc, source }) => ({
    fileloc,
    source,
    source_hash: createHash('sha256').update(source).digest('hex').slice(0, 32),
    updated_at: iso(now),
  }));
  for (let i = 0; i < rows.length; i += 100) {
    await db
      .insertInto('dag_code')
      .values(rows.slice(i, i + 100))
      .onConflict((oc) =>
        oc.column('fileloc').doUpdateSet((eb) => ({
          source: eb.ref('excluded.source'),
          source_hash: eb.ref('excluded.source_hash'),
          updated_at: eb.ref('excluded.updated_at'),
        })),
      )
      .execute();
  }
}

/** Deletes a DAG and all its history (runs, task instances, outputs). */
export async function deleteDag(db: Kysely<Database>, dagId: string): Promise<void> {
  await db.transaction().execute(async (tx) => {
    await requireDag(tx, dagId);
    const runIds = tx.selectFrom('dag_run').select('id').where('dag_id', '=', dagId);
    await tx.deleteFrom('dag_run_asset_event').where('dag_run_id', 'in', runIds).execute();
    const backfillIds = tx.selectFrom('backfill').select('id').where('dag_id', '=', dagId);
    await tx.deleteFrom('backfill_dag_run').where('backfill_id', 'in', backfillIds).execute();
    await tx.deleteFrom('asset_dag_run_queue').where('target_dag_id', '=', dagId).execute();
    for (const table of [
      'rendered_task_instance_fields',
      'hitl_detail',
      'callback_request',
      'backfill',
      'dag_schedule_asset_reference',
      'task_outlet_asset_reference',
      'xcom',
      'task_instance_history',
      'task_instance',
      'dag_run',
      'serialized_dag',
    ] as const) {
      await tx.deleteFrom(table).where('dag_id', '=', dagId).execute();
    }
    await tx.deleteFrom('dag').where('dag_id', '=', dagId).execute();
  });
}
