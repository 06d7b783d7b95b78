/**
 * /api/v2/assets and /api/v2/assets/events, shaped after Airflow 3's public API. Reading needs
 * the Viewer role; creating an event from outside (which queues runs of the DAGs scheduled on the
 * asset) needs Op, and is audited like every other change.
 */
import { z } from '#zod';
import {
  type AssetEventWithAsset,
  type AssetWithReferences,
  createAssetEvent,
  listAssetEvents,
  listAssets,
  requireAsset,
} from '../../db/index.js';
import { GaleError } from '../../models/index.js';
import type { RouteContext } from '../context.js';
import { errorResponses, paginationQuery } from '../schemas.js';

const assetSchema = z.object({
  id: z.number().int(),
  uri: z.string(),
  name: z.string(),
  group: z.string(),
  extra: z.record(z.string(), z.unknown()),
  created_at: z.string(),
  updated_at: z.string(),
  consuming_dags: z.array(z.object({ dag_id: z.string() })).describe('DAGs scheduled on the asset'),
  producing_tasks: z
    .array(z.object({ dag_id: z.string(), task_id: z.string() }))
    .describe('tasks with it as an outlet'),
});

const assetEventSchema = z.object({
  id: z.number().int(),
  asset_id: z.number().int(),
  uri: z.string(),
  name: z.string(),
  extra: z.record(z.string(), z.unknown()),
  source_dag_id: z.string().nullable(),
  source_task_id: z.string().nullable(),
  source_run_id: z.string().nullable(),
  source_map_index: z.number().int().nullable(),
  timestamp: z.string(),
});

function assetResponse(a: AssetWithReferences): z.infer<typeof assetSchema> {
  return {
    id: a.id,
    uri: a.uri,
    name: a.name,
    group: a.group,
    extra: JSON.parse(a.extra) as Record<string, unknown>,
    created_at: a.created_at,
    updated_at: a.updated_at,
    consuming_dags: a.consumingDags.map((dag_id) => ({ dag_id })),
    producing_tasks: a.producingTasks.map((p) => ({ dag_id: p.dagId, task_id: p.taskId })),
  };
}

function eventResponse(e: AssetEventWithAsset): z.infer<typeof assetEventSchema> {
  return {
    id: e.id,
    asset_id: e.asset_id,
    uri: e.uri,
    name: e.name,
    extra: JSON.parse(e.extra) as Record<string, unknown>,
    source_dag_id: e.source_dag_id,
    source_task_id: e.source_task_id,
    source_run_id: e.source_run_id,
    source_map_index: e.source_map_index,
    timestamp: e.timestamp,
  };
}

const eventQuery = z.object({
  ...paginationQuery,
  order_by: z.enum(['timestamp', '-timestamp']).optional(),
  asset_id: z.coerce.number().int().optional(),
  uri: z.string().optional(),
  source_dag_id: z.string().optional(),
  source_task_id: z.string().optional(),
  source_run_id: z.string().optional(),
  source_map_index: z.coerce.number().int().optional(),
  timestamp_gte: z.string().datetime({ offset: true }).optional(),
  timestamp_lte: z.string().datetime({ offset: true }).optional(),
});

const createBody = z
  .object({
    asset_id: z.number().int().optional(),
    uri: z.string().optional().describe('instead of asset_id'),
    extra: z.record(z.string(), z.unknown()).default({}),
  })
  .strict();

export function registerAssetRoutes({ app, deps }: RouteContext): void {
  const { db } = deps.gdb;
  app.get(
    '/api/v2/assets',
    {
      config: { role: 'Viewer' },
      schema: {
        summary: 'List assets, with the DAGs scheduled on each and the tasks that update it',
        tags: ['Asset'],
        querystring: z.object({
          ...paginationQuery,
          uri_pattern: z.string().optional().describe('only URIs that contain this'),
        }),
        response: {
          200: z.object({ assets: z.array(assetSchema), total_entries: z.number().int() }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { limit, offset, uri_pattern } = request.query;
      const page = await listAssets(db, { limit, offset, uriPattern: uri_pattern });
      return { assets: page.assets.map(assetResponse), total_entries: page.total };
    },
  );
  app.get(
    '/api/v2/assets/events',
    {
      config: { role: 'Viewer' },
      schema: {
        summary: 'List asset events',
        tags: ['Asset'],
        querystring: eventQuery,
        response: {
          200: z.object({ asset_events: z.array(assetEventSchema), total_entries: z.number().int() }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const q = request.query;
      const page = await listAssetEvents(db, {
        limit: q.limit,
        offset: q.offset,
        assetId: q.asset_id,
        uri: q.uri,
        sourceDagId: q.source_dag_id,
        sourceTaskId: q.source_task_id,
        sourceRunId: q.source_run_id,
        sourceMapIndex: q.source_map_index,
        timestampGte: q.timestamp_gte && new Date(q.timestamp_gte).toISOString(),
        timestampLte: q.timestamp_lte && new Date(q.timestamp_lte).toISOString(),
        descending: q.order_by === '-timestamp',
      });
      return { asset_events: page.events.map(eventResponse), total_entries: page.total };
    },
  );
  app.post(
    '/api/v2/assets/events',
    {
      config: { role: 'Op' },
      schema: {
        summary: 'Create an asset event (queues runs of the DAGs scheduled on the asset)',
        tags: ['Asset'],
        body: createBody,
        response: { 200: assetEventSchema, ...errorResponses },
      },
    },
    async (request) => {
      const { asset_id, uri, extra } = request.body;
      if ((asset_id === undefined) === (uri === undefined)) {
        throw new GaleError('GALE_ERR_INVALID_REQUEST', 'Give either asset_id or uri', {
          hint: 'POST {"asset_id": 1, "extra": {...}} as Airflow, or {"uri": "s3://bucket/file"}.',
        });
      }
      const target = uri ?? (await requireAsset(db, asset_id!)).uri;
      return eventResponse(await createAssetEvent(db, { uri: target, extra, now: new Date() }));
    },
  );
  app.get(
    '/api/v2/assets/:asset_id',
    {
      config: { role: 'Viewer' },
      schema: {
        summary: 'Get an asset',
        tags: ['Asset'],
        params: z.object({ asset_id: z.coerce.number().int() }),
        response: { 200: assetSchema, ...errorResponses },
      },
    },
    async (request) => {
      const { asset_id } = request.params;
      await requireAsset(db, asset_id);
      const { assets } = await listAssets(db, { limit: 1, offset: 0, id: asset_id });
      return assetResponse(assets[0]!);
    },
  );
}
