/**
 * Task-level scheduling driven by the real scheduler: a teardown runs after its work failed and
 * the run fails for the work, not the teardown; a teardown's failure alone leaves the run
 * success; `gale tasks clear` takes setups and teardowns along and honours -t/-u/-d/-f/-s/-e/
 * --dry-run; dependsOnPast holds a run's task until the previous run's instance succeeded;
 * maxActiveTisPerDag and maxActiveTisPerDagrun are never exceeded.
 */

import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type GaleHome, makeGaleHome, runsOf, taskStates, waitFor } from '../support/gale-home.js';
import { maxOverlap } from '../support/overlap.js';

const SETUP_TEARDOWN = `import { dag, task } from 'gale/sdk';
const step = (fail: boolean) => async () => {
  await new Promise((r) => setTimeout(r, 100));
  if (fail) throw new Error('this step fails');
  return 'ok';
};
for (const [dagId, workFails, teardownFails] of [['st_work_fails', true, false], ['st_teardown_fails', false, true]] as const) {
  dag({ dagId }, () => {
    const create = task('create_cluster', step(false))();
    create
      .then(task('run_query', step(workFails))())
      .then(task('delete_cluster', step(teardownFails))().asTeardown({ setups: create }));
  });
}
`;

function pastDags(closedFile: string): string {
  return `import { existsSync } from 'node:fs';
import { dag, task } from 'gale/sdk';
const nap = (ms: number) => new Promise((r) => setTimeout(r, ms));
dag({ dagId: 'past' }, () => {
  task({ taskId: 'gate', dependsOnPast: true }, () => {
    if (existsSync(${JSON.stringify(closedFile)})) throw new Error('the gate is closed');
    return 'open';
  })();
});
dag({ dagId: 'probe' }, () => {
  task('ping', () => 'pong')();
});
dag({ dagId: 'capped', maxActiveTasks: 16 }, () => {
  task({ taskId: 'nap', maxActiveTisPerDagrun: 2 }, async (_ctx, { i }: { i: number }) => {
    await nap(300);
    return i;
  }).expand({ i: [0, 1, 2, 3, 4, 5, 6, 7] });
  task({ taskId: 'solo', maxActiveTisPerDag: 1 }, () => nap(400))();
});
`;
}

