/**
 * The tries of a task instance, as Airflow 3's public API: each ended try from
 * task_instance_history, the latest one (queued, running, or succeeded: src/db/try-history.ts)
 * from the task instance, and what a try rendered. These routes only read.
 */
import { z } from '#zod';
import { getRenderedFields } from '../../db/index.js';
import { GaleError } from '../../models/index.js';
import type { RouteContext } from '../context.js';
import { errorResponses } from '../schemas.js';
import {
  apiState,
  loadTaskInstance,
  mapIndexQuery,
  type TaskInstanceWithRun,
  taskInstanceResponse,
  taskInstanceSchema,
  tiParams,
} from './task-instances.js';

const historySchema = taskInstanceSchema
  .omit({ id: true, logical_date: true, run_after: true, note: true })
  .extend({ error: z.string().nullable().describe("why the try failed, as its task's error said") });
type HistoryResponse = z.infer<typeof historySchema>;

export function registerTaskInstanceTryRoutes({ app, deps }: RouteContext): void {
  const { db } = deps.gdb;

  /** The tries of a task instance: each ended try from its history, and the current one. */
  async function tries(ti: TaskInstanceWithRun): Promise<HistoryResponse[]> {
    const history = await db
      .selectFrom('task_instance_history')
      .selectAll()
      .where('ti_id', '=', ti.id)
      .orderBy('try_number')
      .execute();
    const current = taskInstanceResponse(ti);
    const shared = {
      task_id: ti.task_id,
      task_display_name: ti.task_id,
      dag_id: ti.dag_id,
      dag_display_name: ti.dag_id,
      dag_run_id: ti.run_id,
      map_index: ti.map_index,
      max_tries: ti.max_tries,
      pool: ti.pool,
      pool_slots: ti.pool_slots,
      queue: ti.queue,
      priority_weight: ti.priority_weight,
      operator: ti.operator,
    };
    const result: HistoryResponse[] = history.map((h) => ({
      ...shared,
      try_number: h.try_number,
      state: apiState(h.state),
      start_date: h.start_date,
      end_date: h.end_date,
      duration: h.duration,
      hostname: h.hostname,
      pid: h.pid,
      executor: h.executor,
      queued_when: null,
      scheduled_when: null,
      error: h.error,
    }));
    // the latest try is in the history once it failed (or was cleared); before that, and when it
    // succeeded, it is the task instance
    if (ti.try_number >= 1 && !history.some((h) => h.try_number === ti.try_number)) {
      const { id: _id, logical_date: _l, run_after: _r, note: _n, ...rest } = current;
      result.push({ ...rest, error: null });
    }
    return result;
  }

  app.get(
    '/api/v2/dags/:dag_id/dagRuns/:dag_run_id/taskInstances/:task_id/tries',
    {
      schema: {
        summary: 'The tries of a task instance: each ended try, and the one queued or running now',
        tags: ['TaskInstance'],
        params: tiParams,
        querystring: z.object({ map_index: mapIndexQuery }),
        response: {
          200: z.object({ task_instances: z.array(historySchema), total_entries: z.number().int() }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { dag_id, dag_run_id, task_id } = request.params;
      const { ti } = await loadTaskInstance(db, {
        dagId: dag_id,
        runId: dag_run_id,
        taskId: task_id,
        mapIndex: request.query.map_index,
      });
      const all = await tries(ti);
      return { task_instances: all, total_entries: all.length };
    },
  );

  app.get(
    '/api/v2/dags/:dag_id/dagRuns/:dag_run_id/taskInstances/:task_id/tries/:try_number',
    {
      schema: {
        summary: 'One try of a task instance',
        tags: ['TaskInstance'],
        params: tiParams.extend({ try_number: z.coerce.number().int().min(1) }),
        querystring: z.object({ map_index: mapIndexQuery }),
        response: { 200: historySchema, ...errorResponses },
      },
    },
    async (request) => {
      const { dag_id, dag_run_id, task_id, try_number } = request.params;
      const { ti } = await loadTaskInstance(db, {
        dagId: dag_id,
        runId: dag_run_id,
        taskId: task_id,
        mapIndex: request.query.map_index,
      });
      const found = (await tries(ti)).find((t) => t.try_number === try_number);
      if (!found) {
        throw new GaleError(
          'GALE_ERR_NOT_FOUND',
          `Task "${task_id}" of run "${dag_run_id}" has no try ${try_number} (it has had ${ti.try_number})`,
          { hint: 'GET .../tries lists its tries.' },
        );
      }
      return found;
    },
  );

  app.get(
    '/api/v2/dags/:dag_id/dagRuns/:dag_run_id/taskInstances/:task_id/renderedFields',
    {
      schema: {
        summary: "A try's rendered template fields (the latest try's unless try_number is given)",
        tags: ['TaskInstance'],
        params: tiParams,
        querystring: z.object({
          map_index: mapIndexQuery,
          try_number: z.coerce.number().int().min(1).optional(),
        }),
        response: {
          200: z.object({
            dag_id: z.string(),
            dag_run_id: z.string(),
            task_id: z.string(),
            map_index: z.number().int(),
            try_number: z.number().int(),
            rendered_fields: z.record(z.string(), z.unknown()),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { dag_id, dag_run_id, task_id } = request.params;
      const { map_index, try_number } = request.query;
      await loadTaskInstance(db, { dagId: dag_id, runId: dag_run_id, taskId: task_id, mapIndex: map_index });
      const found = await getRenderedFields(db, {
        dagId: dag_id,
        runId: dag_run_id,
        taskId: task_id,
        mapIndex: map_index,
        tryNumber: try_number,
      });
      if (!found) {
        throw new GaleError(
          'GALE_ERR_NOT_FOUND',
          `Task "${task_id}" of run "${dag_run_id}" has no rendered fields${try_number ? ` for try ${try_number}` : ''}`,
          {
            hint: 'A try records them once it has rendered its templates; tasks without templates have none.',
          },
        );
      }
      return {
        dag_id,
        dag_run_id,
        task_id,
        map_index,
        try_number: found.tryNumber,
        rendered_fields: found.fields,
      };
    },
  );
}
