/**
 * Latency along a chain: one run of N no-op tasks in a chain; for each task, its start (the try
 * claimed) minus its upstream's end (the result recorded), and the run's wall time from the first
 * start to the last end. All times are the ones Gale recorded in the database.
 */
import { burstDates } from '../api-client.js';
import { taskTimings, waitForRuns } from '../dag-runs.js';
import { median, type NewFigure, spread } from '../figures.js';
import { NOOP_HEADER, type Scenario, sizeOf, timeoutFor } from './scenario.js';

const SIZES = { quick: { length: 5 }, full: { length: 50 } };
const DAG_ID = 'bench_chain';

export const chain: Scenario = {
  name: 'chain',
  description: 'a chain of no-op tasks: gap from each task end to the next start (p50, p95, max), wall time',
  installation: 'shared',
  dagFiles(options) {
    const { length } = sizeOf(options, SIZES);
    return {
      [`${DAG_ID}.ts`]: `${NOOP_HEADER}dag({ dagId: '${DAG_ID}' }, () => {
  chain(...Array.from({ length: ${length} }, () => noop()));
});
`,
    };
  },
  async run(ctx) {
    const { length } = sizeOf(ctx.options, SIZES);
    const { installation, api } = ctx.shared();
    const gaps: number[] = [];
    const walls: number[] = [];
    for (let r = 0; r < ctx.options.repeat; r++) {
      const runId = await api.trigger(DAG_ID, burstDates(1)[0]!);
      await waitForRuns(installation, DAG_ID, [runId], { timeoutMs: timeoutFor(length) });
      // in a chain, start order is chain order
      const tis = await taskTimings(installation, DAG_ID, [runId]);
      for (let i = 1; i < tis.length; i++) gaps.push(tis[i]!.startMs - tis[i - 1]!.endMs);
      walls.push(tis.at(-1)!.endMs - tis[0]!.startMs);
    }
    const figures: NewFigure[] = spread(
      `chain of ${length}: gap from a task's end to the next one's start`,
      gaps,
    );
    figures.push({
      name: `chain of ${length}: wall time, first start to last end`,
      value: median(walls),
      unit: 'ms',
      repetitions: walls.length,
    });
    return figures;
  },
};
