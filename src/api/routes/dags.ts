/** /api/v2/dags: list, get, pause/unpause, delete, details, tasks, as Airflow 3's public API. */

import { sql } from '#kysely';
import { z } from '#zod';
import { type DagRow, deleteDag, requireDag, setPaused } from '../../db/index.js';
import { createOutputStore } from '../../output-store/index.js';
import type { RouteContext } from '../context.js';
import { onlyVisible } from '../dag-access.js';
import { errorResponses, listParam, paginationQuery, parseOrderBy } from '../schemas.js';

export const dagSchema = z.object({
  dag_id: z.string(),
  dag_display_name: z.string(),
  is_paused: z.boolean(),
  is_stale: z.boolean(),
  last_parsed_time: z.string().nullable(),
  fileloc: z.string(),
  description: z.string().nullable(),
  timetable_summary: z.string().nullable(),
  tags: z.array(z.object({ name: z.string(), dag_id: z.string() })),
  owners: z.array(z.string()),
  max_active_runs: z.number().int(),
  max_active_tasks: z.number().int(),
  next_dagrun_logical_date: z.string().nullable(),
  next_dagrun_data_interval_start: z.string().nullable(),
  next_dagrun_data_interval_end: z.string().nullable(),
  next_dagrun_run_after: z.string().nullable(),
});

export function dagResponse(row: DagRow): z.infer<typeof dagSchema> {
  return {
    dag_id: row.dag_id,
    dag_display_name: row.dag_id,
    is_paused: row.is_paused === 1,
    is_stale: row.is_active !== 1,
    last_parsed_time: row.last_parsed_at,
    fileloc: row.fileloc,
    description: row.description,
    timetable_summary: row.schedule_text,
    tags: (JSON.parse(row.tags) as string[]).map((name) => ({ name, dag_id: row.dag_id })),
    owners: row.owners ? row.owners.split(',').map((o) => o.trim()) : [],
    max_active_runs: row.max_active_runs,
    max_active_tasks: row.max_active_tasks,
    next_dagrun_logical_date: row.next_dagrun,
    next_dagrun_data_interval_start: row.next_dagrun_data_interval_start,
    next_dagrun_data_interval_end: row.next_dagrun_data_interval_end,
    next_dagrun_run_after: row.next_dagrun_create_after,
  };
}

const dagIdParams = z.object({ dag_id: z.string() });

const taskSchema = z.object({
  task_id: z.string(),
  task_display_name: z.string(),
  operator_name: z.string(),
  owner: z.string(),
  trigger_rule: z.string(),
  retries: z.number().int(),
  retry_delay_seconds: z.number(),
  execution_timeout_seconds: z.number().nullable(),
  pool: z.string(),
  pool_slots: z.number().int(),
  priority_weight: z.number().int(),
  weight_rule: z.string(),
  queue: z.string(),
  task_group_id: z.string().nullable(),
  doc_md: z.string().nullable(),
  upstream_task_ids: z.array(z.string()),
  downstream_task_ids: z.array(z.string()),
});

const ORDER = ['dag_id', 'last_parsed_time', 'next_dagrun'] as const;
const ORDER_COLUMN = {
  dag_id: 'dag_id',
  last_parsed_time: 'last_parsed_at',
  next_dagrun: 'next_dagrun',
} as const;

