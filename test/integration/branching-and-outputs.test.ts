/** Branch tasks skip the paths they do not choose; named outputs are pushed, pulled and passed on. */
import { afterEach, describe, expect, it } from 'vitest';
import { type GaleHome, makeGaleHome, runsOf, taskStates, waitFor } from '../support/gale-home.js';

describe('branching and named outputs', () => {
  let g: GaleHome;
  afterEach(() => g?.cleanup());

  it('a branch task runs the path it chooses and skips the other, as Airflow', () => {
    g = makeGaleHome();
    g.writeDag(
      'branchy.ts',
      `import { branch, dag, task } from 'gale/sdk';
       const pick = branch('pick', (ctx) => (ctx.conf.side === 'right' ? 'right' : 'left'));
       const side = task('side', (ctx) => ctx.taskId);
       dag({ dagId: 'branchy' }, () => {
         const p = pick();
         const left = side.override({ taskId: 'left' })();
         const right = side.override({ taskId: 'right' })();
         const afterRight = side.override({ taskId: 'after_right' })();
         const join = side.override({ taskId: 'join', triggerRule: 'none_failed_min_one_success' })();
         p.then([left, right]);
         right.then(afterRight);
         left.then(join);
         afterRight.then(join);
       });
       dag({ dagId: 'bad_branch' }, () => {
         const p = branch('pick', () => 'nowhere')();
         p.then(task('only', () => 1)());
       });`,
    );
    expect(g.gale(['db', 'migrate']).code).toBe(0);
    const left = g.gale(['dags', 'test', 'branchy']);
    expect(left.code, left.stdout + left.stderr).toBe(0);
    const runs = g.db().prepare("select run_id from dag_run where dag_id = 'branchy'").all() as {
      run_id: string;
    }[];
    expect(taskStates(g.db(), 'branchy', runs[0]!.run_id)).toEqual({
      pick: 'success',
      left: 'success',
      right: 'skipped',
      after_right: 'skipped',
      join: 'success',
    });
    const right = g.gale([
      'dags',
      'test',
      'branchy',
      '--conf',
      '{"side":"right"}',
      '--logical-date',
      '2026-01-02',
    ]);
    expect(right.code, right.stdout).toBe(0);
    const second = (
      g.db().prepare("select run_id from dag_run where dag_id = 'branchy' order by id desc").get() as {
        run_id: string;
      }
    ).run_id;
    expect(taskStates(g.db(), 'branchy', second)).toMatchObject({
      left: 'skipped',
      right: 'success',
      after_right: 'success',
      join: 'success',
    });

    const bad = g.gale(['dags', 'test', 'bad_branch']);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain('chose "nowhere", which is not a task directly downstream of it');
  });

  it('a task pushes named outputs; downstream tasks pull them from the context or take them as arguments', () => {
    g = makeGaleHome();
    g.writeDag(
      'outputs.ts',
      `import { dag, task } from 'gale/sdk';
       const produce = task('produce', async (ctx) => {
         await ctx.xcomPush('count', 3);
         await ctx.xcomPush('names', ['a', 'b', 'c']);
         return 'done';
       });
       const consume = task('consume', async (ctx, names: string[]) => {
         const count = await ctx.xcomPull<number>('produce', 'count');
         const ret = await ctx.xcomPull<string>('produce');
         const missing = await ctx.xcomPull('produce', 'nope');
         return { count, names, ret, missing: missing === undefined };
       });
       dag({ dagId: 'outputs' }, () => {
         const p = produce();
         consume(p.output<string[]>('names')).after(p);
       });`,
    );
    expect(g.gale(['db', 'migrate']).code).toBe(0);
    const result = g.gale(['dags', 'test', 'outputs']);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const row = g
      .db()
      .prepare(
        "select value from xcom where dag_id = 'outputs' and task_id = 'consume' and key = 'return_value'",
      )
      .get() as { value: string };
    expect(JSON.parse(row.value)).toEqual({ count: 3, names: ['a', 'b', 'c'], ret: 'done', missing: true });
  });

  it('a short-circuit that returns false skips everything downstream, whatever the trigger rules', () => {
    g = makeGaleHome();
    g.writeDag(
      'circuit.ts',
      `import { dag, shortCircuit, task } from 'gale/sdk';
       const gate = shortCircuit('gate', (ctx) => ctx.conf.go === true);
       const work = task('work', () => 1);
       const always = task({ taskId: 'always', triggerRule: 'all_done' }, () => 2);
       dag({ dagId: 'circuit' }, () => {
         const g1 = gate();
         const w = work();
         g1.then(w);
         w.then(always());
       });`,
    );
    expect(g.gale(['db', 'migrate']).code).toBe(0);
    expect(g.gale(['dags', 'test', 'circuit', '--conf', '{"go":false}']).code).toBe(0);
    const first = (
      g.db().prepare("select run_id from dag_run where dag_id = 'circuit'").get() as { run_id: string }
    ).run_id;
    expect(taskStates(g.db(), 'circuit', first)).toEqual({
      gate: 'success',
      work: 'skipped',
      always: 'skipped',
    });
    expect(
      g.gale(['dags', 'test', 'circuit', '--conf', '{"go":true}', '--logical-date', '2026-01-02']).code,
    ).toBe(0);
    const second = (
      g.db().prepare("select run_id from dag_run where dag_id = 'circuit' order by id desc").get() as {
        run_id: string;
      }
    ).run_id;
    expect(taskStates(g.db(), 'circuit', second)).toEqual({
      gate: 'success',
      work: 'success',
      always: 'success',
    });
  });

  it('latest-only skips its downstream tasks in caught-up runs and runs them in the latest', async () => {
    g = makeGaleHome();
    const day = 86_400_000;
    const midnight = Math.floor(Date.now() / day) * day;
    if (Date.now() - midnight < 60_000 || midnight + day - Date.now() < 60_000) return; // too close to midnight UTC
    g.writeDag(
      'latest.ts',
      `import { dag, latestOnly, task } from 'gale/sdk';
       dag({ dagId: 'latest', schedule: '@daily', dataIntervals: true, catchup: true,
             startDate: ${JSON.stringify(new Date(midnight - 3 * day).toISOString())} }, () => {
         latestOnly().then(task('notify', () => 'sent')());
       });`,
    );
    const s = g.start(['standalone']);
    await waitFor(
      () =>
        runsOf(g.db(), 'latest').length === 3 && runsOf(g.db(), 'latest').every((r) => r.state === 'success'),
      {
        what: 'three caught-up runs to finish',
        seen: () =>
          runsOf(g.db(), 'latest').map((r) => [r.run_id, r.state, taskStates(g.db(), 'latest', r.run_id)]),
      },
    );
    const notify = runsOf(g.db(), 'latest').map((r) => taskStates(g.db(), 'latest', r.run_id).notify);
    expect(notify).toEqual(['skipped', 'skipped', 'success']);
    await s.stop();
  });
});
