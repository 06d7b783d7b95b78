/**
 * The task execution API (/execution/v1), as Airflow 3's: what task processes on workers and in
 * pods call instead of holding database credentials. Every call carries a token scoped to one try
 * (minted by the worker that started the process, see executors/execution-token.ts); a token opens
 * only its own try, its run's outputs, and its run (a try defers, and learns what it resumes with,
 * through it too). Heartbeats renew a token that is past half its life, in the
 * `Gale-Refreshed-Token` header. Not part of the public API document, and not audited (the try's
 * own history records what it did).
 */
import type { FastifyRequest } from 'fastify';
import { z } from '#zod';
import {
  claimTry,
  deferTry,
  failTry,
  getXcom,
  heartbeatTry,
  listMappedXcoms,
  recordTrySuccess,
  requireDagRun,
  saveRenderedFields,
  setXcom,
  type TaskInstanceRow,
  triggeringAssetEvents,
} from '../../db/index.js';
import { ExecutionTokens, type TryClaims } from '../../executors/index.js';
import { deferralSchema, GaleError, outletEventSchema } from '../../models/index.js';
import { isLatestRun, REFRESHED_TOKEN_HEADER } from '../../runner/index.js';
import type { RouteContext } from '../context.js';
import { tokenClaims } from './execution-auth.js';
import { registerExecutionDagRunRoutes } from './execution-dag-runs.js';
import { registerExecutionSecretRoutes } from './execution-secrets.js';

const PREFIX = '/execution/v1/task-instances/:ti_id';
const tiParams = z.object({ ti_id: z.string().min(1) });
const tryBody = { try_number: z.number().int().positive() };
const route = { config: { role: 'public' as const }, schema: { hide: true } };

