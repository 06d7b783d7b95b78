/**
 * Deferrable tasks with real processes: a task defers to the triggerer and gives its worker slot
 * to another task meanwhile, then resumes with the trigger's event in the same try; a deferral
 * past its timeout fails; a triggerer killed with kill -9 while a trigger waits hands it on to
 * another triggerer, and the run completes; on queue workers, the same through the task execution API.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ExecutionTokens } from '../../src/executors/index.js';
import {
  type GaleHome,
  makeGaleHome,
  runsOf,
  type Service,
  startExecutionApi,
  TEST_SECRET_KEY,
  taskStates,
  waitFor,
} from '../support/gale-home.js';
import { startRedis } from '../support/redis-server.js';

const FAST_TRIGGERER = {
  GALE__TRIGGERER__POLL_INTERVAL: '0.2',
  GALE__TRIGGERER__JOB_HEARTBEAT_SEC: '0.5',
};

interface HistoryRow {
  task_id: string;
  try_number: number;
  state: string;
  start_date: string | null;
  end_date: string | null;
  error: string | null;
}

function history(g: GaleHome, dagId: string): HistoryRow[] {
  return g
    .db()
    .prepare(
      'select task_id, try_number, state, start_date, end_date, error from task_instance_try where dag_id = ? order by task_id, try_number',
    )
    .all(dagId) as HistoryRow[];
}

function output(g: GaleHome, dagId: string, taskId: string): unknown {
  const row = g
    .db()
    .prepare("select value from xcom where dag_id = ? and task_id = ? and key = 'return_value'")
    .get(dagId, taskId) as { value: string } | undefined;
  return row ? JSON.parse(row.value) : undefined;
}

/** Starts standalone and waits until it is ready (it migrates a new database first). */
async function standaloneReady(g: GaleHome): Promise<Service> {
  const s = g.start(['standalone']);
  await waitFor(() => s.output().includes('Gale standalone is ready'), {
    what: 'standalone to be ready',
    timeoutMs: 60_000,
    seen: () => s.output().slice(-2000),
  });
  return s;
}

async function parsed(g: GaleHome, dagId: string, seen: () => unknown): Promise<void> {
  await waitFor(() => g.gale(['dags', 'list', '-o', 'json']).stdout.includes(`"${dagId}"`), {
    what: `DAG ${dagId} to be parsed`,
    timeoutMs: 60_000,
    seen,
  });
}

