/**
 * Asset-triggered runs (Airflow 3's data-aware scheduling): a DAG scheduled on assets (or on
 * assetOrTime) gets a run when the asset events queued for it meet its condition. The run is
 * created queued, with run_type asset_triggered, and consumes every queued event of the DAG in the
 * same transaction: they are linked to the run (its triggering asset events) and leave the queue.
 * Paused and inactive DAGs keep their queued events until they run again. maxActiveRuns applies
 * when the run starts, as for other runs.
 */
import type { Kysely } from '#kysely';
import {
  consumeAssetEvents,
  type Database,
  dagsWithQueuedAssetEvents,
  insertDagRun,
  lockDagForScheduling,
  queuedAssetEvents,
  type SerializedDagCache,
} from '../db/index.js';
import { type AssetCondition, type DagRunInfo, isConditionMet, type SerializedDag } from '../models/index.js';

/** The condition a DAG's schedule waits for, or null when it is not scheduled on assets. */
export function assetConditionOf(dag: SerializedDag): AssetCondition | null {
  const s = dag.schedule;
  return s.type === 'assets' || s.type === 'asset_or_time' ? s.condition : null;
}

/**
 * The logical date of an asset-triggered run is when it was created, kept unique per DAG (one ms
 * later than a run already there); its data interval spans the consumed events, as Airflow 2 did.
 */
async function assetRunInfo(
  db: Kysely<Database>,
  dagId: string,
  timestamps: readonly string[],
  now: Date,
): Promise<DagRunInfo> {
  let logical = now.getTime();
  for (;;) {
    const clash = await db
      .selectFrom('dag_run')
      .select('id')
      .where('dag_id', '=', dagId)
      .where('logical_date', '=', new Date(logical).toISOString())
      .executeTakeFirst();
    if (!clash) break;
    logical++;
  }
  const sorted = [...timestamps].sort();
  const at = new Date(logical);
  return {
    logicalDate: at,
    dataIntervalStart: new Date(sorted[0] ?? at.toISOString()),
    dataIntervalEnd: new Date(sorted.at(-1) ?? at.toISOString()),
    runAfter: at,
  };
}

/** Creates the asset-triggered runs that are due; returns how many. */
export async function createAssetTriggeredRuns(
  db: Kysely<Database>,
  cache: SerializedDagCache,
  now: Date,
): Promise<number> {
  let created = 0;
  for (const dagId of await dagsWithQueuedAssetEvents(db)) {
    const made = await db.transaction().execute(async (tx) => {
      // several schedulers: one creates this DAG's runs, the others skip it this loop
      const dag = await lockDagForScheduling(tx, dagId);
      if (!dag || dag.is_paused || !dag.is_active) return false;
      const serialized = await cache.get(tx, dagId, dag.latest_version_hash);
      const condition = assetConditionOf(serialized);
      if (!condition) return false;
      const queued = await queuedAssetEvents(tx, dagId);
      if (!isConditionMet(condition, new Set(queued.map((q) => q.uri)))) return false;
      const info = await assetRunInfo(
        tx,
        dagId,
        queued.map((q) => q.timestamp),
        now,
      );
      const run = await insertDagRun(tx, {
        dag: serialized,
        versionHash: dag.latest_version_hash,
        info,
        runType: 'asset_triggered',
        now,
      });
      await consumeAssetEvents(tx, {
        dagId,
        dagRunId: run.id,
        eventIds: queued.map((q) => q.assetEventId),
      });
      return true;
    });
    if (made) created++;
  }
  return created;
}
