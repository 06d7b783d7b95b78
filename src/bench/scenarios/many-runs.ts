/**
 * Throughput, many runs: R runs of a DAG of T independent no-op tasks, triggered while it is
 * paused and then released at once by unpausing it (maxActiveRuns R). Task instances per second
 * from the first run's start to the last run's end, and the wall time from the unpause to the
 * last run's end (which includes the scheduler noticing the unpause).
 */
import { burstDates } from '../api-client.js';
import { runSpan, waitForRuns } from '../dag-runs.js';
import { median, type NewFigure, perSecond } from '../figures.js';
import { NOOP_HEADER, type Scenario, sizeOf, timeoutFor } from './scenario.js';

const SIZES = { quick: { runs: 5, tasks: 4 }, full: { runs: 100, tasks: 10 } };
const DAG_ID = 'bench_many_runs';

export const manyRuns: Scenario = {
  name: 'many-runs',
  description: 'R runs of a T-task DAG released at once: task instances per second, wall time',
  installation: 'shared',
  dagFiles(options) {
    const { runs, tasks } = sizeOf(options, SIZES);
    return {
      [`${DAG_ID}.ts`]: `${NOOP_HEADER}dag({ dagId: '${DAG_ID}', maxActiveRuns: ${runs}, maxActiveTasks: ${tasks} }, () => {
  for (let i = 0; i < ${tasks}; i++) noop();
});
`,
    };
  },
  async run(ctx) {
    const { runs, tasks } = sizeOf(ctx.options, SIZES);
    const { installation, api } = ctx.shared();
    const rates: number[] = [];
    const walls: number[] = [];
    for (let r = 0; r < ctx.options.repeat; r++) {
      await api.setPaused(DAG_ID, true);
      const runIds: string[] = [];
      for (const date of burstDates(runs)) runIds.push(await api.trigger(DAG_ID, date));
      const released = Date.now();
      await api.setPaused(DAG_ID, false);
      const timings = await waitForRuns(installation, DAG_ID, runIds, {
        timeoutMs: timeoutFor(runs * tasks),
      });
      const span = runSpan(timings);
      rates.push(perSecond(runs * tasks, span.ms));
      walls.push(span.endMs - released);
    }
    const label = `${runs} runs x ${tasks} tasks`;
    const figures: NewFigure[] = [
      {
        name: `${label}: task instances per second`,
        value: median(rates),
        unit: 'tasks/s',
        repetitions: rates.length,
      },
      {
        name: `${label}: wall time, unpause to last run end`,
        value: median(walls),
        unit: 'ms',
        repetitions: walls.length,
      },
    ];
    return figures;
  },
};