describe('deferrable tasks', () => {
  let g: GaleHome;
  afterEach(() => g?.cleanup());

  it('a deferred task frees its worker slot for another, then resumes with the event in the same try', {
    timeout: 120_000,
  }, async () => {
    // one worker slot: the other task can only run while the first is deferred
    g = makeGaleHome({ ...FAST_TRIGGERER, GALE__CORE__PARALLELISM: '1' });
    g.writeDag(
      'defer.ts',
      `import { dag, task, timeDeltaTrigger } from 'gale/sdk';
       const wait = task(
         {
           taskId: 'wait',
           priorityWeight: 10,
           resume: { done: (ctx, firedAt: string, kwargs) => ({ firedAt, n: kwargs.n, tryNumber: ctx.tryNumber }) },
         },
         (ctx) => ctx.defer(timeDeltaTrigger('3s'), { method: 'done', kwargs: { n: 7 } }),
       );
       const other = task({ taskId: 'other', priorityWeight: 1 }, () => new Date().toISOString());
       dag({ dagId: 'defer' }, () => { wait(); other(); });`,
    );
    const standalone = await standaloneReady(g);
    await parsed(g, 'defer', () => standalone.output().slice(-2000));
    const runId = JSON.parse(g.gale(['dags', 'trigger', 'defer', '-o', 'json']).stdout).run_id as string;
    await waitFor(() => taskStates(g.db(), 'defer', runId).wait === 'deferred', {
      what: 'the task to defer',
      seen: () => ({ states: taskStates(g.db(), 'defer', runId), log: standalone.output().slice(-2000) }),
    });
    // while it waits, the only worker slot runs the other task
    await waitFor(() => taskStates(g.db(), 'defer', runId).other === 'success', {
      what: 'the other task to run while the first is deferred',
      seen: () => taskStates(g.db(), 'defer', runId),
    });
    expect(taskStates(g.db(), 'defer', runId).wait).toBe('deferred');
    await waitFor(() => runsOf(g.db(), 'defer')[0]?.state === 'success', {
      what: 'the run to succeed',
      seen: () => ({ states: taskStates(g.db(), 'defer', runId), log: standalone.output().slice(-3000) }),
    });
    const tries = history(g, 'defer');
    expect(tries.map((t) => [t.task_id, t.try_number, t.state])).toEqual([
      ['other', 1, 'success'],
      ['wait', 1, 'success'],
    ]);
    const waited = output(g, 'defer', 'wait') as { firedAt: string; n: number; tryNumber: number };
    expect(waited).toMatchObject({ n: 7, tryNumber: 1 });
    const wait = tries.find((t) => t.task_id === 'wait')!;
    const other = tries.find((t) => t.task_id === 'other')!;
    // the try's start is that of its first run; it fired at least 3 s later, after the other task
    expect(Date.parse(waited.firedAt) - Date.parse(wait.start_date ?? '')).toBeGreaterThanOrEqual(2_900);
    expect(Date.parse(other.end_date ?? '')).toBeLessThan(Date.parse(waited.firedAt));
    const row = g
      .db()
      .prepare("select try_number, trigger_id, next_method from task_instance where task_id = 'wait'")
      .get();
    expect(row).toEqual({ try_number: 1, trigger_id: null, next_method: null });
    await standalone.stop();
  });

  it('a deferral whose trigger does not fire within its timeout fails the task instance', {
    timeout: 120_000,
  }, async () => {
    g = makeGaleHome(FAST_TRIGGERER);
    g.writeDag(
      'late.ts',
      `import { dag, task, timeDeltaTrigger } from 'gale/sdk';
       const late = task('late', (ctx) => ctx.defer(timeDeltaTrigger('1h'), { timeout: '1s' }));
       dag({ dagId: 'late' }, () => { late(); });`,
    );
    const standalone = await standaloneReady(g);
    await parsed(g, 'late', () => standalone.output().slice(-2000));
    g.gale(['dags', 'trigger', 'late']);
    await waitFor(() => runsOf(g.db(), 'late')[0]?.state === 'failed', {
      what: 'the run to fail',
      seen: () => ({ states: taskStates(g.db(), 'late'), log: standalone.output().slice(-2000) }),
    });
    const tries = history(g, 'late');
    expect(tries).toHaveLength(1);
    expect(tries[0]).toMatchObject({ task_id: 'late', try_number: 1, state: 'failed' });
    expect(tries[0]?.error).toContain('GALE_ERR_DEFERRAL_TIMEOUT');
    await waitFor(
      () => Number((g.db().prepare('select count(*) as n from trigger').get() as { n: unknown }).n) === 0,
      {
        what: 'the trigger to be cleaned up',
      },
    );
    await standalone.stop();
  });

  it("a killed triggerer's waiting trigger is taken over by another triggerer, and the run completes", {
    timeout: 150_000,
  }, async () => {
    g = makeGaleHome(FAST_TRIGGERER);
    g.writeDag(
      'takeover.ts',
      `import { dag, task, timeDeltaTrigger } from 'gale/sdk';
       const wait = task('wait', (ctx) => ctx.triggerEvent ?? ctx.defer(timeDeltaTrigger('4s')));
       dag({ dagId: 'takeover' }, () => { wait(); });`,
    );
    expect(g.gale(['db', 'migrate']).code).toBe(0);
    const processor = g.start(['dag-processor']);
    const scheduler = g.start(['scheduler']);
    const first = g.start(['triggerer']);
    await parsed(g, 'takeover', () => processor.output().slice(-2000));
    g.gale(['dags', 'trigger', 'takeover']);
    const claimedBy = (): number | null =>
      (
        g.db().prepare('select triggerer_id from trigger').get() as
          | { triggerer_id: number | null }
          | undefined
      )?.triggerer_id ?? null;
    const firstJob = await waitFor(claimedBy, {
      what: 'the first triggerer to claim the trigger',
      seen: () => ({ states: taskStates(g.db(), 'takeover'), log: first.output().slice(-2000) }),
    });
    await first.kill9();
    const second = g.start(['triggerer']);
    await waitFor(() => runsOf(g.db(), 'takeover')[0]?.state === 'success', {
      what: 'the run to succeed through the second triggerer',
      timeoutMs: 60_000,
      seen: () => ({
        states: taskStates(g.db(), 'takeover'),
        claimedBy: claimedBy(),
        triggerer: second.output().slice(-2000),
        scheduler: scheduler.output().slice(-1000),
      }),
    });
    expect(history(g, 'takeover').map((t) => [t.try_number, t.state])).toEqual([[1, 'success']]);
    const jobs = g
      .db()
      .prepare("select id, state from job where job_type = 'triggerer' order by id")
      .all() as { id: number; state: string }[];
    expect(jobs).toHaveLength(2);
    expect(jobs[0]?.id).toBe(firstJob);
    expect(second.output()).toContain('trigger fired');
    // SIGTERM stops a triggerer gracefully
    await second.stop();
    expect(second.child.exitCode).toBe(0);
  });
  it("gale dags test waits for a deferred task's trigger in its own process, as dag.test() does", {
    timeout: 60_000,
  }, () => {
    g = makeGaleHome();
    g.writeDag(
      'inline.ts',
      `import { dag, task, timeDeltaTrigger, waitFor } from 'gale/sdk';
       const again = task('again', (ctx) => (ctx.triggerEvent ? 'resumed' : ctx.defer(timeDeltaTrigger('1s'))));
       const late = task('late', (ctx) => ctx.defer(timeDeltaTrigger('1h'), { timeout: '500ms' }));
       dag({ dagId: 'inline' }, () => { again().then(waitFor('sensor', '0s')); late(); });`,
    );
    expect(g.gale(['db', 'migrate']).code).toBe(0);
    const result = g.gale(['dags', 'test', 'inline']);
    expect(result.stdout).toContain('again | trigger fired');
    expect(result.stdout).toContain('late | trigger failed: GALE_ERR_DEFERRAL_TIMEOUT');
    const runId = (
      g.db().prepare("select run_id from dag_run where dag_id = 'inline'").get() as { run_id: string }
    ).run_id;
    expect(taskStates(g.db(), 'inline', runId)).toEqual({
      again: 'success',
      sensor: 'success',
      late: 'failed',
    });
    expect(output(g, 'inline', 'again')).toBe('resumed');
  });

  it('on queue workers, a try defers and resumes through the task execution API, and a token defers only its own try', {
    timeout: 180_000,
  }, async () => {
    const redis = await startRedis();
    try {
      g = makeGaleHome({
        ...FAST_TRIGGERER,
        GALE__CORE__EXECUTOR: 'queue',
        GALE__QUEUE__REDIS_URL: redis.url,
        GALE__QUEUE__KEY_PREFIX: `d${Date.now()}`,
      });
      g.writeDag(
        'remote.ts',
        `import { dag, task, timeDeltaTrigger } from 'gale/sdk';
         const remote = task(
           { taskId: 'remote', resume: { back: (ctx, firedAt: string, kwargs) => ({ firedAt, kwargs, tryNumber: ctx.tryNumber }) } },
           (ctx) => ctx.defer(timeDeltaTrigger('2s'), { method: 'back', kwargs: { from: 'worker' } }),
         );
         const other = task('other', () => 'o');
         dag({ dagId: 'remote' }, () => { remote(); other(); });`,
      );
      expect(g.gale(['db', 'migrate']).code).toBe(0);
      const { api, url } = await startExecutionApi(g);
      const processor = g.start(['dag-processor']);
      await parsed(g, 'remote', () => processor.output().slice(-2000));
      const scheduler = g.start(['scheduler']);
      const triggerer = g.start(['triggerer']);
      const worker = g.start(['worker', '--concurrency', '1']);
      const runId = JSON.parse(g.gale(['dags', 'trigger', 'remote', '-o', 'json']).stdout).run_id as string;
      await waitFor(() => runsOf(g.db(), 'remote')[0]?.state === 'success', {
        what: 'the run to succeed',
        timeoutMs: 120_000,
        seen: () => ({
          states: taskStates(g.db(), 'remote', runId),
          worker: worker.output().slice(-2000),
          triggerer: triggerer.output().slice(-1000),
        }),
      });
      expect(output(g, 'remote', 'remote')).toMatchObject({ kwargs: { from: 'worker' }, tryNumber: 1 });
      expect(history(g, 'remote').map((t) => [t.task_id, t.try_number, t.state])).toEqual([
        ['other', 1, 'success'],
        ['remote', 1, 'success'],
      ]);
      // a token defers only its own try, and only while it runs
      const ids = g.db().prepare("select id, task_id from task_instance where dag_id = 'remote'").all() as {
        id: string;
        task_id: string;
      }[];
      const idOf = (task: string) => ids.find((r) => r.task_id === task)?.id ?? '';
      const tokens = new ExecutionTokens(TEST_SECRET_KEY, 60);
      const defer = (tiId: string, token: string) =>
        fetch(`${url}/execution/v1/task-instances/${tiId}/defer`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({
            try_number: 1,
            trigger: { classpath: 'gale.triggers.TimeDeltaTrigger', kwargs: { delta_ms: 10 } },
            method: 'execute',
            kwargs: {},
            timeout_ms: null,
            execution_timeout_ms: null,
          }),
        });
      expect((await defer(idOf('remote'), tokens.mint(idOf('other'), 1))).status).toBe(403);
      const ended = await defer(idOf('remote'), tokens.mint(idOf('remote'), 1));
      expect(ended.status).toBe(200);
      expect(await ended.json()).toEqual({ deferred: false });
      expect(taskStates(g.db(), 'remote', runId).remote).toBe('success');
      // the health route reports the triggerer and its latest heartbeat
      const health = (await (await fetch(`${url}/api/v2/monitor/health`)).json()) as {
        triggerer: { status: string | null; latest_heartbeat: string | null };
      };
      expect(health.triggerer.status).toBe('healthy');
      expect(health.triggerer.latest_heartbeat).not.toBeNull();
      await Promise.all([worker.stop(), triggerer.stop(), scheduler.stop(), processor.stop(), api.stop()]);
    } finally {
      await redis.kill();
    }
  });
});
