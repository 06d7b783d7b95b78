/**
 * High availability (PostgreSQL only, as in Airflow): several schedulers run at once on one
 * database; every task instance is queued and run exactly once (counted by side effects), and a
 * scheduler killed with kill -9 mid-way changes nothing but who does the work.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type GaleHome, makeGaleHome, runsOf, waitFor } from '../support/gale-home.js';
import { testDialect } from '../support/test-db.js';

const RUNS = 20;
const TASKS = 25;

describe.skipIf(testDialect() !== 'postgres')('several schedulers at once', () => {
  let g: GaleHome;
  afterEach(() => g?.cleanup());

  it('three schedulers run 500 tasks across 20 runs exactly once, one killed mid-way', {
    timeout: 240_000,
  }, async () => {
    g = makeGaleHome({ GALE__CORE__PARALLELISM: '12', GALE__LOCAL_EXECUTOR__PREWARM_PROCESSES: '2' });
    const effects = join(g.home, 'side-effects.txt');
    g.writeDag(
      'wide.ts',
      `import { appendFileSync } from 'node:fs';
       import { dag, task } from 'gale/sdk';
       const work = task('work', async (ctx) => {
         appendFileSync(${JSON.stringify(effects)}, ctx.runId + ' ' + ctx.taskId + ' ' + process.pid + '\\n');
         await new Promise((r) => setTimeout(r, 20));
       });
       dag({ dagId: 'wide', maxActiveRuns: ${RUNS}, maxActiveTasks: 8 }, () => {
         for (let i = 0; i < ${TASKS}; i++) work();
       });`,
    );
    expect(g.gale(['db', 'migrate']).code).toBe(0);
    const processor = g.start(['dag-processor']);
    await waitFor(() => g.gale(['dags', 'list', '-o', 'json']).stdout.includes('"wide"'), {
      what: 'the DAG to be parsed',
      seen: () => processor.output(),
    });
    const schedulers = [g.start(['scheduler']), g.start(['scheduler']), g.start(['scheduler'])];
    for (let i = 0; i < RUNS; i++) {
      expect(g.gale(['dags', 'trigger', 'wide', '--run-id', `r${i}`]).code).toBe(0);
    }
    const done = () =>
      Number(
        (
          g
            .db()
            .prepare("select count(*) as n from task_instance where dag_id = 'wide' and state = 'success'")
            .get() as {
            n: number;
          }
        ).n,
      );
    await waitFor(() => done() >= 100, { what: '100 tasks to succeed', timeoutMs: 120_000, seen: done });
    await schedulers[1]?.kill9();
    await waitFor(() => runsOf(g.db(), 'wide').filter((r) => r.state === 'success').length === RUNS, {
      what: 'every run to succeed',
      timeoutMs: 180_000,
      seen: () => ({
        runs: runsOf(g.db(), 'wide').map((r) => r.state),
        done: done(),
        log: schedulers[0]?.output().slice(-1000),
      }),
    });
    const lines = readFileSync(effects, 'utf8').split('\n').filter(Boolean);
    const keys = lines.map((l) => l.split(' ').slice(0, 2).join(' '));
    // every task of every run ran, and ran exactly once
    expect(new Set(keys).size).toBe(RUNS * TASKS);
    expect(keys.length).toBe(RUNS * TASKS);
    const tries = g
      .db()
      .prepare("select count(*) as n from task_instance_try where dag_id = 'wide'")
      .get() as { n: number };
    expect(Number(tries.n)).toBe(RUNS * TASKS);
    // each scheduler was up and registered its job
    const jobs = g.db().prepare("select count(*) as n from job where job_type = 'scheduler'").get() as {
      n: number;
    };
    expect(Number(jobs.n)).toBe(3);
    for (const s of [schedulers[0], schedulers[2]]) await s?.stop();
  });
});
