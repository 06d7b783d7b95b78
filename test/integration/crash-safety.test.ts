/**
 * Crash safety: a scheduler killed with kill -9 while tasks run loses nothing when started again,
 * and runs no try twice (counted from the tasks' side effects, not only from states); a task
 * process killed with kill -9 is found by its missing heartbeat and retried.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type GaleHome, isAlive, makeGaleHome, runsOf, taskStates, waitFor } from '../support/gale-home.js';

function sideEffects(g: GaleHome): string[] {
  try {
    return readFileSync(join(g.home, 'side-effects.txt'), 'utf8').split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

describe('crash safety', () => {
  let g: GaleHome;
  afterEach(() => g?.cleanup());

  it("a killed scheduler's running and queued tries are neither lost nor run twice", {
    timeout: 180_000,
  }, async () => {
    g = makeGaleHome({ GALE__CORE__PARALLELISM: '4' });
    const effects = join(g.home, 'side-effects.txt');
    g.writeDag(
      'work.ts',
      `import { appendFileSync } from 'node:fs';
       import { dag, task, chain } from 'gale/sdk';
       const work = task('work', async (ctx, ms: number) => {
         appendFileSync(${JSON.stringify(effects)}, ctx.taskId + ' try ' + ctx.tryNumber + ' pid ' + process.pid + '\\n');
         await new Promise((r) => setTimeout(r, ms));
         return ctx.taskId;
       });
       dag({ dagId: 'work' }, () => {
         const first = Array.from({ length: 8 }, () => work(1500));
         const last = work(300);
         chain(first, last);
       });`,
    );
    expect(g.gale(['db', 'migrate']).code).toBe(0);
    const processor = g.start(['dag-processor']);
    await waitFor(() => g.gale(['dags', 'list', '-o', 'json']).stdout.includes('"work"'), {
      what: 'the DAG to be parsed',
      seen: () => processor.output(),
    });
    let scheduler = g.start(['scheduler']);
    const runId = JSON.parse(g.gale(['dags', 'trigger', 'work', '-o', 'json']).stdout).run_id as string;
    // Kill the scheduler once some tries run and others still wait.
    await waitFor(
      () => Object.values(taskStates(g.db(), 'work', runId)).filter((s) => s === 'running').length >= 2,
      {
        what: 'tries to be running',
        seen: () => taskStates(g.db(), 'work', runId),
      },
    );
    await scheduler.kill9();
    const running = g
      .db()
      .prepare("select task_id, pid from task_instance where dag_id = 'work' and state = 'running'")
      .all() as { task_id: string; pid: number }[];
    expect(running.length).toBeGreaterThan(0);
    // The task processes outlive the scheduler.
    for (const r of running) expect(isAlive(r.pid)).toBe(true);

    scheduler = g.start(['scheduler']);
    await waitFor(() => runsOf(g.db(), 'work')[0]?.state === 'success', {
      what: 'the run to succeed after the restart',
      timeoutMs: 150_000,
      seen: () => ({
        states: taskStates(g.db(), 'work', runId),
        // what ended each try, to tell a lost race from a slow machine
        tries: g
          .db()
          .prepare(
            "select task_id, try_number, state, error, pid from task_instance_try where dag_id = 'work'",
          )
          .all(),
        log: scheduler.output().slice(-1500),
      }),
    });
    const lines = sideEffects(g);
    const tasks = lines.map((l) => l.split(' ')[0]);
    // Every task ran, and ran exactly once.
    expect(tasks.sort()).toEqual(['work', ...Array.from({ length: 8 }, (_, i) => `work__${i + 1}`)].sort());
    expect(lines.every((l) => l.includes(' try 1 '))).toBe(true);
    const tries = g
      .db()
      .prepare("select task_id, count(*) as n from task_instance_try where dag_id = 'work' group by task_id")
      .all() as { n: number }[];
    expect(tries.every((t) => t.n === 1)).toBe(true);
    await scheduler.stop();
    await processor.stop();
  });

  it('a task process killed with kill -9 is failed by its missing heartbeat and retried', async () => {
    g = makeGaleHome({ GALE__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT: '3' });
    g.writeDag(
      'victim.ts',
      `import { dag, task } from 'gale/sdk';
       dag({ dagId: 'victim' }, () => {
         task({ taskId: 'victim', retries: 1, retryDelay: '100ms' }, async (ctx) => {
           if (ctx.tryNumber === 1) await new Promise((r) => setTimeout(r, 60_000));
           return ctx.tryNumber;
         })();
       });`,
    );
    expect(g.gale(['db', 'migrate']).code).toBe(0);
    // A scheduler in another process than the task's parent: run the processor and trigger first,
    // then kill the task process behind the scheduler's back.
    const s = g.start(['standalone']);
    await waitFor(() => g.gale(['dags', 'list', '-o', 'json']).stdout.includes('"victim"'), {
      what: 'the DAG to be parsed',
    });
    const runId = JSON.parse(g.gale(['dags', 'trigger', 'victim', '-o', 'json']).stdout).run_id as string;
    const pid = await waitFor(
      () =>
        (
          g
            .db()
            .prepare("select pid from task_instance where dag_id = 'victim' and state = 'running'")
            .get() as { pid: number } | undefined
        )?.pid,
      { what: 'the first try to run' },
    );
    process.kill(pid, 'SIGKILL');
    await waitFor(() => runsOf(g.db(), 'victim')[0]?.state === 'success', {
      what: 'the retry to succeed',
      seen: () => taskStates(g.db(), 'victim', runId),
    });
    const history = g
      .db()
      .prepare(
        "select try_number, state, error from task_instance_try where dag_id = 'victim' order by try_number",
      )
      .all() as {
      try_number: number;
      state: string;
      error: string;
    }[];
    expect(history.map((h) => [h.try_number, h.state])).toEqual([
      [1, 'up_for_retry'],
      [2, 'success'],
    ]);
    expect(history[0]?.error).toMatch(/killed by SIGKILL|No heartbeat/);
    await s.stop();
  });
});
