/**
 * Throughput by DAG shape, as Airflow's performance DAG (performance_dag.py, PERF_SHAPE) builds
 * them, N DAGs of M no-op tasks each: no structure, linear, binary tree (task i upstream of task
 * (i - 1) / 2, so the tree converges on task 0), star (every task upstream of task 0) and grid
 * (the triangle where (i + 1, j) and (i, j + 1) are upstream of (i, j)), with the edges as
 * Airflow's code sets them. One run of each of the N DAGs triggered at once; task instances per
 * second and wall time from the first run's start to the last run's end.
 */
import { type RunTiming, runSpan, waitForRuns } from '../dag-runs.js';
import { median, type NewFigure, perSecond } from '../figures.js';
import { NOOP_HEADER, type Scenario, sizeOf, timeoutFor } from './scenario.js';

const SIZES = { quick: { dags: 2, tasks: 6 }, full: { dags: 10, tasks: 100 } };

/** The wiring of `t`, the DAG's tasks in creation order, as JavaScript in a DAG file. */
const SHAPES = {
  no_structure: '',
  linear: 'for (let i = 1; i < t.length; i++) t[i].after(t[i - 1]);',
  binary_tree: 'for (let i = 1; i < t.length; i++) t[Math.floor((i - 1) / 2)].after(t[i]);',
  star: 't[0].after(t.slice(1));',
  grid: `let g = 0;
    while ((g * (g + 1)) / 2 < t.length) g++;
    const at = (i, j) => g * i - (i * (i - 1)) / 2 + j;
    for (let i = 0; i < g - 1; i++) {
      for (let j = 0; j < g - i - 1; j++) {
        if (at(i + 1, j) < t.length) t[at(i, j)].after(t[at(i + 1, j)]);
        if (at(i, j + 1) < t.length) t[at(i, j)].after(t[at(i, j + 1)]);
      }
    }`,
} as const;
type Shape = keyof typeof SHAPES;

const dagId = (shape: Shape, n: number) => `bench_shape_${shape}_${n}`;

export const shapes: Scenario = {
  name: 'shapes',
  description:
    "Airflow's performance-DAG shapes, N DAGs x M tasks each: task instances per second, wall time",
  installation: 'shared',
  dagFiles(options) {
    const { dags, tasks } = sizeOf(options, SIZES);
    const files: Record<string, string> = {};
    for (const [shape, wiring] of Object.entries(SHAPES)) {
      files[`bench_shape_${shape}.ts`] = `${NOOP_HEADER}for (let d = 1; d <= ${dags}; d++) {
  dag({ dagId: \`bench_shape_${shape}_\${d}\`, maxActiveTasks: ${tasks} }, () => {
    const t = Array.from({ length: ${tasks} }, () => noop());
    ${wiring}
  });
}
`;
    }
    return files;
  },
  async run(ctx) {
    const { dags, tasks } = sizeOf(ctx.options, SIZES);
    const { installation, api } = ctx.shared();
    const figures: NewFigure[] = [];
    for (const shape of Object.keys(SHAPES) as Shape[]) {
      const rates: number[] = [];
      const walls: number[] = [];
      for (let r = 0; r < ctx.options.repeat; r++) {
        const logicalDate = new Date();
        const ids = Array.from({ length: dags }, (_, i) => dagId(shape, i + 1));
        const runIds = await Promise.all(ids.map((id) => api.trigger(id, logicalDate)));
        const runs: RunTiming[] = [];
        for (const [i, id] of ids.entries()) {
          runs.push(
            ...(await waitForRuns(installation, id, [runIds[i]!], { timeoutMs: timeoutFor(dags * tasks) })),
          );
        }
        const span = runSpan(runs);
        rates.push(perSecond(dags * tasks, span.ms));
        walls.push(span.ms);
      }
      const label = `${shape}, ${dags} DAGs x ${tasks} tasks`;
      figures.push(
        {
          name: `${label}: task instances per second`,
          value: median(rates),
          unit: 'tasks/s',
          repetitions: rates.length,
        },
        {
          name: `${label}: wall time, first run start to last run end`,
          value: median(walls),
          unit: 'ms',
          repetitions: walls.length,
        },
      );
    }
    return figures;
  },
};
