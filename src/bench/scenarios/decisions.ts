/**
 * Decisions: the scheduler alone, with the benchmark's instant executor (decisions-executor.ts),
 * in the benchmark's own process. A fresh installation's database is migrated and its DAG files
 * stored by the real DAG processor (one pass, in this process); then for each shape its runs are
 * triggered and the real Scheduler loop (`run`) schedules, queues and finishes them while the
 * instant executor completes every queued try at once. Figures: task instances per second from the
 * first try handed to the executor to the pass that ends the last run, and the loop passes that
 * took. Wide: R runs of T independent tasks (how many decisions one pass makes); chain: one run of
 * T tasks one after the other (one task per pass: the cost of a pass). The installation's
 * core.parallelism and default pool are 1,000 unless the environment sets them, so that neither
 * bounds a pass.
 */
import pino from 'pino';
import { loadConfig } from '../../config/index.js';
import { DagProcessor } from '../../dag-processing/index.js';
import {
  fernetKeys,
  type GaleDb,
  migrate,
  SecretBox,
  SerializedDagCache,
  triggerDagRun,
} from '../../db/index.js';
import { ExecutorSet } from '../../executors/index.js';
import { batchedTryWriter } from '../../runner/index.js';
import { type LoopStats, Scheduler, type SchedulerDeps } from '../../scheduler/index.js';
import { burstDates } from '../api-client.js';
import { median, type NewFigure, perSecond, round } from '../figures.js';
import { InstantExecutor } from './decisions-executor.js';
import { NOOP_HEADER, type Scenario, sizeOf, timeoutFor } from './scenario.js';

const SIZES = {
  quick: { wideRuns: 2, wideTasks: 20, chainTasks: 10 },
  full: { wideRuns: 5, wideTasks: 1000, chainTasks: 1000 },
};
const WIDE = 'bench_decisions_wide';
const CHAIN = 'bench_decisions_chain';
/** core.parallelism and default_pool's slots, unless the environment sets them */
const SLOTS = '1000';
const silent = pino({ level: 'silent' });

/** The real scheduler, counting its passes, that stops itself once `runs` runs have ended. */
class MeasuredScheduler extends Scheduler {
  passes = 0;
  finished = 0;
  endedAt: number | null = null;
  failure: unknown = null;
  readonly #runs: number;
  readonly #stop: AbortController;

  constructor(deps: SchedulerDeps, runs: number, stop: AbortController) {
    super(deps);
    this.#runs = runs;
    this.#stop = stop;
  }

  override async runOnce(): Promise<LoopStats> {
    this.passes++;
    try {
      const stats = await super.runOnce();
      this.finished += stats.runsFinished;
      if (this.finished >= this.#runs) {
        this.endedAt = performance.now();
        this.#stop.abort();
      }
      return stats;
    } catch (error) {
      // run() would log it and retry: the benchmark fails instead
      this.failure ??= error;
      this.#stop.abort();
      throw error;
    }
  }
}

interface Measurement {
  tasksPerSecond: number;
  passes: number;
  msPerPass: number;
}

/** Triggers `runs` runs of `dagId`, runs the scheduler until they end, and checks they succeeded. */
async function measure(
  gdb: GaleDb,
  config: ReturnType<typeof loadConfig>,
  dagId: string,
  runs: number,
  tasks: number,
): Promise<Measurement> {
  const cache = new SerializedDagCache();
  const runIds: string[] = [];
  for (const logicalDate of burstDates(runs)) {
    const run = await triggerDagRun(gdb.db, cache, { dagId, logicalDate, now: new Date() });
    runIds.push(run.run_id);
  }
  const writer = batchedTryWriter(gdb, new SecretBox(fernetKeys(config.config.core.fernet_key, config.home)));
  const executor = new InstantExecutor(writer, config.config.core.parallelism);
  const stop = new AbortController();
  const deps = { db: gdb, config, executors: new ExecutorSet([executor]), log: silent };
  const scheduler = new MeasuredScheduler(deps, runs, stop);
  const timeout = setTimeout(() => stop.abort(), timeoutFor(runs * tasks));
  try {
    await scheduler.run(stop.signal);
  } finally {
    clearTimeout(timeout);
  }
  if (scheduler.failure !== null) throw scheduler.failure;
  executor.assertHealthy();
  const ended = await gdb.db
    .selectFrom('dag_run')
    .select(['run_id', 'state'])
    .where('dag_id', '=', dagId)
    .where('run_id', 'in', runIds)
    .execute();
  const bad = ended.filter((r) => r.state !== 'success');
  if (scheduler.endedAt === null || executor.firstQueuedAt === null || bad.length > 0) {
    throw new Error(
      `bench: ${dagId}: ${runs} runs did not all succeed after ${scheduler.passes} passes: ${JSON.stringify(ended)}`,
    );
  }
  if (executor.completed !== runs * tasks) {
    throw new Error(`bench: the instant executor completed ${executor.completed} of ${runs * tasks} tries`);
  }
  const spanMs = scheduler.endedAt - executor.firstQueuedAt;
  return {
    tasksPerSecond: perSecond(runs * tasks, spanMs),
    passes: scheduler.passes,
    msPerPass: round(spanMs / scheduler.passes, 2),
  };
}

