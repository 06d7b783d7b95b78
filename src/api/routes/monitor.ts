/** Health of the installation (public, as Airflow's), the version, and the queue executor's workers. */

import { sql } from '#kysely';
import { z } from '#zod';
import { listRunningJobs, listWorkers } from '../../db/index.js';
import { galeVersion, type RouteContext } from '../context.js';
import { errorResponses } from '../schemas.js';

const componentStatus = z.object({
  status: z.enum(['healthy', 'unhealthy']).nullable(),
  latest_heartbeat: z.string().nullable(),
});

export function registerMonitorRoutes({ app, deps }: RouteContext): void {
  const { db } = deps.gdb;
  const c = deps.config.config;

  // The API server's own probes, as every other service has (liveness; readiness: the database answers).
  app.get('/health/live', { config: { role: 'public' }, schema: { hide: true } }, async () => ({
    status: 'ok',
  }));
  app.get(
    '/health/ready',
    { config: { role: 'public' }, schema: { hide: true } },
    async (_request, reply) => {
      try {
        await Promise.race([
          sql`select 1`.execute(db),
          new Promise((_, reject) =>
            setTimeout(() => reject(new Error('no answer within 2 s')), 2_000).unref(),
          ),
        ]);
        return { status: 'ok' };
      } catch (error) {
        return reply
          .code(503)
          .send({ status: 'unavailable', problems: [`database: ${(error as Error).message}`] });
      }
    },
  );

  app.get(
    '/api/v2/monitor/health',
    {
      config: { role: 'public' },
      schema: {
        summary: 'Health of the metadata database, schedulers, DAG processors and triggerers',
        tags: ['Monitor'],
        security: [],
        response: {
          200: z.object({
            metadatabase: z.object({ status: z.enum(['healthy', 'unhealthy']) }),
            scheduler: componentStatus,
            dag_processor: componentStatus,
            triggerer: componentStatus,
          }),
        },
      },
    },
    async () => {
      let database: 'healthy' | 'unhealthy' = 'healthy';
      let jobs: Awaited<ReturnType<typeof listRunningJobs>> = [];
      try {
        await sql`select 1`.execute(db);
        jobs = await listRunningJobs(db);
      } catch {
        database = 'unhealthy';
      }
      // as Airflow: healthy when a job of that kind heartbeated within a few heartbeats
      const cutoffFor = (heartbeatSec: number) => Date.now() - heartbeatSec * 3_000 - 5_000;
      const status = (type: string, cutoff = cutoffFor(c.scheduler.scheduler_heartbeat_sec)) => {
        const latest = jobs
          .filter((j) => j.job_type === type)
          .map((j) => j.latest_heartbeat)
          .sort()
          .at(-1);
        if (!latest) return { status: null, latest_heartbeat: null };
        return {
          status: Date.parse(latest) >= cutoff ? ('healthy' as const) : ('unhealthy' as const),
          latest_heartbeat: latest,
        };
      };
      return {
        metadatabase: { status: database },
        scheduler: status('scheduler'),
        dag_processor: status('dag_processor'),
        triggerer: status('triggerer', cutoffFor(c.triggerer.job_heartbeat_sec)),
      };
    },
  );

  app.get(
    '/api/v2/version',
    {
      schema: {
        summary: "Gale's version",
        tags: ['Monitor'],
        response: {
          200: z.object({ version: z.string(), git_version: z.string().nullable() }),
          ...errorResponses,
        },
      },
    },
    async () => ({ version: galeVersion(), git_version: null }),
  );

  app.get(
    '/api/v2/workers',
    {
      schema: {
        summary: 'Workers of the queue executor that heartbeated recently',
        tags: ['Monitor'],
        response: {
          200: z.object({
            workers: z.array(
              z.object({
                hostname: z.string(),
                pid: z.number().int(),
                queues: z.array(z.string()),
                concurrency: z.number().int(),
                running: z.number().int(),
                start_date: z.string(),
                latest_heartbeat: z.string(),
                log_server_url: z
                  .string()
                  .nullable()
                  .describe('where the API server reads the logs of its tries (its log server)'),
              }),
            ),
            total_entries: z.number().int(),
          }),
          ...errorResponses,
        },
      },
    },
    async () => {
      const since = new Date(Date.now() - c.scheduler.scheduler_heartbeat_sec * 3_000);
      const workers = (await listWorkers(db, { since })).map((w) => ({
        hostname: w.hostname,
        pid: w.pid,
        queues: JSON.parse(w.queues) as string[],
        concurrency: w.concurrency,
        running: w.running,
        start_date: w.start_date,
        latest_heartbeat: w.latest_heartbeat,
        log_server_url: w.log_server_url,
      }));
      return { workers, total_entries: workers.length };
    },
  );
}
