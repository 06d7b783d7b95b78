/**
 * The scheduler loop: create due runs, start queued runs, record what the executors report,
 * decide task readiness, queue tasks, and now and then look for zombies and stuck queued tries.
 * It sleeps when idle and wakes at once when an executor reports a finished process.
 */
import type { Logger } from 'pino';
import type { LoadedConfig } from '../config/index.js';
import { containerSettings } from '../containers/index.js';
import { endJob, type GaleDb, heartbeatJob, SerializedDagCache, startJob } from '../db/index.js';
import type { ExecutorSet } from '../executors/index.js';
import type { GaleMetrics } from '../observability/index.js';
import { createOutputStore } from '../output-store/index.js';
import { createAssetTriggeredRuns } from './asset-runs.js';
import { scheduleBackfills } from './backfills.js';
import { requestMissedDeadlines } from './dag-callbacks.js';
import { createDueScheduledRuns, startQueuedRuns } from './dag-run-creation.js';
import { LostTryContainers } from './lost-try-containers.js';
import { failZombies, handleExecutorEvents, requeueStaleQueued } from './recovery.js';
import { queueScheduledTasks } from './task-queueing.js';
import { scheduleRunningRuns } from './task-readiness.js';

/** How often the loop looks for runs past their DAG's deadline (an alert is at most this late). */
const DEADLINE_CHECK_MS = 5000;

export interface Clock {
  now(): Date;
}

export interface SchedulerDeps {
  db: GaleDb;
  config: LoadedConfig;
  /** the executors of core.executor, the default first */
  executors: ExecutorSet;
  log: Logger;
  clock?: Clock;
  metrics?: GaleMetrics;
}

/**
 * SQLite calls are synchronous, so a whole loop would otherwise run without letting the executors
 * hear from their task processes; between steps the loop lets pending events through.
 */
