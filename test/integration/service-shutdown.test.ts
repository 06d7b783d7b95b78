/**
 * Each service stops cleanly on SIGTERM and loses no work: a worker finishes the tries it runs
 * before it exits, the scheduler and the DAG processor exit at once, and services started again
 * finish the run, each task having run exactly once.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type GaleHome,
  makeGaleHome,
  runsOf,
  startExecutionApi,
  taskStates,
  waitFor,
} from '../support/gale-home.js';
import { useRedis } from '../support/redis-server.js';

describe('SIGTERM', () => {
  const redis = useRedis();
  let g: GaleHome;
  afterEach(() => g?.cleanup());

  it('stops the worker, scheduler, DAG processor, triggerer and API server cleanly, and the run completes after a restart', {
    timeout: 180_000,
  }, async () => {
    g = makeGaleHome({
      GALE__CORE__EXECUTOR: 'queue',
      GALE__QUEUE__REDIS_URL: redis.url,
      GALE__QUEUE__KEY_PREFIX: `s${Date.now()}`,
    });
    const effects = join(g.home, 'effects.txt');
    g.writeDag(
      'slow.ts',
      `import { appendFileSync } from 'node:fs';
       import { dag, task } from 'gale/sdk';
       const slow = task('slow', async (ctx) => {
         await new Promise((r) => setTimeout(r, 2000));
         appendFileSync(${JSON.stringify(effects)}, ctx.taskId + ' try ' + ctx.tryNumber + '\\n');
       });
       dag({ dagId: 'slow', maxActiveTasks: 2 }, () => {
         for (let i = 0; i < 6; i++) slow();
       });`,
    );
    expect(g.gale(['db', 'migrate']).code).toBe(0);
    const processor = g.start(['dag-processor']);
    await waitFor(() => g.gale(['dags', 'list', '-o', 'json']).stdout.includes('"slow"'), {
      what: 'the DAG to be parsed',
      seen: () => processor.output(),
    });
    const { api } = await startExecutionApi(g);
    const scheduler = g.start(['scheduler']);
    const triggerer = g.start(['triggerer']);
    const worker = g.start(['worker', '--concurrency', '2']);
    const runId = JSON.parse(g.gale(['dags', 'trigger', 'slow', '-o', 'json']).stdout).run_id as string;
    const states = () => taskStates(g.db(), 'slow', runId);
    await waitFor(() => Object.values(states()).filter((s) => s === 'running').length === 2, {
      what: 'two tries to run',
      seen: states,
    });
    const running = Object.entries(states())
      .filter(([, s]) => s === 'running')
      .map(([t]) => t);

    // The worker stops taking tries and waits for the two it runs: they end in success.
    await Promise.all([worker.stop(), scheduler.stop(), processor.stop(), triggerer.stop()]);
    expect(triggerer.child.exitCode).toBe(0);
    expect(worker.child.exitCode).toBe(0);
    expect(scheduler.child.exitCode).toBe(0);
    expect(processor.child.exitCode).toBe(0);
    for (const t of running) expect(states()[t]).toBe('success');
    expect(worker.output()).toContain('worker stopped');
    await api.stop();
    expect(api.child.exitCode).toBe(0);

    await startExecutionApi(g);
    g.start(['dag-processor']);
    const again = g.start(['scheduler']);
    g.start(['worker', '--concurrency', '2']);
    await waitFor(() => runsOf(g.db(), 'slow')[0]?.state === 'success', {
      what: 'the run to succeed after the restart',
      timeoutMs: 120_000,
      seen: () => ({ states: states(), log: again.output().slice(-1500) }),
    });
    const lines = readFileSync(effects, 'utf8').split('\n').filter(Boolean);
    expect(lines.sort()).toEqual(
      ['slow', ...Array.from({ length: 5 }, (_, i) => `slow__${i + 1}`)].map((t) => `${t} try 1`).sort(),
    );
  });

  it('a worker whose Redis is gone still stops within its grace period', { timeout: 120_000 }, async () => {
    g = makeGaleHome({
      GALE__CORE__EXECUTOR: 'queue',
      GALE__QUEUE__REDIS_URL: redis.url,
      GALE__QUEUE__KEY_PREFIX: `r${Date.now()}`,
      GALE__QUEUE__WORKER_SHUTDOWN_GRACE: '3',
    });
    expect(g.gale(['db', 'migrate']).code).toBe(0);
    await startExecutionApi(g);
    const worker = g.start(['worker']);
    await waitFor(() => worker.output().includes('worker started'), {
      what: 'the worker to start',
      seen: () => worker.output(),
    });
    await redis.kill();
    try {
      worker.child.kill('SIGTERM');
      await waitFor(() => worker.child.exitCode !== null, {
        what: 'the worker to exit within its grace period',
        timeoutMs: 30_000,
        seen: () =>
          worker
            .output()
            .split('\n')
            .filter((l) => / INFO /.test(l))
            .join('\n'),
      });
      expect(worker.output()).toContain('worker stopped');
    } finally {
      await redis.start();
    }
  });
});
