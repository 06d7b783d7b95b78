/**
 * Mapped task groups (taskGroup().expand(), Airflow's @task_group .expand()) driven by the real
 * scheduler: a group of two tasks mapped over an upstream list of 3 runs 3 x 2 instances; instance
 * i of the second task waits only for instance i of the first (the others go on while one is held
 * back); each instance gets its element and its map index; the task after the group reduces every
 * output of the group's last task, in map index order.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type GaleHome, makeGaleHome, runsOf, waitFor } from '../support/gale-home.js';

const DAGS = `import { existsSync } from 'node:fs';
import { dag, type GroupArgs, task, taskGroup } from 'gale/sdk';
const numbers = task('numbers', () => [1, 2, 3]);
const double = task('double', async (ctx, x: number) => {
  // instance 1 is held back until the test lets it go
  while (ctx.mapIndex === 1 && !existsSync(process.env.GALE_HOME + '/release')) await new Promise((r) => setTimeout(r, 50));
  return x * 2;
});
const label = task('label', (ctx, doubled: number) => {
  ctx.log.info('labelling map index ' + ctx.mapIndex);
  return ctx.mapIndex + ':' + doubled;
});
const reduce = task('reduce', (_ctx, labels: string[]) => labels.join(','));
dag({ dagId: 'mapped_group' }, () => {
  const labels = taskGroup('g', ({ x }: GroupArgs<{ x: number }>) => label(double(x))).expand({ x: numbers() });
  reduce(labels);
});
`;

interface Ti {
  task_id: string;
  map_index: number;
  state: string;
}

describe('mapped task groups', () => {
  let g: GaleHome;
  afterEach(() => g?.cleanup());

  const instances = (): Ti[] =>
    g
      .db()
      .prepare(
        "select task_id, map_index, state from task_instance where dag_id = 'mapped_group' order by task_id, map_index",
      )
      .all() as Ti[];
  const stateOf = (taskId: string, mapIndex: number) =>
    instances().find((t) => t.task_id === taskId && t.map_index === mapIndex)?.state;

  it('runs every task of the group per element, instance i after instance i, then the reduce', async () => {
    g = makeGaleHome();
    g.writeDag('mapped_group.ts', DAGS);
    g.start(['standalone']);
    await waitFor(() => g.gale(['dags', 'list', '-o', 'json']).stdout.includes('"mapped_group"'), {
      what: 'the DAG to be parsed',
      timeoutMs: 90_000,
    });
    const trigger = g.gale(['dags', 'trigger', 'mapped_group', '-o', 'json']);
    expect(trigger.code, trigger.stderr).toBe(0);
    const runId = JSON.parse(trigger.stdout).run_id as string;

    // instances 0 and 2 of label run while double[1] is held: per-index dependencies, not all-of-double
    await waitFor(() => stateOf('g.label', 0) === 'success' && stateOf('g.label', 2) === 'success', {
      what: 'label[0] and label[2] to succeed',
      timeoutMs: 90_000,
      seen: instances,
    });
    expect(stateOf('g.double', 1)).toBe('running');
    expect(stateOf('g.label', 1)).toBe('none');
    expect(stateOf('reduce', -1)).toBe('none');

    writeFileSync(join(g.home, 'release'), '');
    await waitFor(() => ['success', 'failed'].includes(runsOf(g.db(), 'mapped_group')[0]?.state ?? ''), {
      what: 'the run to end',
      timeoutMs: 90_000,
      seen: instances,
    });
    expect(runsOf(g.db(), 'mapped_group')[0]?.state).toBe('success');
    expect(instances().map((t) => [t.task_id, t.map_index, t.state])).toEqual([
      ['g.double', 0, 'success'],
      ['g.double', 1, 'success'],
      ['g.double', 2, 'success'],
      ['g.label', 0, 'success'],
      ['g.label', 1, 'success'],
      ['g.label', 2, 'success'],
      ['numbers', -1, 'success'],
      ['reduce', -1, 'success'],
    ]);
    const reduced = g
      .db()
      .prepare("select value from xcom where dag_id = 'mapped_group' and task_id = 'reduce'")
      .get() as { value: string };
    expect(JSON.parse(reduced.value)).toBe('0:2,1:4,2:6');
    // each instance has its own log, with its map index
    const log = join(
      g.home,
      'logs',
      'dag_id=mapped_group',
      `run_id=${runId}`,
      'task_id=g.label',
      'map_index=2',
      'attempt=1.log',
    );
    expect(existsSync(log), log).toBe(true);
    expect(readFileSync(log, 'utf8')).toContain('labelling map index 2');
    const shown = g.gale(['tasks', 'states-for-dag-run', 'mapped_group', runId, '-o', 'json']);
    expect(shown.stdout).toContain('"g.label"');
  });
});
