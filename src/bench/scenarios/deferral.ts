/**
 * Deferral: R runs of a DAG of T tasks that each defer on a timer (dateTimeTrigger) to one moment,
 * the lead time after triggering, in a fresh installation with the DAG processor, the scheduler and
 * one `gale triggerer --capacity R*T` as separate processes (and an API server and workers for
 * the queue executor). The triggerer's RSS idle and at its peak, how many tasks were deferred at
 * once, and how late each task instance was resumed (back to scheduled, recorded by the triggerer)
 * after the moment; also when the last resumed try ended. Skipped when this build has no
 * `gale triggerer`.
 */
import { spawnSync } from 'node:child_process';
import { taskTimings, waitForRuns } from '../dag-runs.js';
import { maximum, type NewFigure, spread } from '../figures.js';
import { CLI } from '../gale-process.js';
import { pollUntil } from '../poll.js';
import { PeakRss, treeRssMb } from '../process-tree.js';
import { type Scenario, sizeOf } from './scenario.js';

interface DeferralSize {
  runs: number;
  tasks: number;
  leadSeconds: number;
}

const SIZES = {
  quick: { runs: 1, tasks: 10, leadSeconds: 10 },
  // long enough for 10,000 tries to run once and defer before the moment, on 2 cores
  full: { runs: 10, tasks: 1000, leadSeconds: 300 },
};

function positiveInteger(name: string, value: string | undefined): number | null {
  if (value === undefined || value === '') return null;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, not "${value}"`);
  return n;
}

/**
 * A size between quick and full, from BENCH_DEFERRAL_TIMERS (how many timers in all): runs of at
 * most 1,000 tasks, and a lead time that leaves each try 30 ms to run and defer, as the full size,
 * or BENCH_DEFERRAL_LEAD_SECONDS (for a loaded machine, where tries run slower).
 */
export function deferralSizeFromEnv(env: NodeJS.ProcessEnv): DeferralSize | null {
  const timers = positiveInteger('BENCH_DEFERRAL_TIMERS', env.BENCH_DEFERRAL_TIMERS);
  if (timers === null) return null;
  const runs = Math.ceil(timers / 1000);
  const tasks = Math.ceil(timers / runs);
  const lead = positiveInteger('BENCH_DEFERRAL_LEAD_SECONDS', env.BENCH_DEFERRAL_LEAD_SECONDS);
  return { runs, tasks, leadSeconds: lead ?? Math.max(10, Math.ceil(runs * tasks * 0.03)) };
}
const DAG_ID = 'bench_deferral';

function dagFile(runs: number, tasks: number): string {
  return `import { dag, dateTimeTrigger, task } from 'gale/sdk';
// defers once to the run's conf.moment (even when it has passed), then ends with the event
const wait = task('wait', (ctx) => {
  if (ctx.triggerEvent !== undefined) return String(ctx.triggerEvent);
  return ctx.defer(dateTimeTrigger(String(ctx.conf.moment)));
});
dag({ dagId: '${DAG_ID}', maxActiveRuns: ${runs}, maxActiveTasks: ${tasks} }, () => {
  for (let i = 0; i < ${tasks}; i++) wait();
});
`;
}

export const deferral: Scenario = {
  name: 'deferral',
  description: 'R*T tasks deferred on timers in one triggerer: its RSS, and how late they resume',
  installation: 'own',
  skipReason() {
    const help = spawnSync(process.execPath, [CLI, '--help'], { encoding: 'utf8' });
    return /^\s+triggerer\b/m.test(help.stdout ?? '')
      ? null
      : 'this build has no "gale triggerer" (node dist/cli/main.js --help does not list it)';
  },
  async run(ctx) {
    const { runs, tasks, leadSeconds } = deferralSizeFromEnv(process.env) ?? sizeOf(ctx.options, SIZES);
    const total = runs * tasks;
    const gale = await ctx.newInstallation();
    gale.writeDag(`${DAG_ID}.ts`, dagFile(runs, tasks));
    gale.cli(['db', 'migrate']);
    const { db } = gale.db();
    await gale.startService('dag-processor');
    await gale.startService('scheduler');
    const triggerer = await gale.startService('triggerer', ['triggerer', '--capacity', String(total)]);
    if (gale.executor === 'queue') await gale.startWorkers(ctx.options.workers, await gale.startApiServer());
    await pollUntil(
      async () => {
        gale.assertRunning();
        return db.selectFrom('dag').select('dag_id').where('dag_id', '=', DAG_ID).executeTakeFirst();
      },
      { timeoutMs: 120_000, what: `${DAG_ID} to be stored` },
    );
    const idleRss = treeRssMb(triggerer.pid);

    const triggeredAt = Date.now();
    const moment = new Date(triggeredAt + leadSeconds * 1000);
    const runIds: string[] = [];
    for (let i = 0; i < runs; i++) {
      const out = gale.cli([
        'dags',
        'trigger',
        DAG_ID,
        '--conf',
        JSON.stringify({ moment: moment.toISOString() }),
        '--logical-date',
        new Date(triggeredAt - runs + i).toISOString(),
        '-o',
        'json',
      ]);
      runIds.push((JSON.parse(out) as { run_id: string }).run_id);
    }
    ctx.progress(`${total} tasks defer until ${moment.toISOString()}`);
    const rss = new PeakRss(() => (triggerer.hasExited ? [] : [triggerer.pid]), 250);
    const seen = { mostDeferred: 0, allDeferredAt: null as number | null };
    let peakRss = 0;
    try {
      const countDeferred = async () =>
        Number(
          (
            await db
              .selectFrom('task_instance')
              .select((eb) => eb.fn.countAll().as('n'))
              .where('dag_id', '=', DAG_ID)
              .where('state', '=', 'deferred')
              .executeTakeFirstOrThrow()
          ).n,
        );
      // until the moment, watch how many wait at once
      await pollUntil(
        async () => {
          gale.assertRunning();
          const n = await countDeferred();
          seen.mostDeferred = Math.max(seen.mostDeferred, n);
          if (n >= total) seen.allDeferredAt ??= Date.now();
          return Date.now() >= moment.getTime();
        },
        { timeoutMs: leadSeconds * 1000 + 60_000, what: 'the moment', intervalMs: 250 },
      );
      await waitForRuns(gale, DAG_ID, runIds, { timeoutMs: 120_000 + total * 500 });
    } finally {
      peakRss = rss.stop();
    }
    const tis = await taskTimings(gale, DAG_ID, runIds);
    const late = tis.map((t) => t.scheduledMs - moment.getTime()).filter(Number.isFinite);
    const figures: NewFigure[] = [
      { name: 'triggerer RSS, idle', value: idleRss, unit: 'MB', repetitions: 1 },
      { name: `triggerer RSS, peak with ${total} timers`, value: peakRss, unit: 'MB', repetitions: 1 },
      {
        name: `tasks deferred at once, at most (of ${total})`,
        value: seen.mostDeferred,
        unit: 'tasks',
        repetitions: 1,
      },
    ];
    if (seen.allDeferredAt !== null) {
      figures.push({
        name: `all ${total} tasks deferred, after triggering`,
        value: seen.allDeferredAt - triggeredAt,
        unit: 'ms',
        repetitions: 1,
      });
    }
    figures.push(...spread(`${total} timers at one moment: resumed (scheduled again) after it`, late));
    figures.push({
      name: `${total} timers at one moment: last resumed try ended after it`,
      value: maximum(tis.map((t) => t.endMs)) - moment.getTime(),
      unit: 'ms',
      repetitions: 1,
    });
    return figures;
  },
};
