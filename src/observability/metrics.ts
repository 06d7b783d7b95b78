/**
 * The Prometheus metrics of a Gale process: Node's process metrics and Gale's own, named after
 * Airflow's metrics where one exists (`scheduler.scheduler_loop_duration` becomes
 * `gale_scheduler_loop_duration_seconds`). Each process makes one registry with
 * `createGaleMetrics` and passes it to the services it runs; the README's "Metrics" section lists
 * every metric. Labels stay bounded: `dag_id`, `pool`, `state`, `queue`, `executor`, never a run or
 * task id.
 * Scrape-time collectors only read the database; they never change anything.
 */

import type { Logger } from 'pino';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { Kysely } from '#kysely';
import type { Database } from '../db/index.js';
import { TaskInstanceState } from '../models/index.js';
import {
  COUNTED_TRY_STATES,
  countFinishedTriesByState,
  countImportErrors,
  countTaskInstancesByState,
  oldestRunningRunStarts,
  type PoolSlotCounts,
  poolSlotCounts,
} from './metric-queries.js';

export interface GaleMetricsOptions {
  /** the metadata database, read at scrape time */
  db: Kysely<Database>;
  log: Logger;
}

export interface GaleMetrics {
  readonly registry: Registry;
  /** Airflow's scheduler_heartbeat: the scheduler recorded its heartbeat */
  readonly schedulerHeartbeat: Counter;
  /** Airflow's scheduler.scheduler_loop_duration */
  readonly schedulerLoopDuration: Histogram;
  readonly schedulerTasksQueued: Counter;
  /** Airflow's dag_processing.total_parse_time: seconds of the last pass that parsed files */
  readonly dagProcessingTotalParseTime: Gauge;
  /** Airflow's dag_processing.last_duration, without the file name (bounded labels) */
  readonly dagProcessingLastDuration: Histogram;
  /** Airflow's dagrun.duration.<state>, tagged dag_id */
  readonly dagrunDuration: Histogram<'dag_id' | 'state'>;
  /**
   * Reads when the oldest running run of each DAG started, for gale_dagrun_oldest_running_seconds
   * (whose age is computed at scrape time). One query for all DAGs; the scheduler calls it once
   * per heartbeat. A failure is logged and keeps the last values.
   */
  refreshRunningDagRuns(): Promise<void>;
  /** per executor of the scheduler (label `executor`: local, queue) */
  readonly executorOpenSlots: Gauge<'executor'>;
  readonly executorQueuedTasks: Gauge<'executor'>;
  readonly executorRunningTasks: Gauge<'executor'>;
  /** Tries waiting in each queue of the queue executor; set by it, no series otherwise. */
  readonly queueDepth: Gauge<'queue'>;
  /** Airflow's triggers.running: triggers this process's triggerer runs now */
  readonly triggersRunning: Gauge;
  /** Airflow's triggers.succeeded: triggers that fired */
  readonly triggersSucceeded: Counter;
  /** Airflow's triggers.failed: triggers that failed (their deferred tries fail) */
  readonly triggersFailed: Counter;
  /** Airflow's triggerer.capacity_left: triggers this process's triggerer can still take */
  readonly triggererCapacityLeft: Gauge;
}

const PREFIX = 'gale_';

/**
 * Runs `load` once for all the collectors of one scrape: prom-client calls every collector of a
 * scrape at once, so those that join while a load is in flight share it.
 */
function shared<T>(load: () => Promise<T>): () => Promise<T> {
  let inFlight: Promise<T> | null = null;
  return () => {
    inFlight ??= load().finally(() => {
      inFlight = null;
    });
    return inFlight;
  };
}

