/** Branch tasks skip the paths they do not choose; named outputs are pushed, pulled and passed on. */
import { afterEach, describe, expect, it } from 'vitest';
import { type GaleHome, makeGaleHome, taskStates } from '../support/gale-home.js';

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
});
