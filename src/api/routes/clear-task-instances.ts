/**
 * POST /api/v2/dags/{dag_id}/clearTaskInstances, as Airflow 3's: clears the task instances of one
 * run, or of the runs whose logical date is in a range, so that they run again. A dry run (the
 * default, as Airflow's) only lists them. Queued and running task instances are left alone. A
 * task id in task_ids clears all of the task's instances; [task id, map index] only that one.
 */
import { z } from '#zod';
import { clearTaskInstances, type DagRunRow, requireDag, requireDagRun } from '../../db/index.js';
import { GaleError, isAsked, splitTaskIds, taskGraph, tasksToClear } from '../../models/index.js';
import type { RouteContext } from '../context.js';
import { dateQuery } from '../filters.js';
import { errorResponses } from '../schemas.js';
import { type TaskInstanceWithRun, taskInstanceCollection, taskInstanceResponse } from './task-instances.js';

export function registerClearTaskInstanceRoutes({ app, deps, cache }: RouteContext): void {
  const { db } = deps.gdb;

  app.post(
    '/api/v2/dags/:dag_id/clearTaskInstances',
    {
      config: { role: 'User' },
      schema: {
        summary:
          'Clear task instances so they run again: of one run (dag_run_id), or of the runs whose logical date is between start_date and end_date',
        tags: ['TaskInstance'],
        params: z.object({ dag_id: z.string() }),
        body: z
          .object({
            dry_run: z.boolean().default(true).describe('only list what would be cleared (the default)'),
            dag_run_id: z.string().nullable().optional().describe('only this run'),
            task_ids: z
              .array(z.union([z.string(), z.tuple([z.string(), z.number().int().min(0)])]))
              .optional()
              .describe(
                'only these tasks (default: all): a task id clears all its instances, [task id, map index] one instance of a mapped task (as Airflow 3)',
              ),
            only_failed: z
              .boolean()
              .default(true)
              .describe('only failed and upstream_failed task instances (the default, as Airflow)'),
            start_date: dateQuery.describe('runs with a logical date at or after this'),
            end_date: dateQuery.describe('runs with a logical date at or before this'),
            include_upstream: z.boolean().default(false).describe("also the tasks' upstream tasks"),
            include_downstream: z.boolean().default(false).describe("also the tasks' downstream tasks"),
          })
          .strict(),
        response: { 200: taskInstanceCollection, ...errorResponses },
      },
    },
    async (request) => {
      const { dag_id } = request.params;
      const body = request.body;
      const latest = await cache.get(db, dag_id, (await requireDag(db, dag_id)).latest_version_hash);
      const asked = body.task_ids ? splitTaskIds(body.task_ids) : null;
      const unknown = asked?.taskIds.filter((id) => !latest.tasks.some((t) => t.taskId === id)) ?? [];
      if (unknown.length > 0) {
        throw new GaleError('GALE_ERR_INVALID_REQUEST', `DAG "${dag_id}" has no task ${unknown.join(', ')}`, {
          hint: `GET /api/v2/dags/${dag_id}/tasks lists its tasks.`,
        });
      }
      let runs: DagRunRow[];
      if (body.dag_run_id) {
        runs = [await requireDagRun(db, dag_id, body.dag_run_id)];
      } else {
        let q = db.selectFrom('dag_run').selectAll().where('dag_id', '=', dag_id);
        if (body.start_date) q = q.where('logical_date', '>=', body.start_date);
        if (body.end_date) q = q.where('logical_date', '<=', body.end_date);
        runs = await q.orderBy('logical_date').execute();
      }

      const result: TaskInstanceWithRun[] = [];
      for (const run of runs) {
        // each run by the DAG version it was created with
        const dag = await cache.get(db, dag_id, run.dag_version_hash);
        // the tasks with their relatives asked for, and their setups and teardowns, as Airflow's clear
        const taskIds = asked
          ? tasksToClear(taskGraph(dag.tasks), asked.taskIds, {
              upstream: body.include_upstream,
              downstream: body.include_downstream,
            })
          : dag.tasks.map((t) => t.taskId);
        if (taskIds.length === 0) continue;
        let ids = taskIds;
        if (!body.dry_run) {
          ids = await clearTaskInstances(db, {
            dagId: dag_id,
            runId: run.run_id,
            taskIds,
            onlyFailed: body.only_failed,
            ...(asked ? { mapIndexes: asked.mapIndexes } : {}),
            retriesByTask: new Map(dag.tasks.map((t) => [t.taskId, t.retries])),
            now: new Date(),
          });
          if (ids.length === 0) continue;
        }
        // the same choice as clearTaskInstances makes; after a clear, the cleared rows as they are now
        let q = db
          .selectFrom('task_instance')
          .selectAll()
          .where('dag_id', '=', dag_id)
          .where('run_id', '=', run.run_id)
          .where('task_id', 'in', ids);
        if (body.dry_run) {
          q = q.where('state', 'not in', ['running', 'queued']);
          if (body.only_failed) q = q.where('state', 'in', ['failed', 'upstream_failed']);
        }
        const tis = (await q.orderBy('task_id').orderBy('map_index').execute()).filter((ti) =>
          isAsked(asked?.mapIndexes, ti),
        );
        result.push(
          ...tis.map((ti) => ({ ...ti, logical_date: run.logical_date, run_after: run.run_after })),
        );
      }
      return { task_instances: result.map(taskInstanceResponse), total_entries: result.length };
    },
  );
}
