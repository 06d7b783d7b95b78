/** gale tasks list|test|state|clear|states-for-dag-run against real runs, and the output size limit. */
import { afterEach, describe, expect, it } from 'vitest';
import { type GaleHome, makeGaleHome, runsOf, taskStates, waitFor } from '../support/gale-home.js';

const DAG = `
import { existsSync } from 'node:fs';
import { dag, task } from 'gale/sdk';
const first = task('first', (ctx) => 21);
const second = task('second', (ctx, n: number) => {
  if (!existsSync(process.env.GALE_HOME + '/let-it-pass')) throw new Error('not yet');
  return n * 2;
});
const big = task('big', () => 'x'.repeat(2000));
dag({ dagId: 'cmds' }, () => { second(first()); });
dag({ dagId: 'too_big' }, () => { big(); });
`;

describe('task commands', () => {
  let g: GaleHome;
  afterEach(() => g?.cleanup());

  it('lists, tests, shows and clears task instances; a cleared failed task runs again', async () => {
    g = makeGaleHome({ GALE__CORE__MAX_OUTPUT_SIZE: '1000' });
    g.writeDag('cmds.ts', DAG);
    const s = g.start(['standalone']);
    await waitFor(() => g.gale(['dags', 'list', '-o', 'json']).stdout.includes('"cmds"'), {
      what: 'the DAGs to be parsed',
      seen: () => s.output(),
    });

    const list = JSON.parse(g.gale(['tasks', 'list', 'cmds', '-o', 'json']).stdout) as {
      task_id: string;
      upstream: string[];
    }[];
    expect(list.map((t) => [t.task_id, t.upstream])).toEqual([
      ['first', []],
      ['second', ['first']],
    ]);
    const test = g.gale(['tasks', 'test', 'cmds', 'first']);
    expect(test.code, test.stderr).toBe(0);
    expect(test.stdout).toContain('Output: 21');

    const runId = JSON.parse(g.gale(['dags', 'trigger', 'cmds', '-o', 'json']).stdout).run_id as string;
    await waitFor(() => runsOf(g.db(), 'cmds')[0]?.state === 'failed', {
      what: 'the run to fail',
      seen: () => taskStates(g.db(), 'cmds'),
    });
    expect(g.gale(['tasks', 'state', 'cmds', runId, 'second']).stdout.trim()).toBe('failed');
    const states = JSON.parse(
      g.gale(['tasks', 'states-for-dag-run', 'cmds', runId, '-o', 'json']).stdout,
    ) as { task_id: string; state: string }[];
    expect(states.map((t) => [t.task_id, t.state])).toEqual([
      ['first', 'success'],
      ['second', 'failed'],
    ]);
    // tasks test with --run-id takes the upstream output from that run.
    const withRun = g.gale(['tasks', 'test', 'cmds', 'second', '--run-id', runId]);
    expect(withRun.stdout + withRun.stderr).toContain('not yet');

    g.gale(['tasks', 'clear', 'cmds', '--run-id', runId, '--only-failed']); // refused without --yes
    expect(g.gale(['tasks', 'state', 'cmds', runId, 'second']).stdout.trim()).toBe('failed');
    (await import('node:fs')).writeFileSync(`${g.home}/let-it-pass`, '');
    const clear = g.gale(['tasks', 'clear', 'cmds', '--run-id', runId, '--only-failed', '--yes']);
    expect(clear.code, clear.stderr).toBe(0);
    expect(clear.stdout).toContain('1 task instance(s) cleared');
    const audit = g.db().prepare('select event, dag_id, owner from log order by id').all() as {
      event: string;
      dag_id: string;
      owner: string;
    }[];
    expect(audit.map((a) => a.event)).toEqual(['trigger', 'clear']);
    expect(audit[1]?.owner).toMatch(/^cli:/);
    await waitFor(() => runsOf(g.db(), 'cmds')[0]?.state === 'success', {
      what: 'the cleared run to succeed',
      seen: () => taskStates(g.db(), 'cmds'),
    });
    const tries = g
      .db()
      .prepare(
        "select task_id, try_number, state from task_instance_try where dag_id = 'cmds' order by task_id, try_number",
      )
      .all();
    expect(tries).toEqual([
      { task_id: 'first', try_number: 1, state: 'success' },
      { task_id: 'second', try_number: 1, state: 'failed' },
      { task_id: 'second', try_number: 2, state: 'success' },
    ]);
    const xcom = g
      .db()
      .prepare("select value from xcom where dag_id = 'cmds' and task_id = 'second'")
      .get() as { value: string };
    expect(JSON.parse(xcom.value)).toBe(42);

    // An output over core.max_output_size fails the try with a message that says so.
    g.gale(['dags', 'trigger', 'too_big']);
    await waitFor(() => runsOf(g.db(), 'too_big')[0]?.state === 'failed', {
      what: 'the too_big run to fail',
    });
    const error = g.db().prepare("select error from task_instance_try where dag_id = 'too_big'").get() as {
      error: string;
    };
    expect(error.error).toContain('core.max_output_size');
    await s.stop();
  });
});
