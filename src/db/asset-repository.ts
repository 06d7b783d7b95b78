/**
 * Assets and asset events (migrations/0015). The DAG processor stores which DAGs are scheduled on
 * which assets and which tasks update them; a successful try (in its success transaction) or an
 * outside caller records events, each queued for every DAG scheduled on its asset; the scheduler
 * consumes the queued events of a DAG when it creates an asset-triggered run.
 */
import type { Kysely, Transaction } from '#kysely';
import {
  type AssetEventInfo,
  type AssetRef,
  GaleError,
  type OutletEvent,
  type SerializedDag,
} from '../models/index.js';
import { inTransaction } from './dialect.js';
import type { AssetEventRow, AssetRow, Database } from './schema.js';
import { iso } from './time.js';

type Db = Kysely<Database> | Transaction<Database>;

/** Creates missing assets (an existing asset's name, group and extra follow the latest DAG). Returns uri -> id. */
export async function upsertAssets(
  db: Db,
  refs: readonly AssetRef[],
  now: Date,
): Promise<Map<string, number>> {
  const ids = new Map<string, number>();
  for (const ref of refs) {
    if (ids.has(ref.uri)) continue;
    const fields = {
      name: ref.name,
      group: ref.group,
      extra: JSON.stringify(ref.extra),
      updated_at: iso(now),
    };
    await db
      .insertInto('asset')
      .values({ uri: ref.uri, ...fields, created_at: iso(now) })
      .onConflict((oc) => oc.column('uri').doUpdateSet(fields))
      .execute();
    const row = await db
      .selectFrom('asset')
      .select('id')
      .where('uri', '=', ref.uri)
      .executeTakeFirstOrThrow();
    ids.set(ref.uri, row.id);
  }
  return ids;
}

/**
 * Stores the assets each DAG is scheduled on and its tasks' outlets, replacing what the last parse
 * stored; in the caller's transaction when `db` is one.
 */
export async function syncDagAssetReferences(
  db: Kysely<Database>,
  dags: readonly SerializedDag[],
  now: Date,
): Promise<void> {
  await inTransaction(db, async (tx) => {
    // DAGs with no assets (most) only lose what an earlier version stored: a statement per table
    const plain = new Set(
      dags.filter((d) => !d.scheduleAssets?.length && !d.tasks.some((t) => t.outlets?.length)),
    );
    const plainIds = [...plain].map((d) => d.dagId);
    for (let i = 0; i < plainIds.length; i += 500) {
      const ids = plainIds.slice(i, i + 500);
      await tx.deleteFrom('dag_schedule_asset_reference').where('dag_id', 'in', ids).execute();
      await tx.deleteFrom('asset_dag_run_queue').where('target_dag_id', 'in', ids).execute();
      await tx.deleteFrom('task_outlet_asset_reference').where('dag_id', 'in', ids).execute();
    }
    for (const dag of dags) {
      if (plain.has(dag)) continue;
      const scheduled = dag.scheduleAssets ?? [];
      const outlets = dag.tasks.flatMap((t) =>
        (t.outlets ?? []).map((a) => ({ taskId: t.taskId, asset: a })),
      );
      const ids = await upsertAssets(tx, [...scheduled, ...outlets.map((o) => o.asset)], now);
      const scheduledIds = scheduled.map((a) => ids.get(a.uri)!);
      await tx.deleteFrom('dag_schedule_asset_reference').where('dag_id', '=', dag.dagId).execute();
      if (scheduledIds.length > 0) {
        await tx
          .insertInto('dag_schedule_asset_reference')
          .values(scheduledIds.map((asset_id) => ({ asset_id, dag_id: dag.dagId, created_at: iso(now) })))
          .execute();
      }
      // events queued for assets the DAG no longer waits for are dropped, as Airflow does
      let stale = tx.deleteFrom('asset_dag_run_queue').where('target_dag_id', '=', dag.dagId);
      if (scheduledIds.length > 0) stale = stale.where('asset_id', 'not in', scheduledIds);
      await stale.execute();
      await tx.deleteFrom('task_outlet_asset_reference').where('dag_id', '=', dag.dagId).execute();
      const outletRows = [...new Map(outlets.map((o) => [`${o.taskId}\u0000${o.asset.uri}`, o])).values()];
      if (outletRows.length > 0) {
        await tx
          .insertInto('task_outlet_asset_reference')
          .values(
            outletRows.map((o) => ({
              asset_id: ids.get(o.asset.uri)!,
              dag_id: dag.dagId,
              task_id: o.taskId,
              created_at: iso(now),
            })),
          )
          .execute();
      }
    }
  });
}

export interface AssetEventSource {
  dagId: string;
  taskId: string;
  runId: string;
  mapIndex: number;
}

/**
 * Records events (in the caller's transaction) and queues each for every DAG scheduled on its
 * asset. An outlet whose asset no DAG processor stored yet is created with its URI as name.
 */
