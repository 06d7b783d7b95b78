/**
 * DAG runs for task processes, in the task execution API (/execution/v1): a triggerDagRun task
 * creates a run of another DAG (its conf checked against that DAG's params, as `gale dags
 * trigger`), and reads the state of the run it waits for. Only the token's own running try may
 * trigger; as Airflow 3's execution API, any DAG may be the target. Not in the OpenAPI document.
 */
import { z } from '#zod';
import { getDagRun } from '../../db/index.js';
import type { ExecutionTokens } from '../../executors/index.js';
import { GaleError } from '../../models/index.js';
import { triggerForTask } from '../../runner/index.js';
import type { RouteContext } from '../context.js';
import { tokenClaims } from './execution-auth.js';

const PREFIX = '/execution/v1/task-instances/:ti_id/dag-runs';
const tiParams = z.object({ ti_id: z.string().min(1) });
const route = { config: { role: 'public' as const } };

export function registerExecutionDagRunRoutes(
  { app, deps, cache }: RouteContext,
  tokens: ExecutionTokens,
): void {
  const { db } = deps.gdb;
  const authorize = (request: Parameters<typeof tokenClaims>[0], tiId: string, tryNumber?: number): void => {
    const claims = tokenClaims(request, tokens);
    if (claims.tiId !== tiId || (tryNumber !== undefined && claims.tryNumber !== tryNumber)) {
      throw new GaleError('GALE_ERR_FORBIDDEN', 'This token is for another try', {
        hint: 'A task process may only act on the try it was started for.',
      });
    }
  };

  app.post(
    PREFIX,
    {
      ...route,
      schema: {
        hide: true,
        params: tiParams,
        body: z.object({
          try_number: z.number().int().positive(),
          dag_id: z.string().min(1),
          run_id: z.string().min(1).max(250).nullable(),
          logical_date: z.string().nullable(),
          conf: z.record(z.string(), z.unknown()),
          when_exists: z.enum(['fail', 'reset', 'skip']),
        }),
      },
    },
    async (request) => {
      const body = request.body;
      authorize(request, request.params.ti_id, body.try_number);
      const running = await db
        .selectFrom('task_instance')
        .select('id')
        .where('id', '=', request.params.ti_id)
        .where('try_number', '=', body.try_number)
        .where('state', '=', 'running')
        .executeTakeFirst();
      if (!running) {
        throw new GaleError('GALE_ERR_FORBIDDEN', 'Only a running try may trigger a DAG run', {
          hint: 'The try was ended elsewhere (failed, cleared or marked).',
        });
      }
      const run = await triggerForTask(
        db,
        cache,
        {
          dagId: body.dag_id,
          runId: body.run_id ?? undefined,
          logicalDate: body.logical_date ?? undefined,
          conf: body.conf,
          whenExists: body.when_exists,
        },
        new Date(),
      );
      return { run_id: run.runId, logical_date: run.logicalDate, state: run.state, outcome: run.outcome };
    },
  );

  app.get(
    `${PREFIX}/:dag_id/:run_id/state`,
    {
      ...route,
      schema: { hide: true, params: tiParams.extend({ dag_id: z.string(), run_id: z.string() }) },
    },
    async (request, reply) => {
      const { ti_id, dag_id, run_id } = request.params;
      authorize(request, ti_id);
      const run = await getDagRun(db, dag_id, run_id);
      if (!run) return reply.code(404).send({ state: null });
      return { state: run.state };
    },
  );
}
