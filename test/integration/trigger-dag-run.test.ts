/**
 * triggerDagRun with real processes (standalone: scheduler, triggerer, local executor): a task
 * creates a run of another DAG with a templated conf and run id; waiting for it succeeds when the
 * run succeeds (polling from the task) and fails when it fails (deferred on the triggerer); a conf
 * that breaks the target's params fails the task with a message naming the param, and no run is made.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type GaleHome, makeGaleHome, runsOf, taskStates, waitFor } from '../support/gale-home.js';
import { startStandalone } from '../support/standalone.js';

const TARGET = `
import { dag, param, task } from 'gale/sdk';
dag({ dagId: 'target', params: { n: param(1, { type: 'integer' }) } }, () => {
  task('work', (ctx) => {
    if (ctx.params.fail) throw new Error('the target was told to fail');
    return ctx.params;
  })();
});
`;

const CONTROLLER = `
import { dag, triggerDagRun } from 'gale/sdk';
dag({ dagId: 'controller', defaultArgs: { retries: 0 } }, () => {
  const fire = triggerDagRun('fire', {
    triggerDagId: 'target',
    conf: { n: 5, who: ['{{ dag.dag_id }}'] },
    triggerRunId: 'from_{{ dag_run.conf.tag }}',
    logicalDate: '2026-01-01T00:00:01Z',
  });
  // the same run id again: skipped, cleared, or failing
  const same = { triggerDagId: 'target', triggerRunId: 'from_{{ dag_run.conf.tag }}' };
  fire.then([
    triggerDagRun('again_skip', { ...same, skipWhenAlreadyExists: true }),
    triggerDagRun('again_reset', { ...same, resetDagRun: true, skipWhenAlreadyExists: true }),
    triggerDagRun('again_fail', same),
  ]);
  triggerDagRun('wait_ok', {
    triggerDagId: 'target',
    conf: { n: 2 },
    logicalDate: '2026-01-01T00:00:02Z',
    waitForCompletion: true,
    pokeInterval: '300ms',
  });
  triggerDagRun('wait_fail', {
    triggerDagId: 'target',
    conf: { fail: true },
    logicalDate: '2026-01-01T00:00:03Z',
    waitForCompletion: true,
    deferrable: true,
    pokeInterval: '300ms',
  });
  triggerDagRun('bad_conf', { triggerDagId: 'target', conf: { n: 'lots' }, logicalDate: '2026-01-01T00:00:04Z' });
});
`;

function history(g: GaleHome, dagId: string): Record<string, string | null> {
  const rows = g
    .db()
    .prepare('select task_id, error from task_instance_try where dag_id = ? order by task_id, try_number')
    .all(dagId) as { task_id: string; error: string | null }[];
  return Object.fromEntries(rows.map((r) => [r.task_id, r.error]));
}

describe('triggerDagRun', () => {
  let g: GaleHome;
  afterEach(() => g?.cleanup());

  it('creates the target run with its conf, waits for it to succeed or fail, and rejects a bad conf', {
    timeout: 180_000,
  }, async () => {
    g = makeGaleHome({ GALE__TRIGGERER__POLL_INTERVAL: '0.2', GALE__TRIGGERER__JOB_HEARTBEAT_SEC: '0.5' });
    g.writeDag('target.ts', TARGET);
    g.writeDag('controller.ts', CONTROLLER);
    const standalone = await startStandalone(g, 'target');
    const log = () => standalone.output().slice(-3000);
    const triggered = g.gale(['dags', 'trigger', 'controller', '--conf', '{"tag": "t1"}', '-o', 'json']);
    expect(triggered.code).toBe(0);
    await waitFor(() => ['success', 'failed'].includes(runsOf(g.db(), 'controller')[0]?.state ?? ''), {
      what: 'the controller run to end',
      timeoutMs: 120_000,
      seen: () => ({
        controller: taskStates(g.db(), 'controller'),
        target: runsOf(g.db(), 'target'),
        log: log(),
      }),
    });
    expect(taskStates(g.db(), 'controller')).toEqual({
      fire: 'success',
      again_skip: 'skipped',
      again_reset: 'success',
      again_fail: 'failed',
      wait_ok: 'success',
      wait_fail: 'failed',
      bad_conf: 'failed',
    });
    const runs = g
      .db()
      .prepare(
        "select run_id, run_type, state, conf, logical_date from dag_run where dag_id = 'target' order by logical_date",
      )
      .all() as { run_id: string; run_type: string; state: string; conf: string; logical_date: string }[];
    // the bad conf made no run
    expect(runs).toHaveLength(3);
    expect(runs[0]).toMatchObject({ run_id: 'from_t1', run_type: 'manual' });
    expect(JSON.parse(runs[0]!.conf)).toEqual({ n: 5, who: ['controller'] });
    expect(runs[1]).toMatchObject({ state: 'success' });
    expect(JSON.parse(runs[1]!.conf)).toEqual({ n: 2 });
    expect(runs[2]).toMatchObject({ state: 'failed' });
    const errors = history(g, 'controller');
    const output = (taskId: string) =>
      JSON.parse(
        (
          g
            .db()
            .prepare(
              "select value from xcom where dag_id = 'controller' and task_id = ? and key = 'return_value'",
            )
            .get(taskId) as { value: string }
        ).value,
      );
    expect(output('fire')).toBe('from_t1');
    expect(output('again_reset')).toBe('from_t1');
    expect(errors.again_fail).toContain('DAG "target" already has a run from_t1');
    expect(output('wait_ok')).toBe(runs[1]!.run_id);
    expect(errors.wait_fail).toMatch(/GALE_ERR_SENSOR_FAILED.*DAG "target"/);
    expect(errors.bad_conf).toContain('param "n"');
    expect(errors.bad_conf).toContain('"lots"');
    await standalone.stop();
  });
});
