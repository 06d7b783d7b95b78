/** A DAG runs to success through the real scheduler and through `gale dags test`. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type GaleHome, makeGaleHome, runsOf, taskStates, waitFor } from '../support/gale-home.js';

const THREE_TASKS = `
import { dag, task, shell } from 'gale/sdk';
const extract = task('extract', (ctx) => ({ rows: [1, 2, 3], ds: ctx.ds }));
const total = task('total', (ctx, data: { rows: number[] }) => {
  ctx.log.info('summing ' + data.rows.length + ' rows');
  return data.rows.reduce((a, b) => a + b, 0);
});
dag({ dagId: 'three', schedule: null, params: { who: 'gale' } }, () => {
  const t = total(extract());
  t.then(shell('report', 'echo "total for {{ ds }} by {{ params.who }}"'));
});
`;

describe('running a DAG', () => {
  let g: GaleHome;
  afterEach(() => g?.cleanup());

  it('a three-task DAG runs to success through the scheduler, passing outputs downstream', async () => {
    g = makeGaleHome();
    g.writeDag('three.ts', THREE_TASKS);
    const standalone = g.start(['standalone']);
    await waitFor(() => g.gale(['dags', 'list', '-o', 'json']).stdout.includes('"three"'), {
      what: 'the DAG to be parsed',
      seen: () => standalone.output(),
    });
    const trigger = g.gale(['dags', 'trigger', 'three', '-o', 'json']);
    expect(trigger.code, trigger.stderr).toBe(0);
    const runId = JSON.parse(trigger.stdout).run_id as string;
    await waitFor(() => runsOf(g.db(), 'three')[0]?.state === 'success', {
      what: 'the run to succeed',
      seen: () => ({ states: taskStates(g.db(), 'three'), out: standalone.output().slice(-2000) }),
    });
    expect(taskStates(g.db(), 'three', runId)).toEqual({
      extract: 'success',
      total: 'success',
      report: 'success',
    });
    const xcom = g
      .db()
      .prepare("select value from xcom where dag_id = 'three' and task_id = 'total'")
      .get() as { value: string };
    expect(JSON.parse(xcom.value)).toBe(6);
    const report = g
      .db()
      .prepare("select value from xcom where dag_id = 'three' and task_id = 'report'")
      .get() as { value: string };
    expect(JSON.parse(report.value)).toMatch(/^total for \d{4}-\d{2}-\d{2} by gale$/);
    const logDir = join(g.home, 'logs', 'dag_id=three', `run_id=${runId}`, 'task_id=total');
    expect(readdirSync(logDir)).toEqual(['attempt=1.log']);
    expect(readFileSync(join(logDir, 'attempt=1.log'), 'utf8')).toMatch(
      /^\[\d{4}-\d{2}-\d{2}T[\d:.]+Z\] INFO {2}summing 3 rows$/m,
    );
    await standalone.stop();
  });

  it('gale dags test runs the DAG in-process with logs to the terminal', () => {
    g = makeGaleHome();
    g.writeDag('three.ts', THREE_TASKS);
    const migrate = g.gale(['db', 'migrate']);
    expect(migrate.code, migrate.stderr).toBe(0);
    const result = g.gale(['dags', 'test', 'three', '--conf', '{"who":"tester"}']);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain('total | ');
    expect(result.stdout).toMatch(/report \| .*total for \d{4}-\d{2}-\d{2} by tester/);
    expect(result.stdout).toMatch(/DAG run dags_test__\S+: success/);
    expect(existsSync(join(g.home, 'logs', 'dag_id=three'))).toBe(true);
  });

  it('gale dags test exits non-zero when a task fails', () => {
    g = makeGaleHome();
    g.writeDag(
      'bad.ts',
      `import { dag, task } from 'gale/sdk';
       dag({ dagId: 'bad' }, () => { task('boom', () => { throw new Error('kaboom'); })(); });`,
    );
    expect(g.gale(['db', 'migrate']).code).toBe(0);
    const result = g.gale(['dags', 'test', 'bad']);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('kaboom');
    expect(result.stdout).toMatch(/DAG run \S+: failed/);
  });
});
