/**
 * Fails on purpose: `always_fails` retries twice, then fails; `cleanup` still runs (trigger rule
 * all_done) and `report` is marked upstream_failed. Trigger it by hand: gale dags trigger example_failure
 */
import { dag, task } from 'gale/sdk';

dag(
  {
    dagId: 'example_failure',
    description: 'Shows retries and failure handling',
    schedule: null,
    tags: ['example'],
  },
  () => {
    const fails = task({ taskId: 'always_fails', retries: 2, retryDelay: '1s' }, (ctx) => {
      ctx.log.warn(`try ${ctx.tryNumber} of ${ctx.maxTries + 1}`);
      throw new Error('this task always fails');
    })();
    const report = task('report', () => 'never runs')();
    const cleanup = task({ taskId: 'cleanup', triggerRule: 'all_done' }, (ctx) => {
      ctx.log.info('cleaning up whatever happened upstream');
    })();
    fails.then([report, cleanup]);
  },
);
