/**
 * Control flow: a branch picks the path from the run's conf, a short-circuit skips what follows it
 * on weekends, latest-only skips the report on catch-up runs, and a sensor in reschedule mode waits
 * without holding a worker slot between its pokes. Manual: `gale dags trigger example_branching
 * --conf '{"size": 5000}'`.
 */
import { branch, dag, latestOnly, sensor, shortCircuit, task } from 'gale/sdk';

// returns the task id (or ids) to follow; the other direct downstream tasks are skipped
const route = branch('route', (ctx) => (Number(ctx.params.size) > 1000 ? 'big_load' : 'small_load'));
const load = task('load', (ctx) => `${ctx.taskId} loaded`);
const weekday = shortCircuit('weekday_only', (ctx) => ![0, 6].includes(ctx.logicalDate.getUTCDay()));
const report = task({ taskId: 'report', triggerRule: 'none_failed_min_one_success' }, () => 'reported');

dag(
  {
    dagId: 'example_branching',
    description: 'Branch, short-circuit, latest-only and a reschedule-mode sensor',
    schedule: null,
    params: { size: 10 },
    tags: ['example', 'branching', 'sensor'],
  },
  () => {
    // pokes every second, and frees its slot between pokes (state up_for_reschedule)
    const settled = sensor(
      { taskId: 'settled', mode: 'reschedule', pokeInterval: '1s', timeout: '5m' },
      (ctx) => Date.now() >= ctx.logicalDate.getTime() + 2_000,
    );
    const big = load.override({ taskId: 'big_load' })();
    const small = load.override({ taskId: 'small_load' })();
    settled.then(route()).then([big, small]);
    const done = report();
    big.then(done);
    small.then(done);
    done
      .then(weekday())
      .then(latestOnly())
      .then(task('notify', () => 'sent')());
  },
);