function figuresOf(label: string, ms: readonly Measurement[]): NewFigure[] {
  const repetitions = ms.length;
  return [
    {
      name: `${label}: task instances per second`,
      value: median(ms.map((m) => m.tasksPerSecond)),
      unit: 'tasks/s',
      repetitions,
    },
    {
      name: `${label}: scheduler loop passes`,
      value: median(ms.map((m) => m.passes)),
      unit: 'passes',
      repetitions,
    },
    { name: `${label}: time per pass`, value: median(ms.map((m) => m.msPerPass)), unit: 'ms', repetitions },
  ];
}

export const decisions: Scenario = {
  name: 'decisions',
  description:
    'the scheduler loop alone, with an instant executor: task instances per second and loop passes',
  installation: 'own',
  ownProcess: true,
  async run(ctx) {
    const { wideRuns, wideTasks, chainTasks } = sizeOf(ctx.options, SIZES);
    const env: NodeJS.ProcessEnv = {};
    if (process.env.GALE__CORE__PARALLELISM === undefined) env.GALE__CORE__PARALLELISM = SLOTS;
    if (process.env.GALE__CORE__DEFAULT_POOL_SLOTS === undefined) env.GALE__CORE__DEFAULT_POOL_SLOTS = SLOTS;
    const gale = await ctx.newInstallation(env);
    gale.writeDag(
      `${WIDE}.ts`,
      `${NOOP_HEADER}dag({ dagId: '${WIDE}', maxActiveRuns: ${wideRuns}, maxActiveTasks: ${wideTasks} }, () => {
  for (let i = 0; i < ${wideTasks}; i++) noop();
});
`,
    );
    gale.writeDag(
      `${CHAIN}.ts`,
      `${NOOP_HEADER}dag({ dagId: '${CHAIN}' }, () => {
  chain(...Array.from({ length: ${chainTasks} }, () => noop()));
});
`,
    );
    const config = loadConfig(gale.env);
    const gdb = gale.db();
    await migrate(gdb.db, { defaultPoolSlots: config.config.core.default_pool_slots });
    await new DagProcessor({ db: gdb, config, log: silent }).processOnce();
    const stored = await gdb.db
      .selectFrom('dag')
      .select('dag_id')
      .where('dag_id', 'in', [WIDE, CHAIN])
      .execute();
    if (stored.length !== 2) {
      const errors = await gdb.db.selectFrom('import_error').select(['filename', 'message']).execute();
      throw new Error(`bench: the decisions DAGs were not stored: ${JSON.stringify(errors)}`);
    }
    const wide: Measurement[] = [];
    const chained: Measurement[] = [];
    for (let r = 0; r < ctx.options.repeat; r++) {
      ctx.progress(`wide: ${wideRuns} runs x ${wideTasks} tasks`);
      wide.push(await measure(gdb, config, WIDE, wideRuns, wideTasks));
      ctx.progress(`chain: ${chainTasks} tasks`);
      chained.push(await measure(gdb, config, CHAIN, 1, chainTasks));
    }
    return [
      ...figuresOf(`wide, ${wideRuns} runs x ${wideTasks} tasks`, wide),
      ...figuresOf(`chain of ${chainTasks} tasks`, chained),
    ];
  },
};
