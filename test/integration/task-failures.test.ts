/** Retries, timeouts and tasks that crash their process: each failure stays with its own try. */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type GaleHome, isAlive, makeGaleHome, runsOf, taskStates, waitFor } from '../support/gale-home.js';

async function runToEnd(g: GaleHome, dagId: string, timeoutMs = 60_000): Promise<string> {
  await waitFor(() => g.gale(['dags', 'list', '-o', 'json']).stdout.includes(`"${dagId}"`), {
    what: `DAG ${dagId} to be parsed`,
  });
  const trigger = g.gale(['dags', 'trigger', dagId, '-o', 'json']);
  expect(trigger.code, trigger.stderr).toBe(0);
  const runId = JSON.parse(trigger.stdout).run_id as string;
  await waitFor(
    () => ['success', 'failed'].includes(runsOf(g.db(), dagId).find((r) => r.run_id === runId)?.state ?? ''),
    {
      what: `run ${runId} of ${dagId} to end`,
      timeoutMs,
      seen: () => taskStates(g.db(), dagId, runId),
    },
  );
  return runId;
}

describe('task failures', () => {
  let g: GaleHome;
  afterEach(() => g?.cleanup());

  it('a task failing twice with retries: 2 succeeds on try 3, and each try keeps its log', async () => {
    g = makeGaleHome();
    g.writeDag(
      'flaky.ts',
      `import { dag, task } from 'gale/sdk';
       dag({ dagId: 'flaky' }, () => {
         task({ taskId: 'flaky', retries: 2, retryDelay: '200ms' }, (ctx) => {
           ctx.log.info('try ' + ctx.tryNumber);
           if (ctx.tryNumber < 3) throw new Error('failure number ' + ctx.tryNumber);
           return 'ok on ' + ctx.tryNumber;
         })();
       });`,
    );
    const s = g.start(['standalone']);
    const runId = await runToEnd(g, 'flaky');
    expect(runsOf(g.db(), 'flaky')[0]?.state).toBe('success');
    const history = g
      .db()
      .prepare(
        "select try_number, state, error from task_instance_try where dag_id = 'flaky' order by try_number",
      )
      .all() as {
      try_number: number;
      state: string;
      error: string | null;
    }[];
    expect(history.map((h) => [h.try_number, h.state])).toEqual([
      [1, 'up_for_retry'],
      [2, 'up_for_retry'],
      [3, 'success'],
    ]);
    expect(history[0]?.error).toContain('failure number 1');
    const dir = join(g.home, 'logs', 'dag_id=flaky', `run_id=${runId}`, 'task_id=flaky');
    expect(readdirSync(dir).sort()).toEqual(['attempt=1.log', 'attempt=2.log', 'attempt=3.log']);
    expect(readFileSync(join(dir, 'attempt=1.log'), 'utf8')).toContain('failure number 1');
    // the warm process learns the retry's time from the scheduler's answer (IPC, JSON)
    expect(readFileSync(join(dir, 'attempt=1.log'), 'utf8')).toMatch(
      /Marked up_for_retry; next try after \d{4}-\d\d-\d\dT[\d:.]+Z/,
    );
    expect(readFileSync(join(dir, 'attempt=3.log'), 'utf8')).toContain('ok on 3');
    await s.stop();
  });

  it('executionTimeout kills a busy task process and fails the try', async () => {
    g = makeGaleHome();
    g.writeDag(
      'slow.ts',
      `import { dag, shell, task } from 'gale/sdk';
       dag({ dagId: 'slow' }, () => {
         task({ taskId: 'spin', executionTimeout: '1s' }, () => { for (;;) {} })();
         task({ taskId: 'sleep', executionTimeout: '1s' }, () => new Promise((r) => setTimeout(r, 60_000)))();
         shell({ taskId: 'shell_sleep', executionTimeout: '1s' }, 'sleep 61.25');
       });`,
    );
    const s = g.start(['standalone']);
    const runId = await runToEnd(g, 'slow');
    expect(taskStates(g.db(), 'slow', runId)).toEqual({
      spin: 'failed',
      sleep: 'failed',
      shell_sleep: 'failed',
    });
    const rows = g
      .db()
      .prepare("select task_id, pid, error, duration from task_instance_try where dag_id = 'slow'")
      .all() as {
      task_id: string;
      pid: number;
      error: string;
      duration: number;
    }[];
    for (const r of rows) {
      expect(r.error).toContain('executionTimeout');
      expect(r.duration).toBeLessThan(10);
      await waitFor(() => !isAlive(r.pid), {
        what: `task process ${r.pid} of ${r.task_id} to be gone`,
        timeoutMs: 10_000,
      });
    }
    // The shell command's own process went with its task process.
    await waitFor(() => spawnSync('pgrep', ['-f', 'sleep 61.25']).status === 1, {
      what: 'the shell command to be killed',
    });
    await s.stop();
  });

  it('a task that throws, one that calls process.exit(3) and one that aborts each fail alone; the scheduler carries on', async () => {
    g = makeGaleHome();
    g.writeDag(
      'crashes.ts',
      `import { dag, task } from 'gale/sdk';
       dag({ dagId: 'crashes' }, () => {
         task('throws', () => { throw new Error('thrown on purpose'); })();
         task('exits', () => { process.exit(3); })();
         task('aborts', () => { process.abort(); })();
         task('fine', () => 'still fine')();
       });
       dag({ dagId: 'after' }, () => { task('ok', () => 1)(); });`,
    );
    const s = g.start(['standalone']);
    const runId = await runToEnd(g, 'crashes');
    expect(taskStates(g.db(), 'crashes', runId)).toEqual({
      throws: 'failed',
      exits: 'failed',
      aborts: 'failed',
      fine: 'success',
    });
    const errors = Object.fromEntries(
      (
        g.db().prepare("select task_id, error from task_instance_try where dag_id = 'crashes'").all() as {
          task_id: string;
          error: string;
        }[]
      ).map((r) => [r.task_id, r.error]),
    );
    expect(errors.throws).toContain('thrown on purpose');
    expect(errors.exits).toContain('exited with code 3');
    expect(errors.aborts).toMatch(/SIGABRT|code 134/);
    // The scheduler is still alive and runs the next DAG.
    const next = await runToEnd(g, 'after');
    expect(taskStates(g.db(), 'after', next)).toEqual({ ok: 'success' });
    expect(s.child.exitCode).toBeNull();
    await s.stop();
  });
});