export async function recordAssetEvents(
  tx: Db,
  input: { events: readonly OutletEvent[]; source: AssetEventSource | null; now: Date },
): Promise<number[]> {
  const ids: number[] = [];
  for (const event of input.events) {
    let asset = await tx.selectFrom('asset').select('id').where('uri', '=', event.uri).executeTakeFirst();
    if (!asset) {
      const created = await upsertAssets(
        tx,
        [{ uri: event.uri, name: event.uri, group: 'asset', extra: {} }],
        input.now,
      );
      asset = { id: created.get(event.uri)! };
    }
    const row = await tx
      .insertInto('asset_event')
      .values({
        asset_id: asset.id,
        extra: JSON.stringify(event.extra),
        source_dag_id: input.source?.dagId ?? null,
        source_task_id: input.source?.taskId ?? null,
        source_run_id: input.source?.runId ?? null,
        source_map_index: input.source?.mapIndex ?? null,
        timestamp: iso(input.now),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const consumers = await tx
      .selectFrom('dag_schedule_asset_reference')
      .select('dag_id')
      .where('asset_id', '=', asset.id)
      .execute();
    if (consumers.length > 0) {
      await tx
        .insertInto('asset_dag_run_queue')
        .values(
          consumers.map((c) => ({
            asset_event_id: row.id,
            asset_id: asset.id,
            target_dag_id: c.dag_id,
            created_at: iso(input.now),
          })),
        )
        .execute();
    }
    ids.push(row.id);
  }
  return ids;
}

export async function requireAssetByUri(db: Db, uri: string): Promise<AssetRow> {
  const row = await db.selectFrom('asset').selectAll().where('uri', '=', uri).executeTakeFirst();
  if (!row) throw assetNotFound(`No asset has the URI "${uri}"`);
  return row;
}

export async function requireAsset(db: Db, id: number): Promise<AssetRow> {
  const row = await db.selectFrom('asset').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw assetNotFound(`No asset has the id ${id}`);
  return row;
}

function assetNotFound(message: string): GaleError {
  return new GaleError('GALE_ERR_ASSET_NOT_FOUND', message, {
    hint: 'Run "gale assets list" to see the assets: an asset exists once a DAG schedules on it or lists it as an outlet.',
  });
}

/** An event from outside (Airflow's POST /assets/events): the asset must exist. */
export async function createAssetEvent(
  db: Kysely<Database>,
  input: { uri: string; extra: Record<string, unknown>; now: Date },
): Promise<AssetEventWithAsset> {
  const id = await db.transaction().execute(async (tx) => {
    await requireAssetByUri(tx, input.uri);
    const [eventId] = await recordAssetEvents(tx, {
      events: [{ uri: input.uri, extra: input.extra }],
      source: null,
      now: input.now,
    });
    return eventId!;
  });
  const { events } = await listAssetEvents(db, { eventId: id, limit: 1, offset: 0 });
  return events[0]!;
}

export interface AssetWithReferences extends AssetRow {
  /** DAGs scheduled on the asset */
  consumingDags: string[];
  /** tasks that update it, "dag_id.task_id" */
  producingTasks: { dagId: string; taskId: string }[];
}

export async function listAssets(
  db: Db,
  page: { limit: number; offset: number; uriPattern?: string; id?: number },
): Promise<{ assets: AssetWithReferences[]; total: number }> {
  let q = db.selectFrom('asset');
  if (page.uriPattern) q = q.where('uri', 'like', `%${page.uriPattern}%`);
  if (page.id !== undefined) q = q.where('id', '=', page.id);
  const total = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  const rows = await q.selectAll().orderBy('uri').limit(page.limit).offset(page.offset).execute();
  const ids = rows.map((r) => r.id);
  const consuming = ids.length
    ? await db.selectFrom('dag_schedule_asset_reference').selectAll().where('asset_id', 'in', ids).execute()
    : [];
  const producing = ids.length
    ? await db.selectFrom('task_outlet_asset_reference').selectAll().where('asset_id', 'in', ids).execute()
    : [];
  return {
    total: Number(total.n),
    assets: rows.map((r) => ({
      ...r,
      consumingDags: consuming
        .filter((c) => c.asset_id === r.id)
        .map((c) => c.dag_id)
        .sort(),
      producingTasks: producing
        .filter((p) => p.asset_id === r.id)
        .map((p) => ({ dagId: p.dag_id, taskId: p.task_id })),
    })),
  };
}

export interface AssetEventWithAsset extends AssetEventRow {
  uri: string;
  name: string;
}

export interface AssetEventFilter {
  limit: number;
  offset: number;
  eventId?: number;
  assetId?: number;
  uri?: string;
  sourceDagId?: string;
  sourceTaskId?: string;
  sourceRunId?: string;
  sourceMapIndex?: number;
  /** ISO times, inclusive */
  timestampGte?: string;
  timestampLte?: string;
  descending?: boolean;
}

export async function listAssetEvents(
  db: Db,
  f: AssetEventFilter,
): Promise<{ events: AssetEventWithAsset[]; total: number }> {
  let q = db.selectFrom('asset_event').innerJoin('asset', 'asset.id', 'asset_event.asset_id');
  if (f.eventId !== undefined) q = q.where('asset_event.id', '=', f.eventId);
  if (f.assetId !== undefined) q = q.where('asset_event.asset_id', '=', f.assetId);
  if (f.uri !== undefined) q = q.where('asset.uri', '=', f.uri);
  if (f.sourceDagId !== undefined) q = q.where('asset_event.source_dag_id', '=', f.sourceDagId);
  if (f.sourceTaskId !== undefined) q = q.where('asset_event.source_task_id', '=', f.sourceTaskId);
  if (f.sourceRunId !== undefined) q = q.where('asset_event.source_run_id', '=', f.sourceRunId);
  if (f.sourceMapIndex !== undefined) q = q.where('asset_event.source_map_index', '=', f.sourceMapIndex);
  if (f.timestampGte !== undefined) q = q.where('asset_event.timestamp', '>=', f.timestampGte);
  if (f.timestampLte !== undefined) q = q.where('asset_event.timestamp', '<=', f.timestampLte);
  const total = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  const order = f.descending ? 'desc' : 'asc';
  const events = await q
    .selectAll('asset_event')
    .select(['asset.uri', 'asset.name'])
    .orderBy('asset_event.timestamp', order)
    .orderBy('asset_event.id', order)
    .limit(f.limit)
    .offset(f.offset)
    .execute();
  return { events, total: Number(total.n) };
}

/** The events a DAG has not consumed yet, with their assets' URIs, oldest first. */
export async function queuedAssetEvents(
  db: Db,
  dagId: string,
): Promise<{ assetEventId: number; uri: string; timestamp: string }[]> {
  const rows = await db
    .selectFrom('asset_dag_run_queue as q')
    .innerJoin('asset_event as e', 'e.id', 'q.asset_event_id')
    .innerJoin('asset as a', 'a.id', 'q.asset_id')
    .select(['q.asset_event_id', 'a.uri', 'e.timestamp'])
    .where('q.target_dag_id', '=', dagId)
    .orderBy('e.timestamp')
    .orderBy('q.asset_event_id')
    .execute();
  return rows.map((r) => ({ assetEventId: r.asset_event_id, uri: r.uri, timestamp: r.timestamp }));
}

/** The DAGs with queued events (the ones an asset-triggered run may be due for). */
export async function dagsWithQueuedAssetEvents(db: Db): Promise<string[]> {
  const rows = await db.selectFrom('asset_dag_run_queue').select('target_dag_id').distinct().execute();
  return rows.map((r) => r.target_dag_id);
}

/** Links the events to the run and takes them off the DAG's queue (in the run's creation transaction). */
export async function consumeAssetEvents(
  tx: Db,
  input: { dagId: string; dagRunId: number; eventIds: readonly number[] },
): Promise<void> {
  if (input.eventIds.length === 0) return;
  await tx
    .insertInto('dag_run_asset_event')
    .values(input.eventIds.map((asset_event_id) => ({ dag_run_id: input.dagRunId, asset_event_id })))
    .execute();
  await tx
    .deleteFrom('asset_dag_run_queue')
    .where('target_dag_id', '=', input.dagId)
    .where('asset_event_id', 'in', [...input.eventIds])
    .execute();
}

/** The events a run consumed (Airflow's triggering_asset_events), oldest first; [] for other runs. */
export async function triggeringAssetEvents(db: Db, dagId: string, runId: string): Promise<AssetEventInfo[]> {
  const rows = await db
    .selectFrom('dag_run_asset_event as l')
    .innerJoin('dag_run as r', 'r.id', 'l.dag_run_id')
    .innerJoin('asset_event as e', 'e.id', 'l.asset_event_id')
    .innerJoin('asset as a', 'a.id', 'e.asset_id')
    .selectAll('e')
    .select(['a.uri', 'a.name'])
    .where('r.dag_id', '=', dagId)
    .where('r.run_id', '=', runId)
    .orderBy('e.timestamp')
    .orderBy('e.id')
    .execute();
  return rows.map(toEventInfo);
}

export function toEventInfo(e: AssetEventWithAsset): AssetEventInfo {
  return {
    id: e.id,
    uri: e.uri,
    name: e.name,
    extra: JSON.parse(e.extra) as Record<string, unknown>,
    timestamp: e.timestamp,
    sourceDagId: e.source_dag_id,
    sourceTaskId: e.source_task_id,
    sourceRunId: e.source_run_id,
    sourceMapIndex: e.source_map_index,
  };
}
