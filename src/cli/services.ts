/** The long-running commands: standalone, scheduler, dag-processor. */
import { mkdirSync } from 'node:fs';
import type { Command } from 'commander';
import { DagProcessor, dagFolders } from '../dag-processing/index.js';
import { redactUrl } from '../db/index.js';
import { type Executor, LocalExecutor, QueueExecutor } from '../executors/index.js';
import {
  createGaleMetrics,
  type GaleMetrics,
  type HealthServer,
  type LoopCheck,
  startHealthServer,
} from '../observability/index.js';
import { Scheduler } from '../scheduler/index.js';
import { ensureStandaloneAdmin, type RunningApi, standaloneSecret, startApi } from './api.js';
import { type CliEnv, openEnv, stopSignal } from './environment.js';

function makeExecutor(env: CliEnv, metrics?: GaleMetrics): Executor {
  const c = env.loaded.config;
  if (c.core.executor === 'queue') {
    const log = env.log.child({ component: 'queue-executor' });
    return new QueueExecutor({
      redisUrl: c.queue.redis_url,
      keyPrefix: c.queue.key_prefix,
      parallelism: c.core.parallelism,
      onError: (message, error) => log.warn({ err: error }, message),
      onQueueDepth: metrics ? (queue, depth) => metrics.queueDepth.set({ queue }, depth) : undefined,
    });
  }
  return new LocalExecutor({ parallelism: c.core.parallelism, ...localExecutorOptions(env) });
}

/** The settings of task processes on this machine (local executor, and inside `gale worker`). */
export function localExecutorOptions(env: CliEnv) {
  const c = env.loaded.config;
  return {
    killGraceSeconds: c.core.killed_task_cleanup_time,
    warmProcesses: c.local_executor.warm_processes,
    prewarmProcesses: c.local_executor.prewarm_processes,
    idleProcessTtlSeconds: c.local_executor.idle_process_ttl,
  };
}

function makeScheduler(env: CliEnv, metrics?: GaleMetrics): Scheduler {
  const executor = makeExecutor(env, metrics);
  return new Scheduler({
    db: env.gdb,
    config: env.loaded,
    executor,
    log: env.log.child({ component: 'scheduler' }),
    metrics,
  });
}

function makeProcessor(env: CliEnv, metrics?: GaleMetrics): DagProcessor {
  return new DagProcessor({
    db: env.gdb,
    config: env.loaded,
    log: env.log.child({ component: 'dag-processor' }),
    metrics,
  });
}

/** The metrics of this process; none when metrics.enabled is false. */
export function makeMetrics(env: CliEnv): GaleMetrics | undefined {
  if (!env.loaded.config.metrics.enabled) return undefined;
  return createGaleMetrics({ db: env.gdb.db, log: env.log.child({ component: 'metrics' }) });
}

/** The scheduler beats every pass; an idle one passes every idle_sleep_time. */
function schedulerLoop(env: CliEnv, scheduler: Scheduler): LoopCheck {
  const c = env.loaded.config.scheduler;
  return {
    name: 'scheduler',
    intervalMs: Math.max(c.scheduler_heartbeat_sec, c.idle_sleep_time) * 1000,
    lastBeatAt: () => scheduler.lastBeatAt,
  };
}

/** The DAG processor beats per file parsed and per pass; one file may take file_parsing_timeout. */
function processorLoop(env: CliEnv, processor: DagProcessor): LoopCheck {
  const c = env.loaded.config.dag_processor;
  return {
    name: 'dag-processor',
    intervalMs: Math.max(c.file_check_interval, c.file_parsing_timeout) * 1000,
    lastBeatAt: () => processor.lastBeatAt,
  };
}

/**
 * Starts this process's metrics and health server (one per process). When it cannot start (its
 * port is taken), closes the database and throws, so the command fails at once.
 */
export async function serveHealth(
  env: CliEnv,
  metrics: GaleMetrics | undefined,
  loops: LoopCheck[],
): Promise<HealthServer | null> {
  if (!metrics) return null;
  const { host, port } = env.loaded.config.metrics;
  try {
    const server = await startHealthServer({
      host,
      port,
      registry: metrics.registry,
      db: env.gdb.db,
      loops,
      log: env.log.child({ component: 'health' }),
    });
    env.log.info({ url: server.url }, `metrics and health on ${server.url}`);
    return server;
  } catch (error) {
    await env.gdb.close();
    throw error;
  }
}

export function registerServiceCommands(program: Command): void {
  program
    .command('standalone')
    .description(
      'Run Gale on one machine: migrates the database, then runs the DAG processor and the scheduler with the local executor',
    )
    .action(async () => {
      const started = Date.now();
      const env = await openEnv({ name: 'standalone', migrate: true });
      mkdirSync(env.loaded.config.core.dags_folder, { recursive: true });
      const signal = stopSignal(env);
      const metrics = makeMetrics(env);
      const processor = makeProcessor(env, metrics);
      const scheduler = makeScheduler(env, metrics);
      const health = await serveHealth(env, metrics, [
        schedulerLoop(env, scheduler),
        processorLoop(env, processor),
      ]);
      let api: RunningApi | null = null;
      try {
        api = await startApi(env, standaloneSecret(env));
        await ensureStandaloneAdmin(env);
        await processor.processOnce();
        env.log.info(
          {
            home: env.loaded.home,
            database: redactUrl(env.loaded.config.database.url),
            dagFolders: dagFolders(env.loaded),
            readyInMs: Date.now() - started,
            ui: api.url,
          },
          'Gale standalone is ready: add DAG files to the DAGs folder; "gale dags list" shows them',
        );
        await Promise.all([processor.run(signal), scheduler.run(signal)]);
      } finally {
        await api?.close();
        await health?.close();
      }
      await env.gdb.close();
    });

  program
    .command('scheduler')
    .description('Run the scheduler (with the configured executor) until SIGTERM')
    .action(async () => {
      const env = await openEnv({ name: 'scheduler' });
      const metrics = makeMetrics(env);
      const scheduler = makeScheduler(env, metrics);
      const health = await serveHealth(env, metrics, [schedulerLoop(env, scheduler)]);
      try {
        await scheduler.run(stopSignal(env));
      } finally {
        await health?.close();
      }
      await env.gdb.close();
    });

  program
    .command('dag-processor')
    .description('Run the DAG processor: parse DAG files and store their DAGs, until SIGTERM')
    .action(async () => {
      const env = await openEnv({ name: 'dag-processor' });
      const metrics = makeMetrics(env);
      const processor = makeProcessor(env, metrics);
      const health = await serveHealth(env, metrics, [processorLoop(env, processor)]);
      try {
        await processor.run(stopSignal(env));
      } finally {
        await health?.close();
      }
      await env.gdb.close();
    });
}
