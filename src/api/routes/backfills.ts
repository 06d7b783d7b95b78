/**
 * /api/v2/backfills, shaped after Airflow 3's public API: list, get, create, dry_run, pause,
 * unpause, cancel. Creating only records the backfill; the scheduler creates its runs. Pause,
 * unpause and cancel answer PUT as Airflow does, and POST too.
 */
import { z } from '#zod';
import {
  type BackfillRow,
  cancelBackfill,
  listBackfills,
  requireBackfill,
  setBackfillPaused,
} from '../../db/index.js';
import { DEFAULT_BACKFILL_MAX_ACTIVE_RUNS, GaleError, REPROCESS_BEHAVIORS } from '../../models/index.js';
import { type BackfillOptions, createBackfill, dryRunBackfill } from '../../scheduler/index.js';
import type { RouteContext } from '../context.js';
import { onlyVisible, requireVisibleDag } from '../dag-access.js';
import { errorResponses, isoDate, paginationQuery, parseOrderBy, problemSchema } from '../schemas.js';

const backfillSchema = z.object({
  id: z.number().int(),
  dag_id: z.string(),
  from_date: z.string(),
  to_date: z.string(),
  dag_run_conf: z.record(z.string(), z.unknown()).nullable(),
  is_paused: z.boolean(),
  reprocess_behavior: z.enum(REPROCESS_BEHAVIORS),
  max_active_runs: z.number().int(),
  created_at: z.string(),
  completed_at: z.string().nullable(),
  updated_at: z.string(),
  dag_display_name: z.string(),
});

function backfillResponse(row: BackfillRow): z.infer<typeof backfillSchema> {
  return {
    id: row.id,
    dag_id: row.dag_id,
    from_date: row.from_date,
    to_date: row.to_date,
    dag_run_conf:
      row.dag_run_conf === null ? null : (JSON.parse(row.dag_run_conf) as Record<string, unknown>),
    is_paused: row.is_paused === 1,
    reprocess_behavior: row.reprocess_behavior,
    max_active_runs: row.max_active_runs,
    created_at: row.created_at,
    completed_at: row.completed_at,
    updated_at: row.updated_at,
    dag_display_name: row.dag_id,
  };
}

/** Airflow's BackfillPostBody. */
const postBody = z
  .object({
    dag_id: z.string().min(1),
    from_date: isoDate,
    to_date: isoDate,
    run_backwards: z.boolean().default(false),
    dag_run_conf: z.record(z.string(), z.unknown()).nullable().default(null),
    reprocess_behavior: z.enum(REPROCESS_BEHAVIORS).default('none'),
    max_active_runs: z.number().int().min(1).default(DEFAULT_BACKFILL_MAX_ACTIVE_RUNS),
  })
  .strict();

const idParams = z.object({ backfill_id: z.coerce.number().int().min(0) });
const conflict = { 409: problemSchema, 422: problemSchema };

export function registerBackfillRoutes({ app, deps, cache }: RouteContext): void {
  const { db } = deps.gdb;

  function options(body: z.infer<typeof postBody>, username: string | null): BackfillOptions {
    return {
      dagId: body.dag_id,
      from: new Date(body.from_date),
      to: new Date(body.to_date),
      runBackwards: body.run_backwards,
      conf: body.dag_run_conf,
      reprocessBehavior: body.reprocess_behavior,
      maxActiveRuns: body.max_active_runs,
      triggeringUserName: username,
      now: new Date(),
    };
  }

  /** The backfill, or its not-found error when the caller may not see its DAG. */
  async function visibleBackfill(request: Parameters<typeof requireVisibleDag>[0], id: number) {
    const row = await requireBackfill(db, id);
    try {
      await requireVisibleDag(request, db, row.dag_id);
    } catch (error) {
      throw new GaleError('GALE_ERR_BACKFILL_NOT_FOUND', `No backfill with id ${id}`, { cause: error });
    }
    return row;
  }

  app.get(
    '/api/v2/backfills',
    {
      schema: {
        summary: 'List backfills',
        tags: ['Backfill'],
        querystring: z.object({
          ...paginationQuery,
          dag_id: z.string().optional().describe('only the backfills of this DAG'),
          order_by: z.string().optional().describe('id or -id'),
        }),
        response: {
          200: z.object({ backfills: z.array(backfillSchema), total_entries: z.number().int() }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const q = request.query;
      const order = parseOrderBy(q.order_by, ['id'] as const, 'id');
      const { backfills, total } = await listBackfills(db, {
        dagId: q.dag_id,
        limit: q.limit,
        offset: q.offset,
        order: order.direction,
        where: await onlyVisible(request, db, 'dag_id'),
      });
      return { backfills: backfills.map(backfillResponse), total_entries: total };
    },
  );

  app.get(
    '/api/v2/backfills/:backfill_id',
    {
      schema: {
        summary: 'Get a backfill',
        tags: ['Backfill'],
        params: idParams,
        response: { 200: backfillSchema, ...errorResponses },
      },
    },
    async (request) => backfillResponse(await visibleBackfill(request, request.params.backfill_id)),
  );

  app.post(
    '/api/v2/backfills',
    {
      config: { role: 'User' },
      schema: {
        summary:
          "Create a backfill: the scheduler creates runs of the DAG's schedule in [from_date, to_date]",
        tags: ['Backfill'],
        body: postBody,
        response: { 200: backfillSchema, ...errorResponses, ...conflict },
      },
    },
    async (request) => {
      await requireVisibleDag(request, db, request.body.dag_id);
      const row = await createBackfill(db, cache, options(request.body, request.caller?.username ?? null));
      return backfillResponse(row);
    },
  );

  app.post(
    '/api/v2/backfills/dry_run',
    {
      config: { role: 'User' },
      schema: {
        summary: 'The logical dates a backfill would run now; creates nothing',
        tags: ['Backfill'],
        body: postBody,
        response: {
          200: z.object({
            backfills: z.array(z.object({ logical_date: z.string() })),
            total_entries: z.number().int(),
          }),
          ...errorResponses,
          ...conflict,
        },
      },
    },
    async (request) => {
      await requireVisibleDag(request, db, request.body.dag_id);
      const infos = await dryRunBackfill(db, cache, options(request.body, null));
      return {
        backfills: infos.map((i) => ({ logical_date: i.logicalDate.toISOString() })),
        total_entries: infos.length,
      };
    },
  );

  for (const action of ['pause', 'unpause', 'cancel'] as const) {
    for (const method of ['PUT', 'POST'] as const) {
      app.route({
        method,
        url: `/api/v2/backfills/:backfill_id/${action}`,
        config: { role: 'User' },
        schema: {
          summary:
            action === 'cancel'
              ? 'Cancel a backfill: its queued runs fail, running ones go on, no more start'
              : `${action === 'pause' ? 'Pause' : 'Unpause'} a backfill: whether its queued runs may start`,
          tags: ['Backfill'],
          params: idParams,
          response: { 200: backfillSchema, ...errorResponses, ...conflict },
        },
        handler: async (request) => {
          const { backfill_id } = request.params as z.infer<typeof idParams>;
          await visibleBackfill(request, backfill_id);
          const now = new Date();
          const row =
            action === 'cancel'
              ? await cancelBackfill(db, backfill_id, now)
              : await setBackfillPaused(db, backfill_id, action === 'pause', now);
          return backfillResponse(row);
        },
      });
    }
  }
}
