/**
 * Dynamic task mapping driven by the real scheduler: expansion over literal lists and over an
 * upstream output known only when it has run, the downstream task that gets every mapped output,
 * an empty input, an input past core.max_map_length, and mapped instances that fail and retry
 * alone, each with its own try, log and output.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type GaleHome, makeGaleHome, runsOf, waitFor } from '../support/gale-home.js';

const DAGS = `import { dag, task } from 'gale/sdk';
const words = task('words', (_ctx, { n }: { n: number }) => ['a', 'bb', 'ccc', 'dddd', 'eeeee'].slice(0, n));
const size = task({ taskId: 'size', retries: 1, retryDelay: '200ms' }, (ctx, { word, suffix }: { word: string; suffix: string }) => {
  if (ctx.mapIndex === 1 && ctx.tryNumber === 1) throw new Error('instance 1 fails its first try');
  return word + suffix + ctx.mapIndex;
});
const collect = task('collect', (_ctx, sizes: string[]) => sizes.join(','));
const pairs = task('pairs', (_ctx, { x, y }: { x: number; y: string }) => x + y);
const broken = task('broken', (ctx, { x }: { x: number }) => {
  if (x === 2) throw new Error('x is 2');
  return x * 10;
});
const after = task('after', (_ctx, values: number[]) => values);

dag({ dagId: 'mapped' }, () => {
  const sizes = size.partial({ suffix: '!' }).expand({ word: words.override({ taskId: 'list' })({ n: 3 }) });
  collect(sizes);
  pairs.expand({ x: [1, 2], y: ['a', 'b'] });
});
dag({ dagId: 'mapped_empty' }, () => {
  const sizes = size.partial({ suffix: '!' }).expand({ word: words.override({ taskId: 'list' })({ n: 0 }) });
  collect(sizes);
});
dag({ dagId: 'mapped_too_long' }, () => {
  const sizes = size.partial({ suffix: '!' }).expand({ word: words.override({ taskId: 'list' })({ n: 5 }) });
  collect(sizes);
});
dag({ dagId: 'mapped_failing' }, () => {
  const values = broken.expand({ x: [1, 2, 3] });
  after.override({ taskId: 'all_success' })(values);
  after.override({ taskId: 'all_done', triggerRule: 'all_done' })(values);
});
`;

interface Ti {
  task_id: string;
  map_index: number;
  state: string;
  try_number: number;
}

describe('dynamic task mapping', () => {
  let g: GaleHome;
  afterEach(() => g?.cleanup());

  function instances(dagId: string): Ti[] {
    return g
      .db()
      .prepare(
        'select task_id, map_index, state, try_number from task_instance where dag_id = ? order by task_id, map_index',
      )
      .all(dagId) as Ti[];
  }

  /** A task's return values, one per task instance with one, in map index order. */
  function outputs(dagId: string, taskId: string): unknown[] {
    const rows = g
      .db()
      .prepare(
        "select value from xcom where dag_id = ? and task_id = ? and key = 'return_value' order by map_index",
      )
      .all(dagId, taskId) as { value: string }[];
    return rows.map((r) => JSON.parse(r.value));
  }

  it('the scheduler expands mapped tasks, retries an instance alone and hands the outputs on', async () => {
    g = makeGaleHome({ GALE__CORE__MAX_MAP_LENGTH: '4' });
    g.writeDag('mapped.ts', DAGS);
    g.start(['standalone']);
    const dagIds = ['mapped', 'mapped_empty', 'mapped_too_long', 'mapped_failing'];
    await waitFor(
      () => {
        const listed = g.gale(['dags', 'list', '-o', 'json']).stdout;
        return dagIds.every((id) => listed.includes(`"${id}"`));
      },
      { what: 'the DAGs to be parsed', timeoutMs: 60_000 },
    );
    const runIds = new Map<string, string>();
    for (const id of dagIds) {
      const trigger = g.gale(['dags', 'trigger', id, '-o', 'json']);
      expect(trigger.code, trigger.stderr).toBe(0);
      runIds.set(id, JSON.parse(trigger.stdout).run_id as string);
    }
    await waitFor(
      () => dagIds.every((id) => ['success', 'failed'].includes(runsOf(g.db(), id)[0]?.state ?? '')),
      {
        what: 'every run to end',
        timeoutMs: 90_000,
        seen: () => dagIds.map((id) => [id, runsOf(g.db(), id)[0]?.state, instances(id)]),
      },
    );

    // over an upstream output: one instance per element, map indexes 0..2; instance 1 retried alone
    expect(runsOf(g.db(), 'mapped')[0]?.state).toBe('success');
    const tis = instances('mapped');
    expect(tis.filter((t) => t.task_id === 'size').map((t) => [t.map_index, t.state, t.try_number])).toEqual([
      [0, 'success', 1],
      [1, 'success', 2],
      [2, 'success', 1],
    ]);
    // the downstream task got every mapped output, in map index order
    expect(outputs('mapped', 'collect')).toEqual(['a!0,bb!1,ccc!2']);
    // over literal lists: their cross product
    expect(tis.filter((t) => t.task_id === 'pairs').map((t) => t.map_index)).toEqual([0, 1, 2, 3]);
    expect(outputs('mapped', 'pairs')).toEqual(['1a', '1b', '2a', '2b']);
    // each instance's try has its own history row and log file, the map index in its path
    const history = g
      .db()
      .prepare(
        "select map_index, try_number, state from task_instance_try where dag_id = 'mapped' and task_id = 'size' order by map_index, try_number",
      )
      .all();
    expect(history).toEqual([
      { map_index: 0, try_number: 1, state: 'success' },
      { map_index: 1, try_number: 1, state: 'up_for_retry' },
      { map_index: 1, try_number: 2, state: 'success' },
      { map_index: 2, try_number: 1, state: 'success' },
    ]);
    const runDir = join(g.home, 'logs', 'dag_id=mapped', `run_id=${runIds.get('mapped')}`, 'task_id=size');
    for (const file of [
      'map_index=0/attempt=1.log',
      'map_index=1/attempt=1.log',
      'map_index=1/attempt=2.log',
    ])
      expect(existsSync(join(runDir, file)), file).toBe(true);
    // the CLI addresses one instance with --map-index
    const state = g.gale(['tasks', 'state', 'mapped', runIds.get('mapped')!, 'size', '--map-index', '1']);
    expect(state.stdout.trim(), state.stderr).toBe('success');
    const listed = JSON.parse(
      g.gale(['tasks', 'states-for-dag-run', 'mapped', runIds.get('mapped')!, '-o', 'json']).stdout,
    ) as Ti[];
    expect(listed.filter((t) => t.task_id === 'size').map((t) => t.map_index)).toEqual([0, 1, 2]);

    // an empty input skips the mapped task, and its all_success downstream task
    expect(runsOf(g.db(), 'mapped_empty')[0]?.state).toBe('success');
    expect(instances('mapped_empty').map((t) => [t.task_id, t.map_index, t.state])).toEqual([
      ['collect', -1, 'skipped'],
      ['list', -1, 'success'],
      ['size', -1, 'skipped'],
    ]);

    // an input longer than core.max_map_length (4 here) fails the mapped task with the reason
    expect(runsOf(g.db(), 'mapped_too_long')[0]?.state).toBe('failed');
    expect(instances('mapped_too_long').map((t) => [t.task_id, t.map_index, t.state])).toEqual([
      ['collect', -1, 'upstream_failed'],
      ['list', -1, 'success'],
      ['size', -1, 'failed'],
    ]);
    const error = g
      .db()
      .prepare("select error from task_instance_try where dag_id = 'mapped_too_long' and task_id = 'size'")
      .get() as { error: string };
    expect(error.error).toContain('5 mapped task instances, more than core.max_map_length (4)');
    expect(error.error).toContain('GALE_ERR_MAP_TOO_LONG');

    // one failed instance: all_success downstream is upstream_failed; all_done gets the outputs there are
    expect(runsOf(g.db(), 'mapped_failing')[0]?.state).toBe('failed');
    expect(instances('mapped_failing').map((t) => [t.task_id, t.map_index, t.state])).toEqual([
      ['all_done', -1, 'success'],
      ['all_success', -1, 'upstream_failed'],
      ['broken', 0, 'success'],
      ['broken', 1, 'failed'],
      ['broken', 2, 'success'],
    ]);
    expect(outputs('mapped_failing', 'all_done')).toEqual([[10, 30]]);
    // one test of many CLI commands: each takes seconds on a loaded 2-core machine
  }, 300_000);

  it('a shell task maps over commands, environments and an upstream list; each instance renders its own fields', async () => {
    g = makeGaleHome();
    g.writeDag(
      'shells.ts',
      `import { dag, shell, task } from 'gale/sdk';
       const names = task('names', () => ['ada', 'grace']);
       const joined = task('joined', (_ctx, lines: string[]) => lines.join('|'));
       dag({ dagId: 'mapped_shell' }, () => {
         shell.partial('commands').expand({ command: ['echo one', 'echo "two {{ ti.map_index }}"'] });
         joined(
           shell
             .partial('greet', { command: 'echo "$GREETING $WHO {{ ti.map_index }}"' })
             .expand({ env: [{ GREETING: 'hi', WHO: 'x' }, { GREETING: 'bye', WHO: 'y' }] }),
         );
         const who = task('who', (_ctx, list: string[]) => list.map((n) => 'echo hello ' + n))(names());
         shell.partial('from_upstream', { cwd: '/tmp' }).expand({ command: who });
       });
       dag({ dagId: 'mapped_shell_bad' }, () => {
         shell.partial('bad').expandKwargs([{ command: 'echo fine' }, { command: 42 } as never]);
       });`,
    );
    g.start(['standalone']);
    await waitFor(() => g.gale(['dags', 'list', '-o', 'json']).stdout.includes('"mapped_shell_bad"'), {
      what: 'the DAGs to be parsed',
      timeoutMs: 60_000,
    });
    const runIds: string[] = [];
    for (const id of ['mapped_shell', 'mapped_shell_bad']) {
      const trigger = g.gale(['dags', 'trigger', id, '-o', 'json']);
      expect(trigger.code, trigger.stderr).toBe(0);
      runIds.push(JSON.parse(trigger.stdout).run_id as string);
    }
    await waitFor(
      () =>
        ['mapped_shell', 'mapped_shell_bad'].every((id) =>
          ['success', 'failed'].includes(runsOf(g.db(), id)[0]?.state ?? ''),
        ),
      {
        what: 'both runs to end',
        timeoutMs: 90_000,
        seen: () => [instances('mapped_shell'), instances('mapped_shell_bad')],
      },
    );
    expect(runsOf(g.db(), 'mapped_shell')[0]?.state).toBe('success');
    expect(outputs('mapped_shell', 'commands')).toEqual(['one', 'two 1']);
    expect(outputs('mapped_shell', 'joined')).toEqual(['hi x 0|bye y 1']);
    expect(outputs('mapped_shell', 'from_upstream')).toEqual(['hello ada', 'hello grace']);
    // an instance whose mapped field is not a string fails alone, saying which field
    expect(runsOf(g.db(), 'mapped_shell_bad')[0]?.state).toBe('failed');
    expect(instances('mapped_shell_bad').map((t) => [t.map_index, t.state])).toEqual([
      [0, 'success'],
      [1, 'failed'],
    ]);
    const error = g
      .db()
      .prepare("select error from task_instance_try where dag_id = 'mapped_shell_bad' and map_index = 1")
      .get() as { error: string };
    expect(error.error).toMatch(
      /mapped shell task "bad" \[1\]: command: Invalid input: expected string, received number/,
    );
    // gale tasks render shows one instance's own command
    const render = g.gale([
      'tasks',
      'render',
      'mapped_shell',
      'greet',
      '--run-id',
      runIds[0]!,
      '--map-index',
      '1',
    ]);
    expect(render.code, render.stderr).toBe(0);
    expect(render.stdout).toContain('echo "$GREETING $WHO 1"');
    expect(render.stdout).toContain('bye');
  }, 240_000);

  it('gale dags test runs mapped tasks, and gale tasks test runs one instance with --map-index', () => {
    g = makeGaleHome();
    g.writeDag(
      'cli.ts',
      `import { dag, task, zip } from 'gale/sdk';
       const square = task('square', (ctx, { x, label }: { x: number; label: string }) => label + ctx.mapIndex + '=' + x * x);
       const joined = task('joined', (_ctx, values: string[]) => values.join(' '));
       const pair = task('pair', (_ctx, { p }: { p: [string, number] }) => p.join(':'));
       const kw = task('kw', (_ctx, { a, b }: { a: number; b: number }) => a - b);
       dag({ dagId: 'mapped_cli' }, () => {
         joined(square.partial({ label: 'sq' }).expand({ x: [1, 2, 3] }));
         pair.expand({ p: zip(['u', 'v', 'w'], [1, 2]) });
         kw.partial({ b: 1 }).expandKwargs([{ a: 10 }, { a: 20 }]);
       });`,
    );
    expect(g.gale(['db', 'migrate']).code).toBe(0);
    const run = g.gale(['dags', 'test', 'mapped_cli']);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/task_id\s*\|\s*map_index/);
    expect(outputs('mapped_cli', 'joined')).toEqual(['sq0=1 sq1=4 sq2=9']);
    expect(outputs('mapped_cli', 'pair')).toEqual(['u:1', 'v:2']);
    expect(outputs('mapped_cli', 'kw')).toEqual([9, 19]);
    const runId = (
      g.db().prepare("select run_id from dag_run where dag_id = 'mapped_cli'").get() as { run_id: string }
    ).run_id;
    const one = g.gale(['tasks', 'test', 'mapped_cli', 'square', '--run-id', runId, '--map-index', '2']);
    expect(one.stdout, one.stderr).toContain('Output: "sq2=9"');
    const reduce = g.gale(['tasks', 'test', 'mapped_cli', 'joined', '--run-id', runId]);
    expect(reduce.stdout, reduce.stderr).toContain('Output: "sq0=1 sq1=4 sq2=9"');
    const missing = g.gale(['tasks', 'test', 'mapped_cli', 'square']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('Task "square" is mapped: say which instance with --map-index');
  }, 240_000);
});
