/** The long-running commands: standalone, scheduler, dag-processor. */
import { mkdirSync } from 'node:fs';
import type { Command } from 'commander';
import { DagProcessor, dagFolders } from '../dag-processing/index.js';
import { LocalExecutor } from '../executors/index.js';
import { Scheduler } from '../scheduler/index.js';
import { type CliEnv, openEnv } from './environment.js';

function stopSignal(env: CliEnv): AbortSignal {
  const controller = new AbortController();
  const stop = (signal: string) => {
    if (controller.signal.aborted) {
      env.log.warn('second signal: exiting now');
      process.exit(1);
    }
    env.log.info({ signal }, 'shutting down');
    controller.abort();
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  return controller.signal;
}

function makeScheduler(env: CliEnv): Scheduler {
  const c = env.loaded.config;
  const executor = new LocalExecutor({
    parallelism: c.core.parallelism,
    killGraceSeconds: c.core.killed_task_cleanup_time,
    warmProcesses: c.local_executor.warm_processes,
    prewarmProcesses: c.local_executor.prewarm_processes,
    idleProcessTtlSeconds: c.local_executor.idle_process_ttl,
  });
  return new Scheduler({
    db: env.gdb,
    config: env.loaded,
    executor,
    log: env.log.child({ component: 'scheduler' }),
  });
}

function makeProcessor(env: CliEnv): DagProcessor {
  return new DagProcessor({
    db: env.gdb,
    config: env.loaded,
    log: env.log.child({ component: 'dag-processor' }),
  });
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
      const processor = makeProcessor(env);
      const scheduler = makeScheduler(env);
      await processor.processOnce();
      env.log.info(
        {
          home: env.loaded.home,
          database: env.loaded.config.database.url,
          dagFolders: dagFolders(env.loaded),
          readyInMs: Date.now() - started,
        },
        'Gale standalone is ready: add DAG files to the DAGs folder; "gale dags list" shows them',
      );
      await Promise.all([processor.run(signal), scheduler.run(signal)]);
      await env.gdb.close();
    });

  program
    .command('scheduler')
    .description('Run the scheduler (with the configured executor) until SIGTERM')
    .action(async () => {
      const env = await openEnv({ name: 'scheduler' });
      await makeScheduler(env).run(stopSignal(env));
      await env.gdb.close();
    });

  program
    .command('dag-processor')
    .description('Run the DAG processor: parse DAG files and store their DAGs, until SIGTERM')
    .action(async () => {
      const env = await openEnv({ name: 'dag-processor' });
      await makeProcessor(env).run(stopSignal(env));
      await env.gdb.close();
    });
}
