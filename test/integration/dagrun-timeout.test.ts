/** dagrunTimeout: a run still unfinished after it fails, its unfinished tasks skipped and their processes stopped. */
import { afterEach, expect, it } from 'vitest';
import { type GaleHome, isAlive, makeGaleHome, runsOf, taskStates, waitFor } from '../support/gale-home.js';

let g: GaleHome;
afterEach(() => g?.cleanup());

it('a run past its dagrunTimeout fails and its unfinished tasks are skipped, as Airflow', async () => {
  g = makeGaleHome();
  g.writeDag(
    'slow-run.ts',
    `import { dag, task } from 'gale/sdk';
     dag({ dagId: 'slow_run', dagrunTimeout: '2s' }, () => {
       const quick = task('quick', () => 1)();
       const slow = task('slow', () => new Promise((r) => setTimeout(r, 60_000)))();
       quick.then(slow);
       slow.then(task('after', () => 2)());
     });`,
  );
  const s = g.start(['standalone']);
  await waitFor(() => g.gale(['dags', 'list', '-o', 'json']).stdout.includes('"slow_run"'), {
    what: 'the DAG to be parsed',
  });
  const runId = JSON.parse(g.gale(['dags', 'trigger', 'slow_run', '-o', 'json']).stdout).run_id as string;
  const pid = await waitFor(
    () =>
      (
        g
          .db()
          .prepare(
            "select pid from task_instance where dag_id = 'slow_run' and task_id = 'slow' and state = 'running'",
          )
          .get() as { pid: number } | undefined
      )?.pid,
    { what: 'the slow task to run' },
  );
  await waitFor(() => runsOf(g.db(), 'slow_run')[0]?.state === 'failed', {
    what: 'the run to time out',
    seen: () => taskStates(g.db(), 'slow_run', runId),
  });
  expect(taskStates(g.db(), 'slow_run', runId)).toEqual({
    quick: 'success',
    slow: 'skipped',
    after: 'skipped',
  });
  // The slow try learns at its next heartbeat that it no longer runs, and its process goes.
  await waitFor(() => !isAlive(pid), { what: `the slow task's process ${pid} to stop`, timeoutMs: 15_000 });
  await s.stop();
});