function yieldToEvents(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export interface LoopStats {
  runsCreated: number;
  runsStarted: number;
  tasksScheduled: number;
  tasksQueued: number;
  runsFinished: number;
}

export class Scheduler {
  readonly #deps: SchedulerDeps;
  readonly #clock: Clock;
  readonly #cache = new SerializedDagCache();
  readonly #lostContainers: LostTryContainers;
  #wake: (() => void) | null = null;
  #woken = false;
  #lastRecovery = 0;
  #lastDeadlineCheck = 0;
  #lastHeartbeat = 0;
  #jobId: number | null = null;
  #lastBeatAt: number | null = null;

  constructor(deps: SchedulerDeps) {
    this.#deps = deps;
    this.#clock = deps.clock ?? { now: () => new Date() };
    const c = deps.config.config;
    this.#lostContainers = new LostTryContainers(
      containerSettings(c),
      c.core.killed_task_cleanup_time * 1000,
      deps.log,
    );
    deps.executors.onEvent(() => this.wake());
  }

  wake(): void {
    this.#woken = true;
    this.#wake?.();
  }

  /** When the last pass of the loop ended (milliseconds since the epoch), for readiness checks. */
  get lastBeatAt(): number | null {
    return this.#lastBeatAt;
  }

  /** One pass of the loop. */
  async runOnce(): Promise<LoopStats> {
    const { db } = this.#deps.db;
    const c = this.#deps.config.config;
    const log = this.#deps.log;
    const metrics = this.#deps.metrics;
    const passStarted = performance.now();
    const now = this.#clock.now();
    const { executors } = this.#deps;
    await handleExecutorEvents(db, this.#cache, executors.drainEvents(), log, now, this.#lostContainers);
    const runsCreated = await createDueScheduledRuns(
      db,
      this.#cache,
      now,
      c.scheduler.max_dagruns_to_create_per_loop,
    );
    const assetRuns = await createAssetTriggeredRuns(db, this.#cache, now);
    const runsStarted = await startQueuedRuns(db, now);
    const backfills = await scheduleBackfills(db, this.#cache, now, log);
    await yieldToEvents();
    const { scheduled, finishedRuns } = await scheduleRunningRuns(db, this.#cache, now, {
      maxMapLength: c.core.max_map_length,
      outputs: createOutputStore(c),
    });
    await yieldToEvents();
    for (const run of finishedRuns) {
      log.info({ dagId: run.dag_id, runId: run.run_id, state: run.state }, 'DAG run finished');
      // the run's end_date is `now`, as scheduleRunningRuns recorded it
      if (run.start_date)
        metrics?.dagrunDuration.observe(
          { dag_id: run.dag_id, state: run.state },
          Math.max(0, now.getTime() - Date.parse(run.start_date)) / 1000,
        );
    }
    const tasksQueued = await queueScheduledTasks(db, this.#cache, executors, {
      baseLogFolder: c.logging.base_log_folder,
      now,
      parallelism: c.core.parallelism,
      log,
    });
    const recoveryEvery =
      Math.min(c.scheduler.task_instance_heartbeat_timeout, c.scheduler.task_queued_timeout) * 500;
    if (now.getTime() - this.#lastRecovery >= recoveryEvery) {
      this.#lastRecovery = now.getTime();
      await failZombies(
        db,
        this.#cache,
        c.scheduler.task_instance_heartbeat_timeout,
        log,
        now,
        this.#lostContainers,
      );
      await requeueStaleQueued(db, executors, c.scheduler.task_queued_timeout, log, now);
    }
    if (now.getTime() - this.#lastDeadlineCheck >= DEADLINE_CHECK_MS) {
      this.#lastDeadlineCheck = now.getTime();
      await requestMissedDeadlines(db, this.#cache, now);
    }
    if (
      this.#jobId !== null &&
      now.getTime() - this.#lastHeartbeat >= c.scheduler.scheduler_heartbeat_sec * 1000
    ) {
      this.#lastHeartbeat = now.getTime();
      await heartbeatJob(db, this.#jobId, now);
      metrics?.schedulerHeartbeat.inc();
      // once per heartbeat, one query for all DAGs: gale_dagrun_oldest_running_seconds
      await metrics?.refreshRunningDagRuns();
    }
    if (metrics) {
      metrics.schedulerTasksQueued.inc(tasksQueued);
      for (const executor of executors.all()) {
        const labels = { executor: executor.name };
        metrics.executorOpenSlots.set(labels, Math.max(0, executor.openSlots()));
        const counts = executor.taskCounts?.();
        if (counts) {
          metrics.executorQueuedTasks.set(labels, counts.queued);
          metrics.executorRunningTasks.set(labels, counts.running);
        }
      }
      metrics.schedulerLoopDuration.observe((performance.now() - passStarted) / 1000);
    }
    this.#lastBeatAt = this.#clock.now().getTime();
    return {
      runsCreated: runsCreated + assetRuns + backfills.runsCreated,
      runsStarted: runsStarted + backfills.runsStarted,
      tasksScheduled: scheduled,
      tasksQueued,
      runsFinished: finishedRuns.length,
    };
  }

  /** Loops until the signal aborts, then lets running tries finish up to the grace period. */
  async run(signal: AbortSignal, options: { shutdownGraceMs?: number } = {}): Promise<void> {
    const { db } = this.#deps.db;
    const log = this.#deps.log;
    this.#jobId = await startJob(db, 'scheduler', this.#clock.now());
    const idleMs = this.#deps.config.config.scheduler.idle_sleep_time * 1000;
    const onAbort = () => this.#wake?.();
    signal.addEventListener('abort', onAbort);
    this.#deps.executors.start();
    log.info(
      { executors: this.#deps.executors.names, defaultExecutor: this.#deps.executors.default.name },
      'scheduler started',
    );
    try {
      while (!signal.aborted) {
        let stats: LoopStats | null = null;
        this.#woken = false;
        try {
          stats = await this.runOnce();
        } catch (error) {
          log.error({ err: error }, 'scheduler loop failed; retrying');
        }
        // Another pass at once when this one left work behind: runs to start, runs finished (a
        // queued run may start now), tasks scheduled but not all queued. Tasks that were all
        // handed over need nothing more until their executor reports (which wakes the loop).
        const busy =
          stats !== null &&
          (stats.runsCreated > 0 ||
            stats.runsStarted > 0 ||
            stats.tasksScheduled > stats.tasksQueued ||
            stats.runsFinished > 0);
        if (busy || this.#woken || signal.aborted) continue;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(done, idleMs);
          function done() {
            clearTimeout(timer);
            resolve();
          }
          this.#wake = done;
        });
        this.#wake = null;
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
      log.info('scheduler stopping');
      await this.#deps.executors.shutdown(options.shutdownGraceMs ?? 0);
      // a lost try's container being stopped: let it finish within the grace period
      await this.#lostContainers.settle(options.shutdownGraceMs ?? 0);
      await endJob(db, this.#jobId, this.#clock.now());
    }
  }
}
