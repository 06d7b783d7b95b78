/**
 * Logs of tries that run on queue workers, read through the API server on "another machine": the
 * worker writes its tries' logs under its own logging.base_log_folder, which the API server cannot
 * read, and serves them from its log server. A client follows a running try's log through the API
 * and reads it whole once it has ended; a worker that is gone gives a clear 502, not a 500; a
 * worker without api.secret_key refuses to start.
 */
import { existsSync, writeFileSync } from 'node:fs';
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

const DAG = `
import { existsSync } from 'node:fs';
import { dag, task } from 'gale/sdk';
const talk = task('talk', async (ctx) => {
  ctx.log.info('first line from the worker');
  while (!existsSync(process.env.GO_ON_FILE)) await new Promise((r) => setTimeout(r, 100));
  ctx.log.info('second line from the worker: ünïcödé €');
});
dag({ dagId: 'remote_logs', schedule: null }, () => {
  talk();
});
`;

interface Log {
  content: string;
  continuation_token: string | null;
}

describe('logs of tries on queue workers', () => {
  const redis = useRedis();
  let g: GaleHome;
  afterEach(() => g?.cleanup());

  it('the API server follows a running try on a worker through its log server, and reads it after', {
    timeout: 180_000,
  }, async () => {
    g = makeGaleHome({
      GALE__CORE__EXECUTOR: 'queue',
      GALE__QUEUE__REDIS_URL: redis.url,
      GALE__QUEUE__KEY_PREFIX: `t${Date.now()}`,
      GALE__SCHEDULER__SCHEDULER_HEARTBEAT_SEC: '0.5',
    });
    g.writeDag('remote_logs.ts', DAG);
    expect(g.gale(['db', 'migrate']).code).toBe(0);
    const created = g.gale(
      ['users', 'create', '-u', 'reader', '-r', 'Viewer', '--password-stdin'],
      {},
      'reader-pass-1\n',
    );
    expect(created.code, created.stderr).toBe(0);
    const apiFolder = join(g.home, 'logs'); // the API server's (and scheduler's) log folder
    const workerFolder = join(g.home, 'worker-machine', 'logs');
    const { api, url: base } = await startExecutionApi(g);
    const processor = g.start(['dag-processor']);
    const scheduler = g.start(['scheduler']);
    const goOn = join(g.home, 'go-on');

    // without api.secret_key, a worker stops at once and says what to set
    const refused = g.gale(['worker'], { GALE__API__SECRET_KEY: '' });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('GALE__API__SECRET_KEY');

    const worker = g.start(['worker', '--concurrency', '2'], {
      GALE__LOGGING__BASE_LOG_FOLDER: workerFolder,
      GO_ON_FILE: goOn,
    });
    const registered = await waitFor(
      () =>
        g.db().prepare("select log_server_url from worker where state = 'running'").get() as
          | { log_server_url: string | null }
          | undefined,
      { what: 'the worker to register', seen: () => worker.output().slice(-1500) },
    );
    expect(registered.log_server_url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    await waitFor(() => g.gale(['dags', 'list', '-o', 'json']).stdout.includes('"remote_logs"'), {
      what: 'the DAG to be parsed',
      seen: () => processor.output().slice(-1500),
    });

    const login = await fetch(`${base}/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'reader', password: 'reader-pass-1' }),
    });
    const auth = {
      authorization: `Bearer ${((await login.json()) as { access_token: string }).access_token}`,
    };
    const runId = JSON.parse(g.gale(['dags', 'trigger', 'remote_logs', '-o', 'json']).stdout)
      .run_id as string;
    const logUrl = `${base}/api/v2/dags/remote_logs/dagRuns/${encodeURIComponent(runId)}/taskInstances/talk/logs/1`;
    const read = async (query = ''): Promise<{ status: number; body: Log }> => {
      const r = await fetch(`${logUrl}${query}`, { headers: auth });
      return { status: r.status, body: (await r.json()) as Log };
    };

    // while the try runs: its first line, and a token to follow it
    const first = await waitFor(
      async () => {
        const r = await read();
        return r.status === 200 && r.body.content.includes('first line') ? r.body : null;
      },
      {
        what: 'the first line of the running try, through the API',
        seen: () => ({ states: taskStates(g.db(), 'remote_logs'), worker: worker.output().slice(-1500) }),
      },
    );
    expect(taskStates(g.db(), 'remote_logs').talk).toBe('running');
    expect(first.content).not.toContain('second line');
    expect(first.continuation_token).not.toBeNull();
    const waiting = await read(`?continuation_token=${first.continuation_token}`);
    expect(waiting.body).toEqual({ content: '', continuation_token: first.continuation_token });

    // the try goes on: following it gives what it adds, until it has ended and all was read
    writeFileSync(goOn, '');
    let token = first.continuation_token;
    let followed = first.content;
    await waitFor(
      async () => {
        const r = await read(`?continuation_token=${token}`);
        expect(r.status).toBe(200);
        followed += r.body.content;
        token = r.body.continuation_token;
        return token === null;
      },
      { what: 'the followed log to end', seen: () => ({ followed, worker: worker.output().slice(-1000) }) },
    );
    expect(followed).toMatch(/first line from the worker[\s\S]*second line from the worker: ünïcödé €/);
    await waitFor(() => runsOf(g.db(), 'remote_logs')[0]?.state === 'success', {
      what: 'the run to succeed',
      seen: () => scheduler.output().slice(-1500),
    });

    // after the end, the whole log at once; it is on the worker's machine only
    const whole = await read('?full_content=true');
    expect(whole.body).toEqual({ content: followed, continuation_token: null });
    const relativePath = `dag_id=remote_logs/run_id=${runId}/task_id=talk/attempt=1.log`;
    expect(existsSync(join(workerFolder, relativePath))).toBe(true);
    expect(existsSync(join(apiFolder, relativePath))).toBe(false);
    const text = await fetch(logUrl, { headers: { ...auth, accept: 'text/plain' } });
    expect(await text.text()).toBe(followed);

    // the worker's machine is lost: a clear 502 that names the worker, never a 500 with a stack
    await worker.kill9();
    const gone = await fetch(logUrl, { headers: auth });
    expect(gone.status).toBe(502);
    expect(gone.headers.get('content-type')).toContain('application/problem+json');
    const problem = (await gone.json()) as { detail: string; code: string };
    expect(problem.code).toBe('GALE_ERR_LOG_UNAVAILABLE');
    expect(problem.detail).toMatch(/^Could not read served logs from the worker on host/);
    expect(problem.detail).toContain(registered.log_server_url ?? '');
    expect(problem.detail).not.toMatch(/\n\s+at /);
    expect(api.output()).not.toContain('API request failed');

    await Promise.all([scheduler.stop(), processor.stop(), api.stop()]);
  });
});
