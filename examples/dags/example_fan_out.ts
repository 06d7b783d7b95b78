/** Fan-out / fan-in with retries: three parallel branches, one flaky, then a join. */
import { chain, dag, task } from 'gale/sdk';

const start = task('start', () => 'go');

const branch = task({ taskId: 'branch', retries: 2, retryDelay: '2s' }, (ctx, n: number) => {
  // Fails on its first try now and then, to show retries.
  if (n === 2 && ctx.tryNumber === 1 && Math.random() < 0.5)
    throw new Error('flaky upstream service, will retry');
  return n * n;
});

const join = task('join', (ctx, a: number, b: number, c: number) => {
  ctx.log.info(`sum of squares: ${a + b + c}`);
  return a + b + c;
});

dag(
  {
    dagId: 'example_fan_out',
    description: 'Parallel branches joined, with retries',
    schedule: '30m',
    startDate: '2026-01-01',
    tags: ['example'],
  },
  () => {
    const s = start();
    const one = branch(1);
    const two = branch(2);
    const three = branch(3);
    chain(s, [one, two, three]);
    join(one, two, three);
  },
);
