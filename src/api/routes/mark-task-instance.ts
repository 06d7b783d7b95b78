/**
 * PATCH .../taskInstances/{task_id}: marks one task instance success, failed or skipped, as
 * Airflow 3's public API, through the state transition table. A marked running try is not killed
 * here: the try ends in the database (and its history), and its watchdog sees at the next
 * heartbeat that the try is no longer running and stops its process.
 */
import { z } from '#zod';
import { clearTaskInstances, finishTry, inTransaction, iso, keepLatestTries } from '../../db/index.js';
import { canTransitionTi, GaleError, isFinishedTiState } from '../../models/index.js';
import type { RouteContext } from '../context.js';
import { errorResponses } from '../schemas.js';
import {
  loadTaskInstance,
  mapIndexQuery,
  relatives,
  taskInstanceCollection,
  taskInstanceResponse,
  tiParams,
} from './task-instances.js';

export function registerMarkTaskInstanceRoutes({ app, deps, cache }: RouteContext): void {
  const { db } = deps.gdb;

  app.patch(
    '/api/v2/dags/:dag_id/dagRuns/:dag_run_id/taskInstances/:task_id',
    {
      config: { role: 'User' },
      schema: {
        summary:
          'Mark a task instance success, failed or skipped; a running try stops at its next heartbeat, and marking success or skipped resumes failed downstream tasks',
        tags: ['TaskInstance'],
        params: tiParams,
        querystring: z.object({ map_index: mapIndexQuery }),
        body: z
          .object({
            new_state: z.enum(['success', 'failed', 'skipped']),
            dry_run: z.boolean().default(false).describe('only say which task instances would change'),
          })
          .strict(),
        response: { 200: taskInstanceCollection, ...errorResponses },
      },
    },
    async (request) => {
      const { dag_id, dag_run_id, task_id } = request.params;
      const { map_index } = request.query;
      const to = request.body.new_state;
      const { run, ti } = await loadTaskInstance(db, {
        dagId: dag_id,
        runId: dag_run_id,
        taskId: task_id,
        mapIndex: map_index,
      });
      if (!canTransitionTi(ti.state, to)) {
        throw new GaleError(
          'GALE_ERR_INVALID_REQUEST',
          `Task instance "${task_id}" is ${ti.state}; it cannot be marked ${to}`,
          { hint: 'Clear it first (POST /api/v2/dags/{dag_id}/clearTaskInstances), then mark it.' },
        );
      }
      if (request.body.dry_run || ti.state === to)
        return { task_instances: [taskInstanceResponse(ti)], total_entries: 1 };
      const now = new Date();
      const who = request.caller?.username ?? 'unknown';
      const changed = await inTransaction(db, async (tx) => {
        if (['running', 'queued', 'deferred', 'up_for_reschedule'].includes(ti.state) && ti.try_number >= 1) {
          // the try ends here: recorded in its history like any other end
          return finishTry(tx, {
            tiId: ti.id,
            tryNumber: ti.try_number,
            fromStates: [ti.state],
            now,
            outcome:
              to === 'failed'
                ? { state: 'failed', error: `marked failed by ${who} through the API` }
                : { state: to },
          });
        }
        // a successful latest try is in no history row yet: kept there before its row changes
        await keepLatestTries(tx, [ti.id], now);
        const start = ti.start_date ?? iso(now);
        const keepDates = isFinishedTiState(ti.state) && ti.end_date !== null;
        const result = await tx
          .updateTable('task_instance')
          .set({
            state: to,
            ...(keepDates
              ? {}
              : {
                  start_date: start,
                  end_date: iso(now),
                  duration: (now.getTime() - Date.parse(start)) / 1000,
                }),
            next_retry_at: null,
            updated_at: iso(now),
          })
          .where('id', '=', ti.id)
          .where('state', '=', ti.state)
          .where('try_number', '=', ti.try_number)
          .executeTakeFirst();
        return Number(result.numUpdatedRows) === 1;
      });
      if (!changed) {
        throw new GaleError(
          'GALE_ERR_INVALID_REQUEST',
          `Task instance "${task_id}" changed while it was being marked`,
          { hint: 'Read it again and retry.' },
        );
      }
      if (to === 'success' || to === 'skipped') {
        // As Airflow's set_task_instance_state: downstream tasks that failed or were
        // upstream_failed are cleared, so the run resumes (a finished run goes back to queued).
        const dag = await cache.get(db, dag_id, run.dag_version_hash);
        const downstream = [...relatives(dag.tasks, [task_id], 'downstream')];
        if (downstream.length > 0) {
          await clearTaskInstances(db, {
            dagId: dag_id,
            runId: dag_run_id,
            taskIds: downstream,
            onlyFailed: true,
            retriesByTask: new Map(dag.tasks.map((t) => [t.taskId, t.retries])),
            now,
          });
        }
      }
      const after = await loadTaskInstance(db, {
        dagId: dag_id,
        runId: dag_run_id,
        taskId: task_id,
        mapIndex: map_index,
      });
      return { task_instances: [taskInstanceResponse(after.ti)], total_entries: 1 };
    },
  );
}
