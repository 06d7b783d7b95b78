/**
 * Human in the loop: the report is published only once a person approves it, from the task
 * instance page of the UI, the Required actions page, `gale hitl respond`, or the API. A
 * rejection skips the publishing; nobody answering within a day rejects it. Manual: trigger it
 * with `gale dags trigger example_hitl`.
 */
import { approval, dag, param, task } from 'gale/sdk';

const prepare = task('prepare_report', (ctx) => ({ rows: 42, day: ctx.ds }));

const publish = task(
  'publish',
  (ctx, report: { rows: number; day: string }, review: { paramsInput: { comment: string } }) => {
    ctx.log.info(
      `Publishing ${report.rows} rows for ${report.day}; reviewer said: ${review.paramsInput.comment}`,
    );
    return { published: true };
  },
);

dag(
  {
    dagId: 'example_hitl',
    description: 'A report published after a human approves it',
    schedule: null,
    tags: ['example', 'hitl'],
  },
  () => {
    const report = prepare();
    const review = approval<{ comment: string }>('approve_report', {
      subject: (ctx) => `Publish the report of ${ctx.ds}?`,
      body: 'Check the figures in the prepare_report output first.',
      params: { comment: param('', { type: 'string', description: 'a note for the log' }) },
      timeout: '1d',
      defaultOutcome: 'Reject',
    });
    report.then(review);
    publish(report, review);
  },
);
