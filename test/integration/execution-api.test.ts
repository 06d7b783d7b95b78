/**
 * The task execution API: task processes of `gale worker` hold no database settings and reach
 * the metadata through the API server with a token scoped to their try. Outputs flow, branches
 * skip, failures retry, a try longer than its token's lifetime lives on renewed tokens, and a
 * token opens nothing but its own try.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { generateFernetKey } from '../../src/db/index.js';
import { ExecutionTokens } from '../../src/executors/index.js';
import {
  type GaleHome,
  makeGaleHome,
  runsOf,
  startExecutionApi,
  TEST_SECRET_KEY,
  taskStates,
  waitFor,
} from '../support/gale-home.js';
import { useRedis } from '../support/redis-server.js';

/** The log of a task's first try, wherever under GALE_HOME/logs it is. */
function readTryLog(home: string, taskId: string): string {
  const files = readdirSync(join(home, 'logs'), { recursive: true, encoding: 'utf8' });
  const file = files.find((f) => f.includes(`task_id=${taskId}`) && f.endsWith('.log'));
  if (!file) throw new Error(`no log of ${taskId} among ${files.join(', ')}`);
  return readFileSync(join(home, 'logs', file), 'utf8');
}

describe('task execution API', () => {
  const redis = useRedis();
  let g: GaleHome;
  afterEach(() => g?.cleanup());

  it("worker task processes run whole DAGs through the API, without the database's settings", {
    timeout: 180_000,
  }, async () => {
    g = makeGaleHome({
      GALE__CORE__EXECUTOR: 'queue',
      GALE__QUEUE__REDIS_URL: redis.url,
      GALE__QUEUE__KEY_PREFIX: `x${Date.now()}`,
      GALE__EXECUTION_API__TOKEN_TTL: '10',
      GALE__CORE__FERNET_KEY: generateFernetKey(),
    });
    g.writeDag(
      'api.ts',
      `import { branch, dag, task } from 'gale/sdk';
       const produce = task('produce', async (ctx) => {
         await ctx.xcomPush('extra', { n: 41 });
         return 'made';
       });
       const consume = task('consume', async (ctx, made: string) => {
         const extra = await ctx.xcomPull<{ n: number }>('produce', 'extra');
         const settings = Object.keys(process.env).filter((k) => /^GALE__(DATABASE|API|QUEUE)__|^GALE__CORE__FERNET_KEY$/.test(k));
         const warehouse = await ctx.connection('warehouse');
         ctx.log.info('connecting with ' + warehouse.password + ' to ' + warehouse.uri);
         return {
           made,
           n: extra.n + 1,
           settings,
           viaApi: Boolean(process.env.GALE_EXECUTION_API_URL),
           region: await ctx.variable('region'),
           batch: await ctx.variableJson('batch', { size: 10 }),
           host: warehouse.host,
           extra: warehouse.extra,
         };
       });
       const pick = branch('pick', () => 'left');
       const left = task('left', () => 'l');
       const right = task('right', () => 'r');
       const flaky = task({ taskId: 'flaky', retries: 1, retryDelay: '1s' }, (ctx) => {
         if (ctx.tryNumber === 1) throw new Error('first try fails');
         return ctx.tryNumber;
       });
       // longer than the token's 10 s lifetime: it lives on tokens renewed by its heartbeats
       const long = task('long', async () => {
         await new Promise((r) => setTimeout(r, 13_000));
         return 'still here';
       });
       // mapped: the downstream task reads every instance's output through the API
       const square = task('square', (_ctx, { x }: { x: number }) => x * x);
       const total = task('total', (_ctx, squares: number[]) => squares.reduce((a, b) => a + b, 0));
       dag({ dagId: 'via_api' }, () => {
         total(square.expand({ x: task('numbers', () => [1, 2, 3])() }));
         const p = produce();
         consume(p.output<string>());
         const b = pick();
         b.then(left());
         b.then(right());
         flaky();
         long();
       });`,
    );
    expect(g.gale(['db', 'migrate']).code).toBe(0);
    expect(g.gale(['variables', 'set', 'region', 'eu-1']).code).toBe(0);
    const conn = g.gale([
      'connections',
      'add',
      'warehouse',
      '--conn-uri',
      'postgres://etl:pw-xyz-123@db.example:5433/dw?sslmode=require',
    ]);
    expect(conn.code, conn.stderr).toBe(0);
    const { api, url } = await startExecutionApi(g);
    const processor = g.start(['dag-processor']);
    await waitFor(() => g.gale(['dags', 'list', '-o', 'json']).stdout.includes('"via_api"'), {
      what: 'the DAG to be parsed',
      seen: () => processor.output(),
    });
    const scheduler = g.start(['scheduler']);
    const worker = g.start(['worker', '--concurrency', '4']);
    const runId = JSON.parse(g.gale(['dags', 'trigger', 'via_api', '-o', 'json']).stdout).run_id as string;

    // While the run goes: a token opens only its own try.
    const tokens = new ExecutionTokens(TEST_SECRET_KEY, 60);
    const ids = g.db().prepare("select id, task_id from task_instance where dag_id = 'via_api'").all() as {
      id: string;
      task_id: string;
    }[];
    const idOf = (task: string) => ids.find((r) => r.task_id === task)!.id;
    const call = (tiId: string, token: string | null) =>
      fetch(`${url}/execution/v1/task-instances/${tiId}/heartbeat`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: JSON.stringify({ try_number: 1 }),
      });
    expect((await call(idOf('left'), null)).status).toBe(401);
    expect((await call(idOf('left'), 'not-a-token')).status).toBe(401);
    expect((await call(idOf('left'), tokens.mint(idOf('right'), 1))).status).toBe(403);
    expect(
      (await call(idOf('left'), new ExecutionTokens('o'.repeat(40), 60).mint(idOf('left'), 1))).status,
    ).toBe(401);

    await waitFor(() => runsOf(g.db(), 'via_api')[0]?.state === 'success', {
      what: 'the run to succeed',
      timeoutMs: 120_000,
      seen: () => ({
        states: taskStates(g.db(), 'via_api', runId),
        worker: worker.output().slice(-2000),
        scheduler: scheduler.output().slice(-1000),
      }),
    });
    expect(taskStates(g.db(), 'via_api', runId)).toEqual({
      produce: 'success',
      consume: 'success',
      pick: 'success',
      left: 'success',
      right: 'skipped',
      flaky: 'success',
      long: 'success',
      numbers: 'success',
      square: 'success',
      total: 'success',
    });
    const output = (task: string) =>
      JSON.parse(
        (
          g
            .db()
            .prepare(
              "select value from xcom where dag_id = 'via_api' and task_id = ? and key = 'return_value'",
            )
            .get(task) as { value: string }
        ).value,
      );
    expect(output('consume')).toEqual({
      made: 'made',
      n: 42,
      settings: [],
      viaApi: true,
      region: 'eu-1',
      batch: { size: 10 },
      host: 'db.example',
      extra: { sslmode: 'require' },
    });
    // the connection's password is masked in the try's log
    const log = readTryLog(g.home, 'consume');
    expect(log).toContain('connecting with *** to postgres://etl:***@db.example:5433/dw');
    expect(log).not.toContain('pw-xyz-123');
    expect(output('flaky')).toBe(2);
    expect(output('long')).toBe('still here');
    expect(output('total')).toBe(14);
    await Promise.all([worker.stop(), scheduler.stop(), processor.stop(), api.stop()]);
  });

  it('gale worker refuses to start without execution_api.url, saying what to set', () => {
    g = makeGaleHome({ GALE__CORE__EXECUTOR: 'queue', GALE__QUEUE__REDIS_URL: redis.url });
    expect(g.gale(['db', 'migrate']).code).toBe(0);
    const refused = g.gale(['worker']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('GALE__EXECUTION_API__URL');
    expect(refused.stderr).not.toContain('    at ');
  });
});
