/**
 * .../taskInstances/{task_id}/xcomEntries: the outputs (XCom) of task instances, as Airflow 3's
 * public API. Listing leaves the values out; getting one entry returns its value parsed from JSON.
 * `~` as dag_id, dag_run_id or task_id lists across DAGs, runs or tasks.
 */
import { z } from '#zod';
import { requireDag, requireDagRun } from '../../db/index.js';
import { GaleError } from '../../models/index.js';
import { createOutputStore, resolveOutput } from '../../output-store/index.js';
import type { RouteContext } from '../context.js';
import { onlyVisible } from '../dag-access.js';
import { errorResponses, paginationQuery } from '../schemas.js';
import { mapIndexQuery, tiParams } from './task-instances.js';

const xcomEntrySchema = z.object({
  key: z.string(),
  timestamp: z.string(),
  logical_date: z.string(),
  map_index: z.number().int(),
  task_id: z.string(),
  task_display_name: z.string(),
  dag_id: z.string(),
  dag_display_name: z.string(),
  run_id: z.string(),
});

interface XcomWithRun {
  key: string;
  created_at: string;
  logical_date: string;
  map_index: number;
  task_id: string;
  dag_id: string;
  run_id: string;
}

function xcomEntry(row: XcomWithRun): z.infer<typeof xcomEntrySchema> {
  return {
    key: row.key,
    timestamp: row.created_at,
    logical_date: row.logical_date,
    map_index: row.map_index,
    task_id: row.task_id,
    task_display_name: row.task_id,
    dag_id: row.dag_id,
    dag_display_name: row.dag_id,
    run_id: row.run_id,
  };
}

export function registerXcomRoutes({ app, deps }: RouteContext): void {
  const { db } = deps.gdb;
  // an output kept in a file (output_store file backend) is read from output_store.path
  const outputs = createOutputStore(deps.config.config);

  const withRun = () =>
    db
      .selectFrom('xcom as x')
      .innerJoin('dag_run as dr', (j) =>
        j.onRef('dr.dag_id', '=', 'x.dag_id').onRef('dr.run_id', '=', 'x.run_id'),
      );
  const columns = [
    'x.key',
    'x.created_at',
    'dr.logical_date',
    'x.map_index',
    'x.task_id',
    'x.dag_id',
    'x.run_id',
  ] as const;

  app.get(
    '/api/v2/dags/:dag_id/dagRuns/:dag_run_id/taskInstances/:task_id/xcomEntries',
    {
      schema: {
        summary: 'List the outputs (XCom) of task instances, without their values',
        tags: ['XCom'],
        params: tiParams,
        querystring: z.object({
          ...paginationQuery,
          xcom_key: z.string().optional().describe('only this key'),
          map_index: z.coerce.number().int().min(-1).optional().describe('only this mapped task instance'),
        }),
        response: {
          200: z.object({ xcom_entries: z.array(xcomEntrySchema), total_entries: z.number().int() }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { dag_id, dag_run_id, task_id } = request.params;
      const q = request.query;
      if (dag_id !== '~') await requireDag(db, dag_id);
      if (dag_id !== '~' && dag_run_id !== '~') await requireDagRun(db, dag_id, dag_run_id);
      let base = withRun().where(await onlyVisible(request, db, 'x.dag_id'));
      if (dag_id !== '~') base = base.where('x.dag_id', '=', dag_id);
      if (dag_run_id !== '~') base = base.where('x.run_id', '=', dag_run_id);
      if (task_id !== '~') base = base.where('x.task_id', '=', task_id);
      if (q.xcom_key !== undefined) base = base.where('x.key', '=', q.xcom_key);
      if (q.map_index !== undefined) base = base.where('x.map_index', '=', q.map_index);
      const total = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      const rows = await base
        .select(columns)
        .orderBy('x.dag_id')
        .orderBy('dr.logical_date')
        .orderBy('x.task_id')
        .orderBy('x.map_index')
        .orderBy('x.key')
        .limit(q.limit)
        .offset(q.offset)
        .execute();
      return { xcom_entries: rows.map(xcomEntry), total_entries: Number(total.n) };
    },
  );

  app.get(
    '/api/v2/dags/:dag_id/dagRuns/:dag_run_id/taskInstances/:task_id/xcomEntries/:xcom_key',
    {
      schema: {
        summary: 'One output (XCom) of a task instance, with its value',
        tags: ['XCom'],
        params: tiParams.extend({ xcom_key: z.string() }),
        querystring: z.object({ map_index: mapIndexQuery }),
        response: {
          200: xcomEntrySchema.extend({
            value: z.unknown().describe('the value, as the task returned or pushed it'),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { dag_id, dag_run_id, task_id, xcom_key } = request.params;
      await requireDagRun(db, dag_id, dag_run_id);
      const row = await withRun()
        .select([...columns, 'x.value'])
        .where('x.dag_id', '=', dag_id)
        .where('x.run_id', '=', dag_run_id)
        .where('x.task_id', '=', task_id)
        .where('x.map_index', '=', request.query.map_index)
        .where('x.key', '=', xcom_key)
        .executeTakeFirst();
      if (!row) {
        throw new GaleError(
          'GALE_ERR_NOT_FOUND',
          `Task "${task_id}" of run "${dag_run_id}" has no output "${xcom_key}"`,
          { hint: 'GET .../xcomEntries lists its outputs; a task that returned nothing has none.' },
        );
      }
      return { ...xcomEntry(row), value: JSON.parse(await resolveOutput(outputs, row.value)) as unknown };
    },
  );
}