export function registerDagRoutes({ app, deps, cache }: RouteContext): void {
  const { db } = deps.gdb;

  app.get(
    '/api/v2/dags',
    {
      schema: {
        summary: 'List DAGs',
        tags: ['DAG'],
        querystring: z.object({
          ...paginationQuery,
          order_by: z
            .string()
            .optional()
            .describe(`one of ${ORDER.join(', ')}; "-" first for descending`),
          tags: listParam.describe('only DAGs with one of these tags'),
          dag_id_pattern: z.string().optional().describe('only DAGs whose id contains this'),
          paused: z
            .enum(['true', 'false'])
            .optional()
            .transform((v) => (v === undefined ? undefined : v === 'true')),
          exclude_stale: z
            .enum(['true', 'false'])
            .default('true')
            .transform((v) => v === 'true')
            .describe('leave out DAGs whose file no longer defines them'),
        }),
        response: {
          200: z.object({ dags: z.array(dagSchema), total_entries: z.number().int() }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const q = request.query;
      const order = parseOrderBy(q.order_by, ORDER, 'dag_id');
      let base = db.selectFrom('dag').where(await onlyVisible(request, db, 'dag_id'));
      if (q.exclude_stale) base = base.where('is_active', '=', 1);
      if (q.paused !== undefined) base = base.where('is_paused', '=', q.paused ? 1 : 0);
      if (q.dag_id_pattern) {
        // SQLite's LIKE has no escape character unless told: name it for both dialects
        const pattern = `%${q.dag_id_pattern.replace(/[\\%_]/g, '\\$&')}%`;
        base = base.where(sql<boolean>`dag_id like ${pattern} escape '\\'`);
      }
      if (q.tags?.length) {
        const tags = q.tags;
        base = base.where((eb) => eb.or(tags.map((t) => eb('tags', 'like', `%${JSON.stringify(t)}%`))));
      }
      const total = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      const rows = await base
        .selectAll()
        .orderBy(ORDER_COLUMN[order.field], order.direction)
        .orderBy('dag_id')
        .limit(q.limit)
        .offset(q.offset)
        .execute();
      return { dags: rows.map(dagResponse), total_entries: Number(total.n) };
    },
  );

  app.get(
    '/api/v2/dags/:dag_id',
    {
      schema: {
        summary: 'Get a DAG',
        tags: ['DAG'],
        params: dagIdParams,
        response: { 200: dagSchema, ...errorResponses },
      },
    },
    async (request) => dagResponse(await requireDag(db, request.params.dag_id)),
  );

  app.patch(
    '/api/v2/dags/:dag_id',
    {
      config: { role: 'User' },
      schema: {
        summary: 'Pause or unpause a DAG',
        tags: ['DAG'],
        params: dagIdParams,
        body: z.object({ is_paused: z.boolean() }).strict(),
        response: { 200: dagSchema, ...errorResponses },
      },
    },
    async (request) => {
      await setPaused(db, request.params.dag_id, request.body.is_paused, new Date());
      return dagResponse(await requireDag(db, request.params.dag_id));
    },
  );

  app.delete(
    '/api/v2/dags/:dag_id',
    {
      config: { role: 'Op' },
      schema: {
        summary: 'Delete a DAG and all its history (its file, if still there, brings it back)',
        tags: ['DAG'],
        params: dagIdParams,
        response: { 204: z.null().describe('deleted'), ...errorResponses },
      },
    },
    async (request, reply) => {
      await deleteDag(db, request.params.dag_id);
      await createOutputStore(deps.config.config).delete({ dagId: request.params.dag_id });
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/api/v2/dags/:dag_id/details',
    {
      schema: {
        summary: "A DAG with its schedule's details and params",
        tags: ['DAG'],
        params: dagIdParams,
        response: {
          200: dagSchema.extend({
            catchup: z.boolean(),
            start_date: z.string().nullable(),
            end_date: z.string().nullable(),
            timezone: z.string(),
            doc_md: z.string().nullable(),
            dag_run_timeout_seconds: z.number().nullable(),
            params: z.record(z.string(), z.unknown()),
            param_schemas: z.record(z.string(), z.unknown()),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const row = await requireDag(db, request.params.dag_id);
      const dag = await cache.get(db, row.dag_id, row.latest_version_hash);
      return {
        ...dagResponse(row),
        catchup: dag.catchup,
        start_date: dag.startDate,
        end_date: dag.endDate,
        timezone: dag.timezone,
        doc_md: dag.doc,
        dag_run_timeout_seconds: dag.dagrunTimeoutMs === null ? null : dag.dagrunTimeoutMs / 1000,
        params: dag.params,
        param_schemas: dag.paramSchemas,
      };
    },
  );

  app.get(
    '/api/v2/dags/:dag_id/tasks',
    {
      schema: {
        summary: "A DAG's tasks",
        tags: ['Task'],
        params: dagIdParams,
        response: {
          200: z.object({ tasks: z.array(taskSchema), total_entries: z.number().int() }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const row = await requireDag(db, request.params.dag_id);
      const dag = await cache.get(db, row.dag_id, row.latest_version_hash);
      const downstream = new Map<string, string[]>();
      for (const t of dag.tasks)
        for (const u of t.upstream) downstream.set(u, [...(downstream.get(u) ?? []), t.taskId]);
      const tasks = dag.tasks.map((t) => ({
        task_id: t.taskId,
        task_display_name: t.taskId,
        operator_name: t.flow ?? t.kind,
        owner: t.owner,
        trigger_rule: t.triggerRule,
        retries: t.retries,
        retry_delay_seconds: t.retryDelayMs / 1000,
        execution_timeout_seconds: t.executionTimeoutMs === null ? null : t.executionTimeoutMs / 1000,
        pool: t.pool,
        pool_slots: t.poolSlots,
        priority_weight: t.priorityWeight,
        weight_rule: t.weightRule,
        queue: t.queue,
        task_group_id: t.taskGroup,
        doc_md: t.doc,
        upstream_task_ids: t.upstream,
        downstream_task_ids: downstream.get(t.taskId) ?? [],
      }));
      return { tasks, total_entries: tasks.length };
    },
  );
}
