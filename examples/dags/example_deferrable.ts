/**
 * Deferrable tasks: the sensors wait in the triggerer, not in a worker slot, and a task can defer
 * on a trigger of its own and resume with a function named in defer(). Manual: trigger it with
 * `gale dags trigger example_deferrable`.
 */
import { dag, task, timeDeltaTrigger, waitFor, waitUntil } from 'gale/sdk';

const poll = task(
  {
    taskId: 'poll_job',
    resume: {
      // runs in a new process when the trigger fires: its event, and the kwargs given to defer()
      finished: (ctx, firedAt: string, kwargs) => {
        ctx.log.info(`job ${String(kwargs.job)} checked at ${firedAt}`);
        return { job: kwargs.job, checkedAt: firedAt };
      },
    },
  },
  (ctx) =>
    ctx.defer(timeDeltaTrigger('5s'), { method: 'finished', kwargs: { job: ctx.runId }, timeout: '1m' }),
);

dag(
  {
    dagId: 'example_deferrable',
    description: 'Sensors and a task that defer to the triggerer',
    schedule: null,
    tags: ['example', 'deferrable'],
  },
  () => {
    const settle = waitFor('ten_seconds_after_trigger', '10s');
    const minute = waitUntil(
      'next_minute',
      (ctx) => new Date(Math.ceil((ctx.logicalDate.getTime() + 1) / 60_000) * 60_000),
    );
    settle.then(minute).then(poll());
  },
);