export function createGaleMetrics(options: GaleMetricsOptions): GaleMetrics {
  const { db, log } = options;
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: PREFIX });
  const registers = [registry];

  /**
   * Sets a gauge from the database at scrape time. When the database cannot answer, the gauge has
   * no series in this scrape (rather than a stale value) and the failure is logged.
   */
  const fromDb = <L extends string>(what: string, set: (gauge: Gauge<L>) => Promise<void>) =>
    async function collect(this: Gauge<L>): Promise<void> {
      try {
        await set(this);
      } catch (error) {
        this.reset();
        log.warn({ err: error, metric: what }, 'could not read a metric from the database');
      }
    };

  // Each try's end is recorded in the database by its task process (started by the local
  // executor, or by a queue executor's worker on another machine), not by the scheduler: no
  // long-running process observes every finished try, so an in-process counter would miss most.
  // The database is the truth (the try history, and each task instance whose latest try
  // succeeded); counting it gives an installation-wide total that is the same from every process
  // and that drops when history is deleted (`gale dags delete`, `gale db reset`). A total that
  // can drop is a gauge, hence no `_total` suffix; graph its increase with `delta()` and
  // aggregate processes with `max()`, not `sum()`.
  new Gauge({
    name: `${PREFIX}ti_finished`,
    help: 'Task tries recorded as finished, by end state (success, failed, up_for_retry), over the whole history in the database (as Airflow ti_successes, ti_failures); success also counts task instances marked success.',
    labelNames: ['state'] as const,
    registers,
    collect: fromDb('ti_finished', async (gauge) => {
      const counts = await countFinishedTriesByState(db);
      for (const state of COUNTED_TRY_STATES) gauge.set({ state }, counts.get(state) ?? 0);
    }),
  });

  new Gauge({
    name: `${PREFIX}task_instances`,
    help: 'Task instances in the database, by state.',
    labelNames: ['state'] as const,
    registers,
    collect: fromDb('task_instances', async (gauge) => {
      const counts = await countTaskInstancesByState(db);
      for (const state of Object.values(TaskInstanceState)) gauge.set({ state }, counts.get(state) ?? 0);
    }),
  });

  const pools = shared(() => poolSlotCounts(db));
  const poolGauge = (name: string, help: string, value: (p: PoolSlotCounts) => number) =>
    new Gauge({
      name: `${PREFIX}${name}`,
      help,
      labelNames: ['pool'] as const,
      registers,
      collect: fromDb(name, async (gauge) => {
        const rows = await pools();
        gauge.reset(); // a deleted pool loses its series
        for (const p of rows) gauge.set({ pool: p.pool }, value(p));
      }),
    });
  poolGauge(
    'pool_open_slots',
    'Slots of the pool not held by queued or running task instances (Airflow pool.open_slots).',
    (p) => p.slots - p.queued - p.running,
  );
  poolGauge(
    'pool_queued_slots',
    'Slots of the pool held by queued task instances (Airflow pool.queued_slots).',
    (p) => p.queued,
  );
  poolGauge(
    'pool_running_slots',
    'Slots of the pool held by running task instances (Airflow pool.running_slots).',
    (p) => p.running,
  );

  new Gauge({
    name: `${PREFIX}dag_processing_import_errors`,
    help: 'DAG files whose last parse failed (Airflow dag_processing.import_errors).',
    registers,
    collect: fromDb('dag_processing_import_errors', async (gauge) => {
      gauge.set(await countImportErrors(db));
    }),
  });

  // The starts, not the ages: a scrape between two refreshes still sees the runs grow older.
  let oldestRunningStarts = new Map<string, number>();
  new Gauge({
    name: `${PREFIX}dagrun_oldest_running_seconds`,
    help: "Seconds since the oldest running run of each DAG started; no series for a DAG without a running run (Airflow's dagrun.duration, while the run is still running). Set by the scheduler.",
    labelNames: ['dag_id'] as const,
    registers,
    collect(this: Gauge<'dag_id'>) {
      this.reset(); // a DAG whose runs ended loses its series
      const now = Date.now();
      for (const [dagId, start] of oldestRunningStarts)
        this.set({ dag_id: dagId }, Math.max(0, now - start) / 1000);
    },
  });
  const refreshRunningDagRuns = async (): Promise<void> => {
    try {
      oldestRunningStarts = await oldestRunningRunStarts(db);
    } catch (error) {
      log.warn(
        { err: error, metric: 'dagrun_oldest_running_seconds' },
        'could not read a metric from the database',
      );
    }
  };

  return {
    registry,
    refreshRunningDagRuns,
    schedulerHeartbeat: new Counter({
      name: `${PREFIX}scheduler_heartbeat_total`,
      help: 'Heartbeats the scheduler recorded in the database (Airflow scheduler_heartbeat).',
      registers,
    }),
    schedulerLoopDuration: new Histogram({
      name: `${PREFIX}scheduler_loop_duration_seconds`,
      help: 'Seconds one pass of the scheduler loop took (Airflow scheduler.scheduler_loop_duration).',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    schedulerTasksQueued: new Counter({
      name: `${PREFIX}scheduler_tasks_queued_total`,
      help: 'Task tries the scheduler handed to the executor.',
      registers,
    }),
    dagProcessingTotalParseTime: new Gauge({
      name: `${PREFIX}dag_processing_total_parse_time_seconds`,
      help: 'Seconds the last pass of the DAG processor that parsed DAG files took (Airflow dag_processing.total_parse_time).',
      registers,
    }),
    dagProcessingLastDuration: new Histogram({
      name: `${PREFIX}dag_processing_last_duration_seconds`,
      help: 'Seconds taken to parse one DAG file, in its own process (Airflow dag_processing.last_duration).',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    }),
    dagrunDuration: new Histogram({
      name: `${PREFIX}dagrun_duration_seconds`,
      help: 'Seconds from the start to the end of a finished DAG run, by DAG and end state (Airflow dagrun.duration.<state>).',
      labelNames: ['dag_id', 'state'] as const,
      buckets: [1, 5, 15, 30, 60, 300, 900, 1800, 3600, 7200, 21_600, 86_400],
      registers,
    }),
    executorOpenSlots: new Gauge({
      name: `${PREFIX}executor_open_slots`,
      help: "Tries each of this scheduler's executors can take now (Airflow executor.open_slots).",
      labelNames: ['executor'] as const,
      registers,
    }),
    executorQueuedTasks: new Gauge({
      name: `${PREFIX}executor_queued_tasks`,
      help: "Tries handed to each of this scheduler's executors that no process runs yet (Airflow executor.queued_tasks).",
      labelNames: ['executor'] as const,
      registers,
    }),
    executorRunningTasks: new Gauge({
      name: `${PREFIX}executor_running_tasks`,
      help: "Tries each of this scheduler's executors runs now (Airflow executor.running_tasks).",
      labelNames: ['executor'] as const,
      registers,
    }),
    queueDepth: new Gauge({
      name: `${PREFIX}queue_depth`,
      help: 'Tries waiting in each queue of the queue executor.',
      labelNames: ['queue'] as const,
      registers,
    }),
    triggersRunning: new Gauge({
      name: `${PREFIX}triggers_running`,
      help: "Triggers this process's triggerer runs now (Airflow triggers.running).",
      registers,
    }),
    triggersSucceeded: new Counter({
      name: `${PREFIX}triggers_succeeded_total`,
      help: "Triggers that fired in this process's triggerer (Airflow triggers.succeeded).",
      registers,
    }),
    triggersFailed: new Counter({
      name: `${PREFIX}triggers_failed_total`,
      help: "Triggers that failed in this process's triggerer; their deferred tries fail (Airflow triggers.failed).",
      registers,
    }),
    triggererCapacityLeft: new Gauge({
      name: `${PREFIX}triggerer_capacity_left`,
      help: "Triggers this process's triggerer can still take (Airflow triggerer.capacity_left).",
      registers,
    }),
  };
}
