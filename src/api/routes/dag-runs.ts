/** /api/v2/dags/{dag_id}/dagRuns: list (`~` for all DAGs), get, trigger, mark, clear, delete. */
import { z } from '#zod';
import {
  clearTaskInstances,
  type DagRunRow,
  inTransaction,
  requireDag,
  requireDagRun,
} from '../../db/index.js';
import { GaleError, UNFINISHED_TI_STATES } from '../../models/index.js';
import { createOutputStore } from '../../output-store/index.js';
import { triggerDagRun } from '../../scheduler/index.js';
import type { RouteContext } from '../context.js';
import { onlyVisible } from '../dag-access.js';
import {
  errorResponses,
  isoDate,
  listParam,
  paginationQuery,
  parseOrderBy,
  problemSchema,
} from '../schemas.js';

export const dagRunSchema = z.object({
  dag_run_id: z.string(),
  dag_id: z.string(),
  logical_date: z.string(),
  queued_at: z.string().nullable(),
  start_date: z.string().nullable(),
  end_date: z.string().nullable(),
  duration: z.number().nullable(),
  data_interval_start: z.string(),
  data_interval_end: z.string(),
  run_after: z.string(),
  run_type: z.string(),
  state: z.string(),
  conf: z.record(z.string(), z.unknown()),
});

export function dagRunResponse(run: DagRunRow): z.infer<typeof dagRunSchema> {
  return {
    dag_run_id: run.run_id,
    dag_id: run.dag_id,
    logical_date: run.logical_date,
    queued_at: run.queued_at,
    start_date: run.start_date,
    end_date: run.end_date,
    duration:
      run.start_date && run.end_date ? (Date.parse(run.end_date) - Date.parse(run.start_date)) / 1000 : null,
    data_interval_start: run.data_interval_start,
    data_interval_end: run.data_interval_end,
    run_after: run.run_after,
    run_type: run.run_type,
    state: run.state,
    conf: JSON.parse(run.conf) as Record<string, unknown>,
  };
}

const runParams = z.object({ dag_id: z.string(), dag_run_id: z.string() });
const ORDER = ['logical_date', 'start_date', 'end_date', 'run_after', 'id', 'state'] as const;