describe('setup and teardown, dependsOnPast, per-task limits', () => {
  let g: GaleHome;
  afterEach(() => g?.cleanup());

  async function startWith(dagIds: string[]) {
    const s = g.start(['standalone']);
    await waitFor(
      () => {
        const listed = g.gale(['dags', 'list', '-o', 'json']).stdout;
        return dagIds.every((id) => listed.includes(`"${id}"`));
      },
      { what: 'the DAGs to be parsed', timeoutMs: 60_000, seen: () => s.output().slice(-2000) },
    );
    return s;
  }

  async function runEnds(dagId: string, state: string, runIndex = 0) {
    await waitFor(() => runsOf(g.db(), dagId)[runIndex]?.state === state, {
      what: `run ${runIndex} of ${dagId} to be ${state}`,
      timeoutMs: 90_000,
      seen: () => ({ runs: runsOf(g.db(), dagId).map((r) => r.state), tis: taskStates(g.db(), dagId) }),
    });
  }

  it('a teardown runs after failed work, is left out of the run state, and is cleared with its work', {
    timeout: 240_000,
  }, async () => {
    g = makeGaleHome();
    g.writeDag('setup_teardown.ts', SETUP_TEARDOWN);
    const s = await startWith(['st_work_fails', 'st_teardown_fails']);
    expect(g.gale(['dags', 'trigger', 'st_work_fails']).code).toBe(0);
    expect(g.gale(['dags', 'trigger', 'st_teardown_fails']).code).toBe(0);
    await runEnds('st_work_fails', 'failed');
    expect(taskStates(g.db(), 'st_work_fails')).toEqual({
      create_cluster: 'success',
      run_query: 'failed',
      delete_cluster: 'success',
    });
    await runEnds('st_teardown_fails', 'success');
    expect(taskStates(g.db(), 'st_teardown_fails').delete_cluster).toBe('failed');

    // a dry run lists the work task with its setup and teardown, and changes nothing
    const runId = runsOf(g.db(), 'st_work_fails')[0]!.run_id;
    const dry = g.gale(['tasks', 'clear', 'st_work_fails', '-t', '^run_query$', '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain(`would clear ${runId} run_query`);
    expect(dry.stdout).toContain(`would clear ${runId} create_cluster`);
    expect(dry.stdout).toContain(`would clear ${runId} delete_cluster`);
    expect(dry.stdout).toContain('3 task instance(s) would be cleared');
    expect(runsOf(g.db(), 'st_work_fails')[0]?.state).toBe('failed');
    // -u and -d add the relatives; -f keeps only the failed ones
    expect(
      g.gale(['tasks', 'clear', 'st_work_fails', '-t', '^create_cluster$', '-d', '--dry-run']).stdout,
    ).toContain('3 task instance(s) would be cleared');
    const onlyFailed = g.gale([
      'tasks',
      'clear',
      'st_work_fails',
      '-t',
      '^delete_cluster$',
      '-u',
      '-f',
      '--dry-run',
    ]);
    expect(onlyFailed.stdout).toContain(`would clear ${runId} run_query`);
    expect(onlyFailed.stdout).toContain('1 task instance(s) would be cleared');

    // clearing the work task makes the setup and the teardown run again
    const clear = g.gale(['tasks', 'clear', 'st_work_fails', '-t', '^run_query$', '--yes']);
    expect(clear.code, clear.stderr).toBe(0);
    expect(clear.stdout).toContain('3 task instance(s) cleared');
    await waitFor(
      () => {
        const tries = g
          .db()
          .prepare("select task_id, try_number, state from task_instance where dag_id = 'st_work_fails'")
          .all() as { task_id: string; try_number: number; state: string }[];
        return tries.every((t) => t.try_number === 2 && ['success', 'failed'].includes(t.state))
          ? tries
          : null;
      },
      {
        what: 'every task of st_work_fails to run a second try',
        timeoutMs: 90_000,
        seen: () => taskStates(g.db(), 'st_work_fails'),
      },
    );
    await runEnds('st_work_fails', 'failed');
    await s.stop();
  });

  it('dependsOnPast waits for the previous run; maxActiveTisPerDag and maxActiveTisPerDagrun hold', {
    timeout: 240_000,
  }, async () => {
    g = makeGaleHome({ GALE__CORE__PARALLELISM: '8' });
    const closed = join(g.home, 'gate-closed');
    writeFileSync(closed, '');
    g.writeDag('past.ts', pastDags(closed));
    const s = await startWith(['past', 'probe', 'capped']);
    expect(g.gale(['dags', 'trigger', 'past', '-l', '2026-01-01T00:00:00Z', '-r', 'first']).code).toBe(0);
    expect(g.gale(['dags', 'trigger', 'past', '-l', '2026-01-02T00:00:00Z', '-r', 'second']).code).toBe(0);
    for (const day of ['01', '02', '03'])
      expect(g.gale(['dags', 'trigger', 'capped', '-l', `2026-01-${day}T00:00:00Z`]).code).toBe(0);
    await runEnds('past', 'failed', 0);
    // the scheduler has moved on (a later run of another DAG finished), and the second gate still waits
    expect(g.gale(['dags', 'trigger', 'probe']).code).toBe(0);
    await runEnds('probe', 'success');
    expect(taskStates(g.db(), 'past', 'second')).toEqual({ gate: 'none' });

    // -s/-e pick the first run only; once its gate succeeded the second one runs
    rmSync(closed);
    const clear = g.gale(['tasks', 'clear', 'past', '-s', '2026-01-01', '-e', '2026-01-01T12:00:00Z', '-y']);
    expect(clear.code, clear.stderr).toBe(0);
    expect(clear.stdout).toContain('cleared first gate');
    expect(clear.stdout).not.toContain('second');
    await runEnds('past', 'success', 0);
    await runEnds('past', 'success', 1);
    const gate = (runId: string) =>
      g
        .db()
        .prepare("select start_date, end_date from task_instance where dag_id = 'past' and run_id = ?")
        .get(runId) as {
        start_date: string;
        end_date: string;
      };
    expect(Date.parse(gate('second').start_date)).toBeGreaterThanOrEqual(Date.parse(gate('first').end_date));

    for (const i of [0, 1, 2]) await runEnds('capped', 'success', i);
    const intervals = (
      g
        .db()
        .prepare("select run_id, task_id, start_date, end_date from task_instance where dag_id = 'capped'")
        .all() as { run_id: string; task_id: string; start_date: string; end_date: string }[]
    ).map((r) => ({ ...r, start: Date.parse(r.start_date), end: Date.parse(r.end_date) }));
    expect(intervals).toHaveLength(27);
    expect(maxOverlap(intervals.filter((i) => i.task_id === 'solo'))).toBe(1);
    const naps = intervals.filter((i) => i.task_id === 'nap');
    // at most 2 at once in a run, however many runs: the limit is per run (the instances of the
    // three runs together may overlap more)
    expect(new Set(naps.map((n) => n.run_id)).size).toBe(3);
    for (const runId of new Set(naps.map((n) => n.run_id)))
      expect(maxOverlap(naps.filter((n) => n.run_id === runId))).toBeLessThanOrEqual(2);
    expect(maxOverlap(naps)).toBeGreaterThanOrEqual(2);
    await s.stop();
  });
});
