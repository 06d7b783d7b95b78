/**
 * `gale worker` (runs tries from Redis queues, and serves their logs to API servers) and
 * `gale workers list`.
 */
import type { Command } from 'commander';
import { containerSettings } from '../containers/index.js';
import { heartbeatWorker, listWorkers, registerWorker, SerializedDagCache, stopWorker } from '../db/index.js';
import { GaleError } from '../models/index.js';
import { handleExecutorEvents, LostTryContainers, taskLogPath } from '../scheduler/index.js';
import { startWorkerLogServer, type WorkerLogServer } from '../task-logs/index.js';
import { checkSecret } from './api.js';
import { type CliEnv, openEnv, stopSignal, withEnv } from './environment.js';
import { executionApi } from './execution-api-settings.js';
import { parseOutputFormat, printRows } from './output.js';
import { localExecutorOptions, makeMetrics, serveHealth } from './services.js';

function parseQueues(text: string): string[] {
  const queues = text
    .split(',')
    .map((q) => q.trim())
    .filter(Boolean);
  const bad = queues.find((q) => !/^[A-Za-z0-9_.-]+$/.test(q));
  if (queues.length === 0 || bad !== undefined) {
    throw new GaleError('GALE_ERR_USAGE', `Invalid queue list "${text}"`, {
      hint: 'Name queues with letters, digits, "_", "-" or ".", separated by commas: --queues default,heavy',
    });
  }
  return [...new Set(queues)];
}

function parseConcurrency(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 1024) {
    throw new GaleError('GALE_ERR_USAGE', `Invalid --concurrency "${text}"`, {
      hint: 'Give a whole number of tries from 1 to 1024, for example --concurrency 16.',
    });
  }
  return n;
}

/**
 * Starts the server that gives API servers the logs of this worker's tries. Fails at once (closing
 * the database) without api.secret_key, which its tokens need, or when its port is taken.
 */
async function serveLogs(env: CliEnv): Promise<WorkerLogServer> {
  const c = env.loaded.config;
  try {
    const secretKey = checkSecret(
      c.api.secret_key,
      'gale worker needs api.secret_key: API servers sign with it the tokens that read task logs from its log server',
    );
    const server = await startWorkerLogServer({
      host: c.logging.worker_log_server_host,
      port: c.logging.worker_log_server_port,
      baseFolder: c.logging.base_log_folder,
      secretKey,
      log: env.log.child({ component: 'worker-log-server' }),
    });
    env.log.info({ url: server.url }, `task logs served on ${server.url}`);
    return server;
  } catch (error) {
    await env.gdb.close();
    throw error;
  }
}

export function registerWorkerCommands(program: Command): void {
  program
    .command('worker')
    .description('Run tries that schedulers with executor "queue" send through Redis, until SIGTERM')
    .option(
      '-q, --queues <names>',
      'comma-separated queues to take tries from (default: queue.worker_queues)',
    )
    .option('-c, --concurrency <n>', 'tries at once (default: queue.worker_concurrency)')
    .action(async (opts: { queues?: string; concurrency?: string }) => {
      const env = await openEnv({ name: 'worker' });
      const c = env.loaded.config;
      const queues = parseQueues(opts.queues ?? c.queue.worker_queues);
      const concurrency = opts.concurrency ? parseConcurrency(opts.concurrency) : c.queue.worker_concurrency;
      let taskApi: ReturnType<typeof executionApi>;
      try {
        taskApi = executionApi(c, 'gale worker');
      } catch (error) {
        await env.gdb.close();
        throw error;
      }
      // Loaded only here: bullmq and ioredis are slow to import, and every other command would pay.
      const { QueueWorker, redactRedisUrl } = await import('../executors/queue/index.js');
      const log = env.log.child({ component: 'worker' });
      const logServer = await serveLogs(env);
      const { db } = env.gdb;
      const cache = new SerializedDagCache();
      // this worker's task processes run their containers on this machine's engine
      const lostContainers = new LostTryContainers(
        containerSettings(c),
        c.core.killed_task_cleanup_time * 1000,
        log,
      );
      const worker = new QueueWorker({
        redisUrl: c.queue.redis_url,
        keyPrefix: c.queue.key_prefix,
        queues,
        concurrency,
        local: { ...localExecutorOptions(env), taskApi },
        logPathOf: (w) => taskLogPath(c.logging.base_log_folder, w),
        onExited: async (event) => {
          await handleExecutorEvents(db, cache, [event], log, new Date(), lostContainers);
        },
        onError: (message, error) => log.warn({ err: error }, message),
      });
      const beatSeconds = c.scheduler.scheduler_heartbeat_sec;
      let lastBeatAt: number | null = null;
      let health: Awaited<ReturnType<typeof serveHealth>>;
      try {
        health = await serveHealth(env, makeMetrics(env), [
          { name: 'worker', intervalMs: beatSeconds * 1000, lastBeatAt: () => lastBeatAt },
        ]);
      } catch (error) {
        await logServer.close();
        throw error;
      }
      const signal = stopSignal(env);
      const id = await registerWorker(db, {
        queues,
        concurrency,
        logServerUrl: logServer.url,
        now: new Date(),
      });
      lastBeatAt = Date.now();
      worker.start();
      log.info(
        { queues, concurrency, redis: redactRedisUrl(c.queue.redis_url), logs: logServer.url },
        'worker started: taking tries from the queues',
      );
      const beat = setInterval(() => {
        heartbeatWorker(db, id, { running: worker.running, now: new Date() }).then(
          () => {
            lastBeatAt = Date.now();
          },
          (error: unknown) => log.warn({ err: error }, 'worker heartbeat failed'),
        );
      }, beatSeconds * 1000);
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
      clearInterval(beat);
      log.info({ running: worker.running }, 'worker stopping: waiting for running tries');
      await worker.shutdown(c.queue.worker_shutdown_grace * 1000);
      await lostContainers.settle(c.queue.worker_shutdown_grace * 1000);
      await stopWorker(db, id, new Date());
      await logServer.close();
      await health?.close();
      await env.gdb.close();
      log.info('worker stopped');
      // BullMQ keeps reconnecting a Redis that is gone, which would hold the process open forever.
      setTimeout(() => process.exit(0), 200).unref();
    });

  const workers = program.command('workers').description('Workers of the queue executor');
  workers
    .command('list')
    .description('List running workers: host, pid, queues, concurrency, running tries, last heartbeat')
    .option('-o, --output <format>', 'table or json', 'table')
    .action(async (opts: { output: string }) => {
      const format = parseOutputFormat(opts.output);
      await withEnv('workers', async (env) => {
        const beat = env.loaded.config.scheduler.scheduler_heartbeat_sec;
        const rows = await listWorkers(env.gdb.db, { since: new Date(Date.now() - beat * 3_000) });
        printRows(
          rows.map((w) => ({ ...w, queues: (JSON.parse(w.queues) as string[]).join(',') })),
          [
            'id',
            'hostname',
            'pid',
            'queues',
            'concurrency',
            'running',
            'start_date',
            'latest_heartbeat',
            'log_server_url',
          ],
          format,
        );
      });
    });
}
