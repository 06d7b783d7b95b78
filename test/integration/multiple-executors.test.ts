/**
 * Several executors at once (core.executor: local,queue, as Airflow 2.10+): one DAG whose tasks
 * run on the executor each names, the local one in the scheduler's task processes and the queue
 * one in a `gale worker` through a real Redis; and a task naming an executor its scheduler does
 * not run, which fails with a message rather than waiting forever or running elsewhere.
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

/** Each task returns the pid of the process that started its task process. */
const MIXED_DAG = `
import { dag, task } from 'gale/sdk';
const onLocal = task('on_local', () => ({ parent: process.ppid }));
const onQueue = task({ taskId: 'on_queue', executor: 'queue' }, (_ctx, up: { parent: number }) => ({
  parent: process.ppid,
  upstreamParent: up.parent,
}));
dag({ dagId: 'mixed', schedule: null }, () => {
  onQueue(onLocal());
});
`;

const MISROUTED_DAG = `
import { dag, task } from 'gale/sdk';
const elsewhere = task({ taskId: 'elsewhere', executor: 'queue' }, () => 1);
const after = task('after', (_ctx, n: number) => n + 1);
const alone = task('alone', () => 2);
dag({ dagId: 'misrouted', schedule: null }, () => {
  after(elsewhere());
  alone();
});
`;

interface TiExecutorRow {
  task_id: string;
  state: string;
  executor: string | null;
  hostname: string | null;
  try_number: number;
}

function taskInstances(g: GaleHome, dagId: string): Record<string, TiExecutorRow> {
  const rows = g
    .db()
    .prepare(
      'select task_id, state, executor, hostname, try_number from task_instance where dag_id = ? order by task_id',
    )
    .all(dagId) as TiExecutorRow[];
  return Object.fromEntries(rows.map((r) => [r.task_id, r]));
}

function output(g: GaleHome, dagId: string, taskId: string): unknown {
  const row = g
    .db()
    .prepare("select value from xcom where dag_id = ? and task_id = ? and key = 'return_value'")
    .get(dagId, taskId) as { value: string } | undefined;
  return row ? JSON.parse(row.value) : undefined;
}

describe('several executors at once', () => {
  let g: GaleHome;
  afterEach(() => g?.cleanup());

  describe('with Redis', () => {
    const redis = useRedis();

    it('each task runs on the executor it names: local in the scheduler, queue in a worker', {
      timeout: 120_000,
    }, async () => {
      g = makeGaleHome({
        GALE__CORE__EXECUTOR: 'local,queue',
        GALE__QUEUE__REDIS_URL: redis.url,
        GALE__QUEUE__KEY_PREFIX: `multi${Date.now()}`,
      });
      g.writeDag('mixed.ts', MIXED_DAG);
      expect(g.gale(['db', 'migrate']).code).toBe(0);
      await startExecutionApi(g);
      const processor = g.start(['dag-processor']);
      await waitFor(() => g.gale(['dags', 'list', '-o', 'json']).stdout.includes('"mixed"'), {
        what: 'the DAG to be parsed',
        seen: () => processor.output(),
      });
      const scheduler = g.start(['scheduler']);
      const worker = g.start(['worker', '--queues', 'default', '--concurrency', '2']);
      await waitFor(() => scheduler.output().includes('scheduler started'), {
        what: 'the scheduler to start its executors',
        seen: () => scheduler.output(),
      });
      expect(scheduler.output()).toMatch(/executors.*local.*queue/);

      const trigger = g.gale(['dags', 'trigger', 'mixed', '-o', 'json']);
      expect(trigger.code, trigger.stderr).toBe(0);
      await waitFor(() => runsOf(g.db(), 'mixed')[0]?.state === 'success', {
        what: 'the run to succeed',
        timeoutMs: 90_000,
        seen: () => ({
          tis: taskInstances(g, 'mixed'),
          scheduler: scheduler.output().slice(-1500),
          worker: worker.output().slice(-1500),
        }),
      });

      const tis = taskInstances(g, 'mixed');
      expect(tis.on_local).toMatchObject({ state: 'success', executor: 'local', try_number: 1 });
      expect(tis.on_queue).toMatchObject({ state: 'success', executor: 'queue', try_number: 1 });
      // the local try's task process is the scheduler's child, the queue try's the worker's
      expect(output(g, 'mixed', 'on_local')).toEqual({ parent: scheduler.child.pid });
      expect(output(g, 'mixed', 'on_queue')).toEqual({
        parent: worker.child.pid,
        upstreamParent: scheduler.child.pid,
      });
      const history = g
        .db()
        .prepare("select task_id, executor from task_instance_try where dag_id = 'mixed' order by task_id")
        .all();
      expect(history).toEqual([
        { task_id: 'on_local', executor: 'local' },
        { task_id: 'on_queue', executor: 'queue' },
      ]);
      await Promise.all([scheduler.stop(), worker.stop(), processor.stop()]);
      expect(scheduler.child.exitCode).toBe(0);
    });
  });

  it('a task naming an executor its scheduler does not run fails at once, saying so in its try', {
    timeout: 90_000,
  }, async () => {
    g = makeGaleHome({ GALE__CORE__EXECUTOR: 'local' });
    g.writeDag('misrouted.ts', MISROUTED_DAG);
    const standalone = g.start(['standalone']);
    await waitFor(() => g.gale(['dags', 'list', '-o', 'json']).stdout.includes('"misrouted"'), {
      what: 'the DAG to be parsed',
      seen: () => standalone.output(),
    });
    const trigger = g.gale(['dags', 'trigger', 'misrouted', '-o', 'json']);
    expect(trigger.code, trigger.stderr).toBe(0);
    const runId = JSON.parse(trigger.stdout).run_id as string;
    await waitFor(() => runsOf(g.db(), 'misrouted')[0]?.state === 'failed', {
      what: 'the run to fail',
      seen: () => ({ states: taskStates(g.db(), 'misrouted'), out: standalone.output().slice(-2000) }),
    });

    expect(taskStates(g.db(), 'misrouted', runId)).toEqual({
      elsewhere: 'failed',
      after: 'upstream_failed',
      alone: 'success',
    });
    // failed at once, as try 1, with no retry and no process: nothing ran it
    expect(taskInstances(g, 'misrouted').elsewhere).toMatchObject({
      executor: 'queue',
      try_number: 1,
      hostname: null,
    });
    const tries = g
      .db()
      .prepare("select try_number, state, executor, error from task_instance_try where task_id = 'elsewhere'")
      .all() as { try_number: number; state: string; executor: string; error: string }[];
    expect(tries).toHaveLength(1);
    expect(tries[0]).toMatchObject({ try_number: 1, state: 'failed', executor: 'queue' });
    expect(tries[0]?.error).toContain('names executor "queue", which this scheduler does not run');
    expect(tries[0]?.error).toContain('GALE_ERR_EXECUTOR_NOT_CONFIGURED');
    expect(tries[0]?.error).toContain('GALE__CORE__EXECUTOR=local,queue');

    const log = readFileSync(
      join(g.home, 'logs', 'dag_id=misrouted', `run_id=${runId}`, 'task_id=elsewhere', 'attempt=1.log'),
      'utf8',
    );
    expect(log).toMatch(/ERROR Task "elsewhere" of DAG "misrouted" names executor "queue"/);
    expect(standalone.output()).toMatch(/task instance failed: Task "elsewhere".*core\.executor is local/);
    await standalone.stop();
    expect(standalone.child.exitCode).toBe(0);
  });
});
