/** The long-running commands: standalone, scheduler, dag-processor, and the parts `gale triggerer` uses. */
import { mkdirSync } from 'node:fs';
import type { Command } from 'commander';
import { DagProcessor, dagFolders } from '../dag-processing/index.js';
import { fernetKeys, redactUrl, SecretBox } from '../db/index.js';
import { type Executor, ExecutorSet, LocalExecutor, type TryWriter } from '../executors/index.js';
import type { ExecutorName } from '../models/index.js';
import {
  createGaleMetrics,
  type GaleMetrics,
  type HealthServer,
  type LoopCheck,
  startHealthServer,
} from '../observability/index.js';
import { batchedTryWriter } from '../runner/index.js';
import { Scheduler } from '../scheduler/index.js';
import { compileTriggererOptions, Triggerer } from '../triggerer/index.js';
import { ensureStandaloneAdmin, type RunningApi, standaloneSecret, startApi } from './api.js';
import { type CliEnv, openEnv, stopSignal } from './environment.js';
import { makeKubernetesExecutor } from './kubernetes-executor.js';
import { ensureStandaloneFernetKey } from './variables.js';

async function makeExecutor(name: ExecutorName, env: CliEnv, metrics?: GaleMetrics): Promise<Executor> {
  const c = env.loaded.config;
  switch (name) {
    case 'queue': {
      const log = env.log.child({ component: 'queue-executor' });
      // Loaded only here: bullmq and ioredis are slow to import (see executors/index.ts).
      const { QueueExecutor } = await import('../executors/queue/index.js');
      return new QueueExecutor({
        redisUrl: c.queue.redis_url,
        keyPrefix: c.queue.key_prefix,
        parallelism: c.core.parallelism,
        onError: (message, error) => log.warn({ err: error }, message),
        onQueueDepth: metrics ? (queue, depth) => metrics.queueDepth.set({ queue }, depth) : undefined,
      });
    }
    case 'local':
      return new LocalExecutor({
        parallelism: c.core.parallelism,
        ...localExecutorOptions(env),
        tryWriter: c.local_executor.writes_through_scheduler ? schedulerTryWriter(env) : undefined,
      });
    case 'kubernetes':
      return makeKubernetesExecutor(env);
  }
}

/**
 * The warm task processes of the scheduler's local executor record their claims, ends and
 * deferrals through it, on the scheduler's own database connection, those arriving together in
 * one transaction.
 */
function schedulerTryWriter(env: CliEnv): TryWriter {
  return batchedTryWriter(
    env.gdb,
    new SecretBox(fernetKeys(env.loaded.config.core.fernet_key, env.loaded.home)),
  );
}

/** Every executor of core.executor, the default first; each may take up to core.parallelism tries. */
async function makeExecutors(env: CliEnv, metrics?: GaleMetrics): Promise<ExecutorSet> {
  const names = env.loaded.config.core.executor;
  return new ExecutorSet(await Promise.all(names.map((name) => makeExecutor(name, env, metrics))));
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

async function makeScheduler(env: CliEnv, metrics?: GaleMetrics): Promise<Scheduler> {
  return new Scheduler({
    db: env.gdb,
    config: env.loaded,
    executors: await makeExecutors(env, metrics),
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

/** The triggerer of `gale triggerer` and standalone; `capacity` (--capacity) over triggerer.capacity. */
export function makeTriggerer(env: CliEnv, metrics?: GaleMetrics, capacity?: number): Triggerer {
  return new Triggerer({
    db: env.gdb,
    options: compileTriggererOptions(env.loaded.config.triggerer, { capacity }),
    log: env.log.child({ component: 'triggerer' }),
    metrics,
  });
}

/** The triggerer beats every pass: every poll_interval (or heartbeat), sooner when a trigger fires. */
export function triggererLoop(env: CliEnv, triggerer: Triggerer): LoopCheck {
  const c = env.loaded.config.triggerer;
  return {
    name: 'triggerer',
    intervalMs: Math.min(c.poll_interval, c.job_heartbeat_sec) * 1000,
    lastBeatAt: () => triggerer.lastBeatAt,
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
      'Run Gale on one machine: migrates the database, then runs the DAG processor, the scheduler with the executors of core.executor (local by default), the triggerer and the API server',
    )
    .action(async () => {
      const started = Date.now();
      const env = await openEnv({ name: 'standalone', migrate: true, service: true });
      mkdirSync(env.loaded.config.core.dags_folder, { recursive: true });
      const signal = stopSignal(env);
      const metrics = makeMetrics(env);
      const processor = makeProcessor(env, metrics);
      const scheduler = await makeScheduler(env, metrics);
      const triggerer = makeTriggerer(env, metrics);
      const health = await serveHealth(env, metrics, [
        schedulerLoop(env, scheduler),
        processorLoop(env, processor),
        triggererLoop(env, triggerer),
      ]);
      let api: RunningApi | null = null;
      try {
        ensureStandaloneFernetKey(env);
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
        await Promise.all([processor.run(signal), scheduler.run(signal), triggerer.run(signal)]);
      } finally {
        await api?.close();
        await health?.close();
      }
      await env.gdb.close();
    });

  program
    .command('scheduler')
    .description(
      'Run the scheduler, with every executor of core.executor (the first is the default), until SIGTERM',
    )
    .action(async () => {
      const env = await openEnv({ name: 'scheduler', service: true });
      const metrics = makeMetrics(env);
      const scheduler = await makeScheduler(env, metrics);
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
      const env = await openEnv({ name: 'dag-processor', service: true });
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
