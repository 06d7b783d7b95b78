/**
 * The API server: Fastify with zod schemas on every route (enforced, and published as the OpenAPI
 * 3.1 document at /openapi.json with browsable docs at /docs), problem+json errors, security
 * headers, authentication and roles, and an audit record of every state-changing call.
 * It never runs DAG code and never holds a request open on the scheduler.
 */
import cookie from '@fastify/cookie';
import helmet from '@fastify/helmet';
import jwt from '@fastify/jwt';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { recordAudit, SerializedDagCache } from '../db/index.js';
import { registerAuth } from './auth.js';
import { type ApiDeps, createApp, galeVersion, type RouteContext } from './context.js';
import { registerDagAccess } from './dag-access.js';
import { PollCache, registerPollCache } from './poll-cache.js';
import { errorHandler, problem, sendProblem } from './problem.js';
import { registerAssetRoutes } from './routes/assets.js';
import { registerAuthRoutes } from './routes/auth-routes.js';
import { registerBackfillRoutes } from './routes/backfills.js';
import { registerClearTaskInstanceRoutes } from './routes/clear-task-instances.js';
import { registerConfigRoutes } from './routes/config.js';
import { registerDagRunRoutes } from './routes/dag-runs.js';
import { registerDagSourceRoutes } from './routes/dag-sources.js';
import { registerDagRoutes } from './routes/dags.js';
import { registerEventLogRoutes } from './routes/event-logs.js';
import { registerExecutionRoutes } from './routes/execution.js';
import { registerHitlDetailRoutes } from './routes/hitl-details.js';
import { registerImportErrorRoutes } from './routes/import-errors.js';
import { registerMarkTaskInstanceRoutes } from './routes/mark-task-instance.js';
import { registerMetricsRoute } from './routes/metrics.js';
import { registerMonitorRoutes } from './routes/monitor.js';
import { registerPoolRoutes } from './routes/pools.js';
import { registerTaskInstanceTryRoutes } from './routes/task-instance-tries.js';
import { registerTaskInstanceRoutes } from './routes/task-instances.js';
import { registerTaskLogRoutes } from './routes/task-logs.js';
import { registerUserRoutes } from './routes/users.js';
import { registerVariableRoutes } from './routes/variables.js';
import { registerXcomRoutes } from './routes/xcom.js';
import { registerUi, type UiFallback } from './ui.js';

const AUDITED = new Set(['POST', 'PATCH', 'PUT', 'DELETE']);

export type { Api, ApiDeps } from './context.js';

export async function buildApiServer(deps: ApiDeps) {
  const app = createApp(deps);
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(errorHandler(deps.log));
  let uiFallback: UiFallback = () => null; // the web UI's pages, once registered below
  app.setNotFoundHandler(
    (request, reply) =>
      uiFallback(request, reply) ??
      sendProblem(
        reply,
        problem(
          404,
          `No route ${request.method} ${request.url.split('?')[0]}; /docs lists them`,
          'GALE_ERR_NOT_FOUND',
        ),
      ),
  );

  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        // plain http on localhost and inside clusters must keep working
        upgradeInsecureRequests: null,
      },
    },
  });
  await app.register(cookie);
  await app.register(jwt, {
    secret: deps.secretKey,
    sign: { expiresIn: deps.config.config.api.access_token_expiration },
  });
  await app.register(rateLimit, { global: false });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Gale API',
        version: galeVersion(),
        description:
          "Gale's REST API, shaped after Airflow 3's public API. Authenticate with POST /auth/token and send the token as a Bearer header.",
      },
      components: {
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  uiFallback = await registerUi(app);

  registerAuth(app, deps.gdb.db);
  registerDagAccess(app, deps.gdb.db);
  registerPollCache(app, new PollCache(deps.config.config.api.poll_cache_ttl));
  app.addHook('onResponse', async (request, reply) => {
    if (!AUDITED.has(request.method) || !request.caller || reply.statusCode >= 400) return;
    if (!request.url.startsWith('/api/')) return;
    const params = (request.params ?? {}) as Record<string, string | undefined>;
    await recordAudit(deps.gdb.db, {
      event: `api:${request.method} ${request.routeOptions.url ?? request.url}`,
      dagId: params.dag_id ?? null,
      runId: params.dag_run_id ?? null,
      taskId: params.task_id ?? null,
      owner: request.caller.username,
      extra: { status: reply.statusCode },
    }).catch((error: unknown) => deps.log.error({ err: error }, 'could not record an audit entry'));
  });

  const ctx: RouteContext = { app, deps, cache: new SerializedDagCache() };
  app.get('/openapi.json', { config: { role: 'public' }, schema: { hide: true } }, async () => app.swagger());
  registerAuthRoutes(ctx);
  registerMonitorRoutes(ctx);
  registerMetricsRoute(ctx);
  registerDagRoutes(ctx);
  registerDagRunRoutes(ctx);
  registerBackfillRoutes(ctx);
  registerDagSourceRoutes(ctx);
  registerTaskInstanceRoutes(ctx);
  registerHitlDetailRoutes(ctx);
  registerTaskInstanceTryRoutes(ctx);
  registerMarkTaskInstanceRoutes(ctx);
  registerClearTaskInstanceRoutes(ctx);
  registerTaskLogRoutes(ctx);
  registerXcomRoutes(ctx);
  registerPoolRoutes(ctx);
  registerImportErrorRoutes(ctx);
  registerEventLogRoutes(ctx);
  registerConfigRoutes(ctx);
  registerExecutionRoutes(ctx);
  registerVariableRoutes(ctx);
  registerAssetRoutes(ctx);
  registerUserRoutes(ctx);
  return app;
}
