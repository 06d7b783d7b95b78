/**
 * API latency: with at least K task instances in the database (the earlier scenarios' plus real
 * runs of a DAG of no-op tasks to make up the rest), autocannon loads two list routes of the REST
 * API for a bounded time from this process, on loopback only: listing DAGs and listing task
 * instances across all DAGs and runs. p50 and p99 latency, and requests per second.
 */
import autocannon from 'autocannon';
import { burstDates } from '../api-client.js';
import { waitForRuns } from '../dag-runs.js';
import { type NewFigure, round } from '../figures.js';
import { NOOP_HEADER, type Scenario, sizeOf, timeoutFor } from './scenario.js';

const SIZES = {
  quick: { taskInstances: 200, tasksPerRun: 10, seconds: 2, connections: 4 },
  full: { taskInstances: 10_000, tasksPerRun: 100, seconds: 10, connections: 10 },
};
const DAG_ID = 'bench_api';

const ROUTES = [
  { label: 'list DAGs', path: '/api/v2/dags?limit=100' },
  { label: 'list task instances', path: '/api/v2/dags/~/dagRuns/~/taskInstances?limit=100' },
];

export const api: Scenario = {
  name: 'api',
  description: 'REST API under load with K task instances stored: p50/p99 latency of two list routes',
  installation: 'shared',
  dagFiles(options) {
    const { tasksPerRun } = sizeOf(options, SIZES);
    return {
      [`${DAG_ID}.ts`]: `${NOOP_HEADER}dag({ dagId: '${DAG_ID}', maxActiveRuns: 1000, maxActiveTasks: ${tasksPerRun} }, () => {
  for (let i = 0; i < ${tasksPerRun}; i++) noop();
});
`,
    };
  },
  async run(ctx) {
    const size = sizeOf(ctx.options, SIZES);
    const { installation, api } = ctx.shared();
    const { db } = installation.db();
    const countTis = async () =>
      Number(
        (
          await db
            .selectFrom('task_instance')
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const missing = size.taskInstances - (await countTis());
    if (missing > 0) {
      const runs = Math.ceil(missing / size.tasksPerRun);
      ctx.progress(`running ${runs} runs of ${DAG_ID} to have ${size.taskInstances} task instances`);
      const runIds: string[] = [];
      for (const date of burstDates(runs)) runIds.push(await api.trigger(DAG_ID, date));
      await waitForRuns(installation, DAG_ID, runIds, { timeoutMs: timeoutFor(runs * size.tasksPerRun) });
    }
    const stored = await countTis();
    const figures: NewFigure[] = [
      { name: 'task instances in the database', value: stored, unit: 'task instances', repetitions: 1 },
    ];
    for (const route of ROUTES) {
      const result = await autocannon({
        url: `${api.baseUrl}${route.path}`,
        headers: { authorization: api.authorization },
        connections: size.connections,
        duration: size.seconds,
      });
      if (result.non2xx > 0 || result.errors > 0) {
        throw new Error(
          `bench: GET ${route.path} answered ${result.non2xx} non-2xx responses and ${result.errors} errors under load`,
        );
      }
      const answered = result['2xx'];
      const label = `${route.label} (${size.connections} connections, ${size.seconds} s)`;
      figures.push(
        {
          name: `${label}: latency p50`,
          value: round(result.latency.p50, 1),
          unit: 'ms',
          repetitions: answered,
        },
        {
          name: `${label}: latency p99`,
          value: round(result.latency.p99, 1),
          unit: 'ms',
          repetitions: answered,
        },
        {
          name: `${label}: requests per second`,
          value: round(answered / result.duration, 1),
          unit: 'requests/s',
          repetitions: 1,
        },
      );
    }
    return figures;
  },
};