export function registerExecutionRoutes(context: RouteContext): void {
  const { app, deps, cache } = context;
  const { db } = deps.gdb;
  const tokens = new ExecutionTokens(deps.secretKey, deps.config.config.execution_api.token_ttl);
  registerExecutionSecretRoutes(app, deps, tokens);
  registerExecutionDagRunRoutes(context, tokens);

  /** The token's try; the route's task instance must be it (and the body's try number, if any). */
  const authorize = (request: FastifyRequest, tiId: string, tryNumber?: number): TryClaims => {
    const claims = tokenClaims(request, tokens);
    if (claims.tiId !== tiId || (tryNumber !== undefined && claims.tryNumber !== tryNumber)) {
      throw new GaleError('GALE_ERR_FORBIDDEN', 'This token is for another try', {
        hint: 'A task process may only act on the try it was started for.',
      });
    }
    return claims;
  };
  const taskInstance = async (tiId: string): Promise<TaskInstanceRow> => {
    const ti = await db.selectFrom('task_instance').selectAll().where('id', '=', tiId).executeTakeFirst();
    if (!ti) throw new GaleError('GALE_ERR_NOT_FOUND', `No task instance has id ${tiId}`);
    return ti;
  };

  app.post(
    `${PREFIX}/claim`,
    {
      ...route,
      schema: {
        hide: true,
        params: tiParams,
        body: z.object({ ...tryBody, token: z.string(), hostname: z.string(), pid: z.number().int() }),
      },
    },
    async (request) => {
      const { ti_id } = request.params;
      const { try_number, token, hostname, pid } = request.body;
      authorize(request, ti_id, try_number);
      const claimed = await claimTry(db, {
        tiId: ti_id,
        tryNumber: try_number,
        token,
        hostname,
        pid,
        now: new Date(),
      });
      return {
        claimed: claimed !== null,
        max_tries: claimed?.maxTries ?? null,
        start_date: claimed?.startDate ?? null,
        // a try resuming from a deferral: the method, kwargs and trigger event it resumes with
        resume: claimed?.resume ?? null,
      };
    },
  );

  app.post(
    `${PREFIX}/heartbeat`,
    { ...route, schema: { hide: true, params: tiParams, body: z.object(tryBody) } },
    async (request, reply) => {
      const { ti_id } = request.params;
      const claims = authorize(request, ti_id, request.body.try_number);
      const running = await heartbeatTry(db, {
        tiId: ti_id,
        tryNumber: request.body.try_number,
        now: new Date(),
      });
      // Renew a running try's token once it is past half its life.
      if (running && claims.expiresAt - Date.now() / 1000 < tokens.ttlSeconds / 2) {
        reply.header(REFRESHED_TOKEN_HEADER, tokens.mint(ti_id, claims.tryNumber));
      }
      return { running };
    },
  );

  app.get(`${PREFIX}/dag-run`, { ...route, schema: { hide: true, params: tiParams } }, async (request) => {
    authorize(request, request.params.ti_id);
    const ti = await taskInstance(request.params.ti_id);
    return requireDagRun(db, ti.dag_id, ti.run_id);
  });

  app.get(
    `${PREFIX}/dag-run/triggering-asset-events`,
    { ...route, schema: { hide: true, params: tiParams } },
    async (request) => {
      authorize(request, request.params.ti_id);
      const ti = await taskInstance(request.params.ti_id);
      return { events: await triggeringAssetEvents(db, ti.dag_id, ti.run_id) };
    },
  );

  app.get(
    `${PREFIX}/dag-run/is-latest`,
    { ...route, schema: { hide: true, params: tiParams } },
    async (request) => {
      authorize(request, request.params.ti_id);
      const ti = await taskInstance(request.params.ti_id);
      return { is_latest: await isLatestRun(db, await requireDagRun(db, ti.dag_id, ti.run_id), cache) };
    },
  );

  app.get(
    `${PREFIX}/xcoms/:task_id/:key`,
    {
      ...route,
      schema: {
        hide: true,
        params: tiParams.extend({ task_id: z.string(), key: z.string() }),
        querystring: z.object({ map_index: z.coerce.number().int().min(-1).default(-1) }),
      },
    },
    async (request, reply) => {
      const { ti_id, task_id, key } = request.params;
      authorize(request, ti_id);
      const ti = await taskInstance(ti_id);
      const value = await getXcom(db, {
        dagId: ti.dag_id,
        runId: ti.run_id,
        taskId: task_id,
        mapIndex: request.query.map_index,
        key,
      });
      if (value === undefined) return reply.code(404).send({ value: null });
      return { value };
    },
  );

  // a mapped task's outputs, in map index order: what a downstream task gets from it
  app.get(
    `${PREFIX}/mapped-xcoms/:task_id/:key`,
    { ...route, schema: { hide: true, params: tiParams.extend({ task_id: z.string(), key: z.string() }) } },
    async (request) => {
      const { ti_id, task_id, key } = request.params;
      authorize(request, ti_id);
      const ti = await taskInstance(ti_id);
      return {
        values: await listMappedXcoms(db, { dagId: ti.dag_id, runId: ti.run_id, taskId: task_id, key }),
      };
    },
  );

  app.put(
    `${PREFIX}/xcoms/:key`,
    {
      ...route,
      schema: {
        hide: true,
        params: tiParams.extend({ key: z.string().min(1) }),
        body: z.object({ ...tryBody, value: z.string() }),
      },
    },
    async (request, reply) => {
      const { ti_id, key } = request.params;
      authorize(request, ti_id, request.body.try_number);
      const ti = await taskInstance(ti_id);
      await setXcom(
        db,
        { dagId: ti.dag_id, runId: ti.run_id, taskId: ti.task_id, mapIndex: ti.map_index, key },
        request.body.value,
        new Date(),
      );
      return reply.code(204).send();
    },
  );

  app.put(
    `${PREFIX}/rendered-fields`,
    {
      ...route,
      schema: {
        hide: true,
        params: tiParams,
        body: z.object({ ...tryBody, fields: z.record(z.string(), z.unknown()) }),
      },
    },
    async (request, reply) => {
      const { ti_id } = request.params;
      authorize(request, ti_id, request.body.try_number);
      const ti = await taskInstance(ti_id);
      await saveRenderedFields(
        db,
        {
          dagId: ti.dag_id,
          runId: ti.run_id,
          taskId: ti.task_id,
          mapIndex: ti.map_index,
          tryNumber: request.body.try_number,
        },
        request.body.fields,
        new Date(),
      );
      return reply.code(204).send();
    },
  );

  app.post(
    `${PREFIX}/success`,
    {
      ...route,
      schema: {
        hide: true,
        params: tiParams,
        body: z.object({
          ...tryBody,
          skip: z.array(z.string()),
          output: z.string().nullable(),
          outlet_events: z.array(outletEventSchema).optional(),
        }),
      },
    },
    async (request) => {
      const { ti_id } = request.params;
      const { try_number, skip, output, outlet_events } = request.body;
      authorize(request, ti_id, try_number);
      const ti = await taskInstance(ti_id);
      const recorded = await recordTrySuccess(db, {
        tiId: ti_id,
        tryNumber: try_number,
        dagId: ti.dag_id,
        runId: ti.run_id,
        taskId: ti.task_id,
        mapIndex: ti.map_index,
        skip,
        outputJson: output ?? undefined,
        assetEvents: outlet_events,
        now: new Date(),
      });
      return { recorded };
    },
  );

  app.post(
    `${PREFIX}/defer`,
    {
      ...route,
      schema: {
        hide: true,
        params: tiParams,
        body: z.object({
          ...tryBody,
          trigger: deferralSchema.shape.trigger,
          method: deferralSchema.shape.method,
          kwargs: deferralSchema.shape.kwargs,
          timeout_ms: deferralSchema.shape.timeoutMs,
          execution_timeout_ms: deferralSchema.shape.executionTimeoutMs,
        }),
      },
    },
    async (request) => {
      const { ti_id } = request.params;
      const body = request.body;
      // the token's own try only: deferTry also checks that this try is the running one
      authorize(request, ti_id, body.try_number);
      const deferred = await deferTry(db, {
        tiId: ti_id,
        tryNumber: body.try_number,
        deferral: {
          trigger: body.trigger,
          method: body.method,
          kwargs: body.kwargs,
          timeoutMs: body.timeout_ms,
          executionTimeoutMs: body.execution_timeout_ms,
        },
        now: new Date(),
      });
      return { deferred };
    },
  );

  app.post(
    `${PREFIX}/failure`,
    {
      ...route,
      schema: {
        hide: true,
        params: tiParams,
        body: z.object({
          ...tryBody,
          error: z.string(),
          terminal: z.enum(['skipped', 'failed']).nullable().default(null),
          retry: z.object({
            retry_delay_ms: z.number().min(0),
            retry_exponential_backoff: z.boolean(),
            max_retry_delay_ms: z.number().min(0).nullable(),
          }),
        }),
      },
    },
    async (request) => {
      const { ti_id } = request.params;
      const { try_number, error, retry, terminal } = request.body;
      authorize(request, ti_id, try_number);
      const outcome = await failTry(db, {
        tiId: ti_id,
        tryNumber: try_number,
        error,
        retry: {
          retryDelayMs: retry.retry_delay_ms,
          retryExponentialBackoff: retry.retry_exponential_backoff,
          maxRetryDelayMs: retry.max_retry_delay_ms,
        },
        terminal,
        now: new Date(),
      });
      return {
        state: outcome && outcome.state !== 'success' ? outcome.state : null,
        next_retry_at: outcome?.state === 'up_for_retry' ? outcome.nextRetryAt.toISOString() : null,
      };
    },
  );
}