export function registerDagRunRoutes({ app, deps, cache }: RouteContext): void {
  const { db } = deps.gdb;

  app.get(
    '/api/v2/dags/:dag_id/dagRuns',
    {
      schema: {
        summary: 'List DAG runs; dag_id "~" lists the runs of every DAG',
        tags: ['DagRun'],
        params: z.object({ dag_id: z.string() }),
        querystring: z.object({
          ...paginationQuery,
          order_by: z
            .string()
            .optional()
            .describe(`one of ${ORDER.join(', ')}; "-" first for descending`),
          state: listParam.describe('only runs in one of these states'),
          run_type: listParam.describe('only runs of these types: scheduled, manual'),
          logical_date_gte: isoDate.optional(),
          logical_date_lte: isoDate.optional(),
          start_date_gte: isoDate.optional(),
          start_date_lte: isoDate.optional(),
          dag_ids: listParam.describe('only runs of these DAGs (with dag_id "~")'),
          runs_per_dag: z.coerce
            .number()
            .int()
            .min(1)
            .max(100)
            .optional()
            .describe(
              "only each DAG's latest N runs (by id), as the UI's DAG list shows them: one call for a page of DAGs",
            ),
        }),
        response: {
          200: z.object({ dag_runs: z.array(dagRunSchema), total_entries: z.number().int() }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const q = request.query;
      const order = parseOrderBy(q.order_by, ORDER, 'id');
      if (request.params.dag_id !== '~') await requireDag(db, request.params.dag_id);
      let base = db.selectFrom('dag_run').where(await onlyVisible(request, db, 'dag_id'));
      if (request.params.dag_id !== '~') base = base.where('dag_id', '=', request.params.dag_id);
      if (q.dag_ids?.length) base = base.where('dag_id', 'in', q.dag_ids);
      if (q.runs_per_dag) {
        // rank within the same DAGs only, so that the window reads no more rows than the answer needs
        const dagIds = request.params.dag_id === '~' ? q.dag_ids : [request.params.dag_id];
        const perDag = q.runs_per_dag;
        base = base.where('id', 'in', (eb) =>
          eb
            .selectFrom((sub) => {
              let ranked = sub.selectFrom('dag_run').select((r) => [
                'id',
                r.fn
                  .agg<number>('row_number')
                  .over((o) => o.partitionBy('dag_id').orderBy('id', 'desc'))
                  .as('rn'),
              ]);
              if (dagIds?.length) ranked = ranked.where('dag_id', 'in', dagIds);
              return ranked.as('ranked');
            })
            .select('ranked.id')
            .where('ranked.rn', '<=', perDag),
        );
      }
      if (q.state?.length) base = base.where('state', 'in', q.state as DagRunRow['state'][]);
      if (q.run_type?.length) base = base.where('run_type', 'in', q.run_type as DagRunRow['run_type'][]);
      const iso = (v: string) => new Date(v).toISOString();
      if (q.logical_date_gte) base = base.where('logical_date', '>=', iso(q.logical_date_gte));
      if (q.logical_date_lte) base = base.where('logical_date', '<=', iso(q.logical_date_lte));
      if (q.start_date_gte) base = base.where('start_date', '>=', iso(q.start_date_gte));
      if (q.start_date_lte) base = base.where('start_date', '<=', iso(q.start_date_lte));
      const total = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      const rows = await base
        .selectAll()
        .orderBy(order.field, order.direction)
        .orderBy('id', order.direction)
        .limit(q.limit)
        .offset(q.offset)
        .execute();
      return { dag_runs: rows.map(dagRunResponse), total_entries: Number(total.n) };
    },
  );

  app.get(
    '/api/v2/dags/:dag_id/dagRuns/:dag_run_id',
    {
      schema: {
        summary: 'Get a DAG run',
        tags: ['DagRun'],
        params: runParams,
        response: { 200: dagRunSchema, ...errorResponses },
      },
    },
    async (request) =>
      dagRunResponse(await requireDagRun(db, request.params.dag_id, request.params.dag_run_id)),
  );

  app.post(
    '/api/v2/dags/:dag_id/dagRuns',
    {
      config: { role: 'User' },
      schema: {
        summary: 'Trigger a DAG run; its conf is checked against the DAG params first',
        tags: ['DagRun'],
        params: z.object({ dag_id: z.string() }),
        body: z
          .object({
            dag_run_id: z.string().min(1).max(250).optional(),
            logical_date: isoDate.nullable().optional(),
            conf: z.record(z.string(), z.unknown()).optional(),
          })
          .strict(),
        response: { 200: dagRunSchema, ...errorResponses, 409: problemSchema },
      },
    },
    async (request) => {
      const { body } = request;
      const logicalDate = body.logical_date ? new Date(body.logical_date) : undefined;
      if (logicalDate && Number.isNaN(logicalDate.getTime())) {
        throw new GaleError('GALE_ERR_INVALID_REQUEST', `logical_date "${body.logical_date}" is not a date`, {
          hint: 'Give an ISO 8601 date-time such as 2026-01-02T00:00:00Z.',
        });
      }
      const run = await triggerDagRun(db, cache, {
        dagId: request.params.dag_id,
        conf: body.conf,
        logicalDate,
        runId: body.dag_run_id,
        now: new Date(),
      });
      return dagRunResponse(run);
    },
  );

  app.patch(
    '/api/v2/dags/:dag_id/dagRuns/:dag_run_id',
    {
      config: { role: 'User' },
      schema: {
        summary: 'Mark a DAG run success, failed or queued (as Airflow: unfinished tasks follow)',
        tags: ['DagRun'],
        params: runParams,
        body: z.object({ state: z.enum(['success', 'failed', 'queued']) }).strict(),
        response: { 200: dagRunSchema, ...errorResponses },
      },
    },
    async (request) => {
      const { dag_id, dag_run_id } = request.params;
      const run = await requireDagRun(db, dag_id, dag_run_id);
      const now = new Date().toISOString();
      const to = request.body.state;
      await inTransaction(db, async (tx) => {
        const tis = tx
          .updateTable('task_instance')
          .where('dag_id', '=', dag_id)
          .where('run_id', '=', dag_run_id);
        // As Airflow's set_dag_run_state_to_success / _to_failed: unfinished tasks follow the run.
        if (to === 'success') {
          await tis
            .set({ state: 'success', end_date: now, updated_at: now })
            .where('state', 'in', UNFINISHED_TI_STATES)
            .execute();
        } else if (to === 'failed') {
          await tis
            .set({ state: 'failed', end_date: now, updated_at: now })
            // as Airflow's set_dag_run_state_to_failed: running and deferred tries fail
            .where('state', 'in', ['running', 'deferred'])
            .execute();
          await tx
            .updateTable('task_instance')
            .set({ state: 'skipped', end_date: now, updated_at: now })
            .where('dag_id', '=', dag_id)
            .where('run_id', '=', dag_run_id)
            .where('state', 'in', ['none', 'scheduled', 'queued', 'up_for_retry', 'up_for_reschedule'])
            .execute();
        }
        await tx
          .updateTable('dag_run')
          .set(
            to === 'queued'
              ? { state: 'queued', queued_at: now, end_date: null }
              : { state: to, end_date: now, start_date: run.start_date ?? now },
          )
          .where('id', '=', run.id)
          .execute();
      });
      return dagRunResponse(await requireDagRun(db, dag_id, dag_run_id));
    },
  );

  app.post(
    '/api/v2/dags/:dag_id/dagRuns/:dag_run_id/clear',
    {
      config: { role: 'User' },
      schema: {
        summary: "Clear a run's task instances so they run again (dry_run lists them)",
        tags: ['DagRun'],
        params: runParams,
        body: z
          .object({ dry_run: z.boolean().default(true), only_failed: z.boolean().default(false) })
          .strict(),
        response: {
          200: z.object({ task_ids: z.array(z.string()), total_entries: z.number().int() }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { dag_id, dag_run_id } = request.params;
      const run = await requireDagRun(db, dag_id, dag_run_id);
      const dag = await cache.get(db, dag_id, run.dag_version_hash);
      if (request.body.dry_run) {
        let q = db
          .selectFrom('task_instance')
          .select('task_id')
          .where('dag_id', '=', dag_id)
          .where('run_id', '=', dag_run_id)
          .where('state', 'not in', ['running', 'queued']);
        if (request.body.only_failed) q = q.where('state', 'in', ['failed', 'upstream_failed']);
        const ids = (await q.orderBy('task_id').execute()).map((r) => r.task_id);
        return { task_ids: ids, total_entries: ids.length };
      }
      const ids = await clearTaskInstances(db, {
        dagId: dag_id,
        runId: dag_run_id,
        onlyFailed: request.body.only_failed,
        retriesByTask: new Map(dag.tasks.map((t) => [t.taskId, t.retries])),
        now: new Date(),
      });
      return { task_ids: ids, total_entries: ids.length };
    },
  );

  app.delete(
    '/api/v2/dags/:dag_id/dagRuns/:dag_run_id',
    {
      config: { role: 'Op' },
      schema: {
        summary: 'Delete a DAG run with its task instances, tries and outputs',
        tags: ['DagRun'],
        params: runParams,
        response: { 204: z.null().describe('deleted'), ...errorResponses },
      },
    },
    async (request, reply) => {
      const { dag_id, dag_run_id } = request.params;
      await requireDagRun(db, dag_id, dag_run_id);
      await inTransaction(db, async (tx) => {
        for (const table of [
          'task_instance',
          'task_instance_history',
          'xcom',
          'rendered_task_instance_fields',
          'hitl_detail',
        ] as const) {
          await tx.deleteFrom(table).where('dag_id', '=', dag_id).where('run_id', '=', dag_run_id).execute();
        }
        await tx
          .deleteFrom('dag_run')
          .where('dag_id', '=', dag_id)
          .where('run_id', '=', dag_run_id)
          .execute();
      });
      // the files of outputs kept in files (output_store file backend) go with their rows
      await createOutputStore(deps.config.config).delete({ dagId: dag_id, runId: dag_run_id });
      return reply.status(204).send(null);
    },
  );
}
