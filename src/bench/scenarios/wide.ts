/**
 * Throughput, wide: one run of N independent no-op tasks (maxActiveTasks N, so only
 * core.parallelism and the pool bound it): task instances completed per second from the run's
 * start to its end. First with the warm task processes still to be started (cold pool), then with
 * them started (warm pool: after unmeasured runs until the pool stops growing). Samples the RSS of the Gale process trees meanwhile: that peak is the
 * footprint scenario's.
 */
import { burstDates } from '../api-client.js';
import { runSpan, waitForRuns } from '../dag-runs.js';
import { median, type NewFigure, perSecond, round } from '../figures.js';
import { PeakRss, treeCpuMs, treeCpuWithEndedMs, treeSize } from '../process-tree.js';
import { NOOP_HEADER, type Scenario, sizeOf, timeoutFor } from './scenario.js';

const SIZES = { quick: { tasks: 10, fresh: 4 }, full: { tasks: 1000, fresh: 100 } };
const DAG_ID = 'bench_wide';
/** the same with freshProcess: a new task process per try (smaller: each costs a Node.js start) */
const FRESH_DAG_ID = 'bench_wide_fresh';

export const wide: Scenario = {
  name: 'wide',
  description: 'one run of N parallel no-op tasks: task instances per second, run start to run end',
  installation: 'shared',
  dagFiles(options) {
    const { tasks, fresh } = sizeOf(options, SIZES);
    return {
      [`${DAG_ID}.ts`]: `${NOOP_HEADER}dag({ dagId: '${DAG_ID}', maxActiveTasks: ${tasks} }, () => {
  for (let i = 0; i < ${tasks}; i++) noop();
});
`,
      [`${FRESH_DAG_ID}.ts`]: `import { dag, task } from 'gale/sdk';
const noop = task({ taskId: 'noop', freshProcess: true }, () => undefined);
dag({ dagId: '${FRESH_DAG_ID}', maxActiveTasks: ${fresh} }, () => {
  for (let i = 0; i < ${fresh}; i++) noop();
});
`,
    };
  },
  async run(ctx) {
    const { tasks, fresh } = sizeOf(ctx.options, SIZES);
    const { installation, api } = ctx.shared();
    const figures: NewFigure[] = [];
    const runOnce = async (dagId = DAG_ID, n = tasks) => {
      const runId = await api.trigger(dagId, burstDates(1)[0]!);
      return waitForRuns(installation, dagId, [runId], { timeoutMs: timeoutFor(n) });
    };
    // the first run starts the warm task processes it needs; the next ones find them started
    for (const pool of ['cold', 'warm'] as const) {
      if (pool === 'warm') {
        // The pool grows while tries wait, a process or two at a time: the cold run may end before
        // it is whole. Unmeasured runs until it stops growing (at most 3), so that "warm" measures
        // started processes, not the last ones starting.
        let size = treeSize(installation.pids);
        for (let i = 0; i < 3; i++) {
          await runOnce();
          const grown = treeSize(installation.pids);
          if (grown <= size) break;
          size = grown;
        }
      }
      const rates: number[] = [];
      const peaks: number[] = [];
      const cpu: number[] = [];
      for (let r = 0; r < (pool === 'cold' ? 1 : ctx.options.repeat); r++) {
        const rss = new PeakRss(() => installation.pids);
        const cpuBefore = treeCpuMs(installation.pids);
        try {
          const runs = await runOnce();
          rates.push(perSecond(tasks, runSpan(runs).ms));
          cpu.push(round((treeCpuMs(installation.pids) - cpuBefore) / tasks, 3));
        } finally {
          peaks.push(rss.stop());
        }
      }
      figures.push({
        name: `${tasks} parallel no-op tasks, ${pool} pool: task instances per second`,
        value: median(rates),
        unit: 'tasks/s',
        repetitions: rates.length,
      });
      figures.push({
        name: `${tasks} parallel no-op tasks, ${pool} pool: CPU time per task instance, Gale process trees`,
        value: median(cpu),
        unit: 'ms',
        repetitions: cpu.length,
      });
      figures.push({
        scenario: 'footprint',
        name: `peak RSS during wide (${tasks} tasks, ${pool} pool), Gale process trees`,
        value: median(peaks),
        unit: 'MB',
        repetitions: peaks.length,
      });
    }
    // Every try in a new task process (freshProcess): what a Node.js start costs per try.
    const cpuBefore = treeCpuWithEndedMs(installation.pids);
    const freshRuns = await runOnce(FRESH_DAG_ID, fresh);
    const freshCpu = round((treeCpuWithEndedMs(installation.pids) - cpuBefore) / fresh, 3);
    figures.push({
      name: `${fresh} parallel no-op tasks, a new process per try: task instances per second`,
      value: perSecond(fresh, runSpan(freshRuns).ms),
      unit: 'tasks/s',
      repetitions: 1,
    });
    figures.push({
      name: `${fresh} parallel no-op tasks, a new process per try: CPU time per task instance, Gale process trees`,
      value: freshCpu,
      unit: 'ms',
      repetitions: 1,
    });
    return figures;
  },
};
