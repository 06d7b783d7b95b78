/**
 * Manual runs with a conf reach the task (and override params of the same name); a paused DAG gets
 * no scheduled runs until it is unpaused.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type GaleHome, makeGaleHome, runsOf, taskStates, waitFor } from '../support/gale-home.js';

const POLL = { intervalMs: 250 } as const;

function dagIsParsed(g: GaleHome, dagId: string): boolean {
  return g.db().prepare('select 1 from dag where dag_id = ? and is_active = 1').get(dagId) !== undefined;
}

describe('triggering and pausing DAGs', () => {
  let g: GaleHome;
  afterEach(() => g?.cleanup());

  it("a triggered run's conf reaches the task and overrides the DAG's params of the same name", async () => {
    g = makeGaleHome();
    g.writeDag(
      'doubler.ts',
      `import { dag, task } from 'gale/sdk';
dag({ dagId: 'doubler', params: { n: 1, label: 'from params' } }, () => {
  task('double', (ctx) => ({ doubled: (ctx.conf.n as number) * 2, params: ctx.params }))();
});
`,
    );
    const standalone = g.start(['standalone']);
    await waitFor(() => dagIsParsed(g, 'doubler'), {
      ...POLL,
      what: 'DAG "doubler" to be parsed',
      seen: () => standalone.output().slice(-2000),
    });

    const trigger = g.gale(['dags', 'trigger', 'doubler', '--conf', '{"n": 5}', '-o', 'json']);
    expect(trigger.code, trigger.stderr).toBe(0);
    const triggered = JSON.parse(trigger.stdout) as { run_id: string; conf: unknown };
    expect(triggered.conf).toEqual({ n: 5 });
    await waitFor(() => runsOf(g.db(), 'doubler')[0]?.state === 'success', {
      ...POLL,
      what: 'the triggered run to succeed',
      seen: () => ({ states: taskStates(g.db(), 'doubler'), out: standalone.output().slice(-2000) }),
    });

    const run = runsOf(g.db(), 'doubler')[0];
    expect(run?.run_id).toBe(triggered.run_id);
    expect(JSON.parse(run?.conf ?? 'null')).toEqual({ n: 5 });
    const xcoms = g
      .db()
      .prepare("select run_id, task_id, key, value from xcom where dag_id = 'doubler'")
      .all() as { run_id: string; task_id: string; key: string; value: string }[];
    expect(xcoms.map((x) => ({ ...x, value: JSON.parse(x.value) }))).toEqual([
      {
        run_id: triggered.run_id,
        task_id: 'double',
        key: 'return_value',
        value: { doubled: 10, params: { n: 5, label: 'from params' } },
      },
    ]);
    await standalone.stop();
  });

  it('a --conf that is not a JSON object fails naming --conf and creates no run', async () => {
    g = makeGaleHome();
    g.writeDag(
      'manual.ts',
      `import { dag, task } from 'gale/sdk';\ndag({ dagId: 'manual' }, () => { task('t', () => 1)(); });\n`,
    );
    expect(g.gale(['db', 'migrate']).code).toBe(0);
    const processor = g.start(['dag-processor']);
    await waitFor(() => dagIsParsed(g, 'manual'), {
      ...POLL,
      what: 'DAG "manual" to be parsed',
      seen: () => processor.output().slice(-2000),
    });
    await processor.stop();

    for (const conf of ['{bad json', '[1,2]', '"text"', 'null']) {
      const r = g.gale(['dags', 'trigger', 'manual', '--conf', conf]);
      expect(r.code, `--conf ${conf}: ${r.stderr}`).toBe(1);
      expect(r.stderr, `--conf ${conf}`).toMatch(/^Error: --conf /);
      expect(r.stderr, `--conf ${conf}`).not.toMatch(/^\s+at /m);
    }
    expect(runsOf(g.db(), 'manual')).toEqual([]);
  });

  it('a paused DAG gets no new scheduled runs, and after unpause they resume from now', async () => {
    g = makeGaleHome();
    const startDate = new Date(Date.now() - 60_000).toISOString();
    g.writeDag(
      'ticker.ts',
      `import { dag, task } from 'gale/sdk';
dag({ dagId: 'ticker', schedule: '2s', startDate: '${startDate}', catchup: false }, () => {
  task('tick', () => 'tick')();
});
`,
    );
    const standalone = g.start(['standalone']);
    await waitFor(() => runsOf(g.db(), 'ticker').length >= 2, {
      ...POLL,
      what: 'the DAG to get scheduled runs',
      seen: () => ({ runs: runsOf(g.db(), 'ticker'), out: standalone.output().slice(-2000) }),
    });

    const pause = g.gale(['dags', 'pause', 'ticker']);
    expect(pause.code, pause.stderr).toBe(0);
    expect(pause.stdout).toContain('paused: true');
    const beforePause = runsOf(g.db(), 'ticker');
    // Two and a half intervals: a running scheduler would have created at least two runs.
    await new Promise((r) => setTimeout(r, 5000));
    expect(runsOf(g.db(), 'ticker').map((r) => r.run_id)).toEqual(beforePause.map((r) => r.run_id));

    const unpause = g.gale(['dags', 'unpause', 'ticker']);
    expect(unpause.code, unpause.stderr).toBe(0);
    expect(unpause.stdout).toContain('paused: false');
    const resumed = await waitFor(
      () => {
        const runs = runsOf(g.db(), 'ticker');
        return runs.length > beforePause.length ? runs : null;
      },
      {
        ...POLL,
        what: 'a new run after unpause',
        seen: () => ({ runs: runsOf(g.db(), 'ticker'), out: standalone.output().slice(-2000) }),
      },
    );
    // Without catchup the intervals missed while paused are not run: the next run starts after a gap.
    const lastBefore = Date.parse(beforePause.at(-1)?.logical_date ?? '');
    const firstAfter = Date.parse(resumed[beforePause.length]?.logical_date ?? '');
    expect(firstAfter - lastBefore).toBeGreaterThan(2000);
    await standalone.stop();
  });
});
