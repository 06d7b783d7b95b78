/**
 * The queue executor on a real Redis: a scheduler sends tries, two `gale worker` processes run
 * them. A worker killed with kill -9 together with its task processes (a lost machine) leads its
 * tries through the zombie and retry rules, nothing runs twice and nothing is lost; a Redis
 * restart that loses every queued job does not lose the run.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type GaleHome,
  isAlive,
  makeGaleHome,
  runsOf,
  startExecutionApi,
  taskStates,
  waitFor,
} from '../support/gale-home.js';
import { useRedis } from '../support/redis-server.js';

function lines(path: string): string[] {
  try {
    return readFileSync(path, 'utf8').split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

function parentPid(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return null;
  }
}

describe('queue executor (Redis)', () => {
  const redis = useRedis();
  let g: GaleHome;
  afterEach(() => g?.cleanup());

  async function setUp(dag: string, extraEnv: NodeJS.ProcessEnv = {}) {
    g = makeGaleHome({
      GALE__CORE__EXECUTOR: 'queue',
      GALE__QUEUE__REDIS_URL: redis.url,
      GALE__QUEUE__KEY_PREFIX: `t${Date.now()}`,
      GALE__SCHEDULER__SCHEDULER_HEARTBEAT_SEC: '0.5',
      ...extraEnv,
    });
    g.writeDag('dag.ts', dag);
    expect(g.gale(['db', 'migrate']).code).toBe(0);
    await startExecutionApi(g);
    const processor = g.start(['dag-processor']);
    await waitFor(() => g.gale(['dags', 'list', '-o', 'json']).stdout.includes('"work"'), {
      what: 'the DAG to be parsed',
      seen: () => processor.output(),
    });
  }

  it('two workers share the tries; one killed with its task processes loses nothing and runs nothing twice', {
    timeout: 180_000,
  }, async () => {
    await setUp(
      `import { appendFileSync } from 'node:fs';
       import { dag, task } from 'gale/sdk';
       const work = task({ taskId: 'work', retries: 2, retryDelay: '1s' }, async (ctx) => {
         appendFileSync(process.env.EFFECTS_FILE, ctx.taskId + ' try ' + ctx.tryNumber + '\\n');
         await new Promise((r) => setTimeout(r, 2500));
       });
       dag({ dagId: 'work' }, () => {
         for (let i = 0; i < 8; i++) work();
       });`,
      { GALE__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT: '4' },
    );
    const effectsFile = join(g.home, 'effects.txt');
    const env = { EFFECTS_FILE: effectsFile };
    const scheduler = g.start(['scheduler'], env);
    const workerA = g.start(['worker', '--queues', 'default', '--concurrency', '4'], env);
    const workerB = g.start(['worker', '--queues', 'default', '--concurrency', '4'], env);
    await waitFor(
      () => {
        const r = g.gale(['workers', 'list', '-o', 'json']);
        return r.code === 0 && (JSON.parse(r.stdout) as unknown[]).length === 2;
      },
      { what: 'two workers to register', seen: () => workerA.output() + workerB.output() },
    );
    const runId = JSON.parse(g.gale(['dags', 'trigger', 'work', '-o', 'json']).stdout).run_id as string;
    const running = () =>
      g
        .db()
        .prepare("select task_id, pid from task_instance where dag_id = 'work' and state = 'running'")
        .all() as {
        task_id: string;
        pid: number;
      }[];
    // Both workers run tries; then worker A's machine "dies": the worker and its task processes.
    const aPid = workerA.child.pid ?? 0;
    const victims = await waitFor(
      () => {
        const mine = running().filter((r) => parentPid(r.pid) === aPid);
        const theirs = running().filter((r) => parentPid(r.pid) !== aPid);
        return mine.length > 0 && theirs.length > 0 ? mine : null;
      },
      {
        what: 'both workers to run tries',
        seen: () => ({ running: running(), a: workerA.output().slice(-800) }),
      },
    );
    await workerA.kill9();
    for (const v of victims) {
      try {
        process.kill(-v.pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
    await waitFor(() => victims.every((v) => !isAlive(v.pid)), { what: 'the victims to die' });
    await waitFor(() => runsOf(g.db(), 'work')[0]?.state === 'success', {
      what: 'the run to succeed',
      timeoutMs: 120_000,
      seen: () => ({ states: taskStates(g.db(), 'work', runId), log: scheduler.output().slice(-1500) }),
    });
    const seen = lines(effectsFile);
    // no try ran twice
    expect(new Set(seen).size).toBe(seen.length);
    // every task ran; the killed ones ran again as try 2, by the zombie and retry rules
    const tasks = new Set(seen.map((l) => l.split(' ')[0]));
    expect(tasks.size).toBe(8);
    for (const v of victims) expect(seen).toContain(`${v.task_id} try 2`);
    const history = g
      .db()
      .prepare("select task_id, try_number, state, error from task_instance_try where dag_id = 'work'")
      .all() as { task_id: string; try_number: number; state: string; error: string | null }[];
    for (const v of victims) {
      const first = history.find((h) => h.task_id === v.task_id && h.try_number === 1);
      expect(first?.state).toBe('up_for_retry');
      expect(first?.error).toMatch(/heartbeat/);
    }
    await Promise.all([scheduler.stop(), workerB.stop()]);
  });

  it('a Redis restart that loses every queued try does not lose the run', { timeout: 180_000 }, async () => {
    await setUp(
      `import { dag, task, chain } from 'gale/sdk';
       const step = task('step', async () => {
         await new Promise((r) => setTimeout(r, 300));
       });
       dag({ dagId: 'work' }, () => {
         chain(...Array.from({ length: 12 }, () => step()));
       });`,
    );
    const scheduler = g.start(['scheduler']);
    const worker = g.start(['worker', '--concurrency', '2']);
    const runId = JSON.parse(g.gale(['dags', 'trigger', 'work', '-o', 'json']).stdout).run_id as string;
    const succeeded = () =>
      Object.values(taskStates(g.db(), 'work', runId)).filter((s) => s === 'success').length;
    await waitFor(() => succeeded() >= 3, {
      what: 'three steps to succeed',
      timeoutMs: 60_000,
      seen: succeeded,
    });
    await redis.kill();
    await new Promise((r) => setTimeout(r, 1500));
    await redis.start();
    await waitFor(() => runsOf(g.db(), 'work')[0]?.state === 'success', {
      what: 'the run to succeed after the Redis restart',
      timeoutMs: 120_000,
      seen: () => ({
        states: taskStates(g.db(), 'work', runId),
        scheduler: scheduler.output().slice(-1200),
        worker: worker.output().slice(-1200),
      }),
    });
    await Promise.all([scheduler.stop(), worker.stop()]);
    expect(worker.child.exitCode).toBe(0);
  });
});
