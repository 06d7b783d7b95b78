/**
 * Sensors with real processes (standalone: scheduler, local executor, triggerer): a poke-mode
 * sensor succeeds after N pokes in one try; a reschedule-mode sensor is up_for_reschedule between
 * pokes and gives its only pool slot to another task, then succeeds in the same try; a timeout
 * fails without retry and softFail skips; httpSensor against a real HTTP server started here, in
 * poke mode and deferrable; sqlSensor over a connection to the test's own metadata database
 * (SQLite or PostgreSQL, per project); externalTaskSensor waiting for another DAG's task.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type GaleHome,
  makeGaleHome,
  runsOf,
  type Service,
  startExecutionApi,
  taskStates,
  waitFor,
} from '../support/gale-home.js';
import { startRedis } from '../support/redis-server.js';
import { testDialect } from '../support/test-db.js';

const FAST_TRIGGERER = {
  GALE__TRIGGERER__POLL_INTERVAL: '0.2',
  GALE__TRIGGERER__JOB_HEARTBEAT_SEC: '0.5',
};

interface TiRow {
  task_id: string;
  state: string;
  try_number: number;
  next_retry_at: string | null;
}

function tis(g: GaleHome, dagId: string): Record<string, TiRow> {
  const rows = g
    .db()
    .prepare('select task_id, state, try_number, next_retry_at from task_instance where dag_id = ?')
    .all(dagId) as TiRow[];
  return Object.fromEntries(rows.map((r) => [r.task_id, r]));
}

function history(
  g: GaleHome,
  dagId: string,
  taskId: string,
): { try_number: number; state: string; error: string | null }[] {
  return g
    .db()
    .prepare(
      'select try_number, state, error from task_instance_try where dag_id = ? and task_id = ? order by try_number',
    )
    .all(dagId, taskId) as never;
}

function output(g: GaleHome, dagId: string, taskId: string): unknown {
  const row = g
    .db()
    .prepare("select value from xcom where dag_id = ? and task_id = ? and key = 'return_value'")
    .get(dagId, taskId) as { value: string } | undefined;
  return row ? JSON.parse(row.value) : undefined;
}

async function standaloneReady(g: GaleHome, dagIds: string[]): Promise<Service> {
  const s = g.start(['standalone']);
  await waitFor(() => s.output().includes('Gale standalone is ready'), {
    what: 'standalone to be ready',
    timeoutMs: 60_000,
    seen: () => s.output().slice(-2000),
  });
  await waitFor(
    () => {
      const listed = g.gale(['dags', 'list', '-o', 'json']).stdout;
      return dagIds.every((id) => listed.includes(`"${id}"`));
    },
    {
      what: `DAGs ${dagIds.join(', ')} to be parsed`,
      timeoutMs: 60_000,
      seen: () => s.output().slice(-2000),
    },
  );
  return s;
}

function migrate(g: GaleHome): void {
  const r = g.gale(['db', 'migrate']);
  expect(r.code, r.stderr).toBe(0);
}

function trigger(g: GaleHome, dagId: string, logicalDate?: string): string {
  const r = g.gale(['dags', 'trigger', dagId, '-o', 'json', ...(logicalDate ? ['-l', logicalDate] : [])]);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout).run_id as string;
}

async function runEnds(g: GaleHome, dagId: string, s: Service): Promise<string> {
  return waitFor(
    () => {
      const state = runsOf(g.db(), dagId)[0]?.state;
      return state === 'success' || state === 'failed' ? state : null;
    },
    {
      what: `the run of ${dagId} to end`,
      timeoutMs: 60_000,
      seen: () => ({ tis: tis(g, dagId), log: s.output().slice(-2000) }),
    },
  );
}

describe('sensors', () => {
  let g: GaleHome;
  let server: Server | null = null;
  afterEach(async () => {
    g?.cleanup();
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    server = null;
  });

  it('poke mode pokes in one try; reschedule mode frees its pool slot between pokes in the same try; a timeout fails without retry; softFail skips', {
    timeout: 400_000,
  }, async () => {
    g = makeGaleHome(FAST_TRIGGERER);
    const pokes = join(g.home, 'pokes');
    const go = join(g.home, 'go');
    g.writeDag(
      'sensors.ts',
      `import { appendFileSync, existsSync, readFileSync } from 'node:fs';
       import { dag, sensor, task } from 'gale/sdk';
       const count = (name) => existsSync(${JSON.stringify(pokes)} + name) ? readFileSync(${JSON.stringify(pokes)} + name, 'utf8').length : 0;
       const poke = (name) => { appendFileSync(${JSON.stringify(pokes)} + name, 'x'); return count(name); };
       dag({ dagId: 'poke_mode' }, () => {
         sensor({ taskId: 'wait', pokeInterval: '200ms' }, (ctx) => {
           const n = poke('poke');
           return n >= 3 ? { done: true, value: { pokes: n, tryNumber: ctx.tryNumber } } : false;
         });
       });
       dag({ dagId: 'reschedule_mode' }, () => {
         sensor({ taskId: 'wait', mode: 'reschedule', pokeInterval: '1s', pool: 'one', priorityWeight: 10 }, (ctx) => {
           const n = poke('reschedule');
           return existsSync(${JSON.stringify(go)}) ? { done: true, value: { pokes: n, tryNumber: ctx.tryNumber } } : false;
         });
         task({ taskId: 'other', pool: 'one', priorityWeight: 1 }, () => 'ran')();
       });
       dag({ dagId: 'timeout' }, () => {
         sensor({ taskId: 'wait', mode: 'reschedule', pokeInterval: '300ms', timeout: '1s', retries: 2, retryDelay: 0 }, () => false);
       });
       dag({ dagId: 'soft_fail' }, () => {
         const wait = sensor({ taskId: 'wait', pokeInterval: '200ms', timeout: '1s', softFail: true, retries: 2 }, () => false);
         wait.then(task('after', () => 'never')());
       });`,
    );
    migrate(g);
    expect(g.gale(['pools', 'set', 'one', '1', 'one slot']).code).toBe(0);
    const s = await standaloneReady(g, ['poke_mode', 'reschedule_mode', 'timeout', 'soft_fail']);
    trigger(g, 'poke_mode');
    trigger(g, 'reschedule_mode');
    trigger(g, 'timeout');
    trigger(g, 'soft_fail');

    // reschedule mode: between pokes it is up_for_reschedule with its next poke's date, and the
    // only slot of pool "one" runs the other task meanwhile
    await waitFor(() => tis(g, 'reschedule_mode').wait?.state === 'up_for_reschedule', {
      what: 'the sensor to be up_for_reschedule',
      seen: () => ({ tis: tis(g, 'reschedule_mode'), log: s.output().slice(-2000) }),
    });
    expect(tis(g, 'reschedule_mode').wait?.next_retry_at).not.toBeNull();
    await waitFor(() => tis(g, 'reschedule_mode').other?.state === 'success', {
      what: 'the other task to take the pool slot while the sensor waits',
      seen: () => tis(g, 'reschedule_mode'),
    });
    expect(tis(g, 'reschedule_mode').wait?.state).not.toBe('success');
    await waitFor(() => existsSync(`${pokes}reschedule`) && count(`${pokes}reschedule`) >= 2, {
      what: 'a second poke',
      seen: () => tis(g, 'reschedule_mode'),
    });
    writeFileSync(go, '');

    expect(await runEnds(g, 'poke_mode', s)).toBe('success');
    const poked = output(g, 'poke_mode', 'wait') as { pokes: number; tryNumber: number };
    expect(poked).toMatchObject({ pokes: 3, tryNumber: 1 });
    expect(history(g, 'poke_mode', 'wait').map((h) => [h.try_number, h.state])).toEqual([[1, 'success']]);

    expect(await runEnds(g, 'reschedule_mode', s)).toBe('success');
    const rescheduled = output(g, 'reschedule_mode', 'wait') as { pokes: number; tryNumber: number };
    expect(rescheduled.tryNumber).toBe(1);
    expect(rescheduled.pokes).toBeGreaterThanOrEqual(3);
    // one try, however many pokes: the reschedules are not tries
    expect(history(g, 'reschedule_mode', 'wait').map((h) => [h.try_number, h.state])).toEqual([
      [1, 'success'],
    ]);
    expect(tis(g, 'reschedule_mode').wait?.try_number).toBe(1);

    // the timeout fails the task in its first try, its two retries unused
    expect(await runEnds(g, 'timeout', s)).toBe('failed');
    const timedOut = history(g, 'timeout', 'wait');
    expect(timedOut.map((h) => [h.try_number, h.state])).toEqual([[1, 'failed']]);
    expect(timedOut[0]?.error).toContain('GALE_ERR_SENSOR_TIMEOUT');

    // softFail: skipped, and its downstream task skipped by the trigger rule
    expect(await runEnds(g, 'soft_fail', s)).toBe('success');
    expect(taskStates(g.db(), 'soft_fail')).toEqual({ wait: 'skipped', after: 'skipped' });
    expect(history(g, 'soft_fail', 'wait').map((h) => [h.try_number, h.state])).toEqual([[1, 'skipped']]);
    await s.stop();
  });

  it('httpSensor waits for a real HTTP endpoint, in poke mode and deferred in the triggerer', {
    timeout: 300_000,
  }, async () => {
    const asked = { poke: 0, deferred: 0 };
    server = createServer((req, res) => {
      if (req.url === '/status') {
        asked.poke++;
        // not found twice, then up but not ready, then ready: responseCheck decides
        if (asked.poke <= 2) res.writeHead(404).end('no');
        else
          res
            .writeHead(200, { 'content-type': 'application/json' })
            .end(JSON.stringify({ ready: asked.poke >= 4 }));
        return;
      }
      if (req.url === '/deferred' && req.method === 'POST') {
        asked.deferred++;
        res.writeHead(asked.deferred >= 3 ? 201 : 503).end(`call ${asked.deferred}`);
        return;
      }
      res.writeHead(400).end();
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as AddressInfo).port;
    g = makeGaleHome(FAST_TRIGGERER);
    g.writeDag(
      'http.ts',
      `import { dag, httpSensor } from 'gale/sdk';
       dag({ dagId: 'http' }, () => {
         httpSensor({
           taskId: 'poke', httpConnId: 'web', endpoint: 'status', pokeInterval: '200ms',
           responseCheck: (response) => response.json().ready === true,
         });
         httpSensor({ taskId: 'deferred', httpConnId: 'web', endpoint: '/deferred', method: 'POST', data: { a: 1 }, pokeInterval: '200ms', deferrable: true });
       });`,
    );
    migrate(g);
    const added = g.gale([
      'connections',
      'add',
      'web',
      '--conn-type',
      'http',
      '--conn-host',
      '127.0.0.1',
      '--conn-port',
      String(port),
    ]);
    expect(added.code, added.stderr).toBe(0);
    const s = await standaloneReady(g, ['http']);
    trigger(g, 'http');
    await waitFor(() => tis(g, 'http').deferred?.state === 'deferred', {
      what: 'the deferrable httpSensor to defer',
      seen: () => ({ tis: tis(g, 'http'), log: s.output().slice(-2000) }),
    });
    expect(await runEnds(g, 'http', s)).toBe('success');
    expect(asked.poke).toBe(4);
    expect(output(g, 'http', 'poke')).toEqual({ status: 200, body: '{"ready":true}' });
    expect(asked.deferred).toBe(3);
    expect(output(g, 'http', 'deferred')).toEqual({ status: 201, body: 'call 3' });
    expect(history(g, 'http', 'deferred').map((h) => [h.try_number, h.state])).toEqual([[1, 'success']]);
    await s.stop();
  });

  it(`sqlSensor waits for its query's first cell over a ${testDialect()} connection, in reschedule mode`, {
    timeout: 300_000,
  }, async () => {
    g = makeGaleHome(FAST_TRIGGERER);
    // the test's own metadata database is the one the sensor queries
    const conn =
      testDialect() === 'sqlite'
        ? ['--conn-type', 'sqlite', '--conn-host', g.dbUrl.slice('sqlite://'.length)]
        : ['--conn-uri', g.dbUrl];
    g.writeDag(
      'sql.ts',
      `import { dag, sqlSensor } from 'gale/sdk';
       dag({ dagId: 'sql' }, () => {
         sqlSensor({ taskId: 'wait', connId: 'meta', mode: 'reschedule', pokeInterval: '300ms',
           sql: "select count(*) from variable where key = 'go'" });
       });`,
    );
    migrate(g);
    const added = g.gale(['connections', 'add', 'meta', ...conn]);
    expect(added.code, added.stderr).toBe(0);
    const s = await standaloneReady(g, ['sql']);
    trigger(g, 'sql');
    await waitFor(() => tis(g, 'sql').wait?.state === 'up_for_reschedule', {
      what: 'the sensor to be up_for_reschedule (count 0)',
      seen: () => ({ tis: tis(g, 'sql'), log: s.output().slice(-2000) }),
    });
    expect(g.gale(['variables', 'set', 'go', 'yes']).code).toBe(0);
    expect(await runEnds(g, 'sql', s)).toBe('success');
    expect(Number(output(g, 'sql', 'wait'))).toBe(1);
    expect(tis(g, 'sql').wait?.try_number).toBe(1);
    await s.stop();
  });

  it('on queue workers, reschedules, timeouts and softFail go through the task execution API', {
    timeout: 400_000,
  }, async () => {
    const redis = await startRedis();
    try {
      g = makeGaleHome({
        ...FAST_TRIGGERER,
        GALE__CORE__EXECUTOR: 'queue',
        GALE__QUEUE__REDIS_URL: redis.url,
        GALE__QUEUE__KEY_PREFIX: `s${Date.now()}`,
      });
      const pokes = join(g.home, 'pokes');
      g.writeDag(
        'remote.ts',
        `import { appendFileSync, readFileSync } from 'node:fs';
         import { dag, sensor } from 'gale/sdk';
         dag({ dagId: 'remote' }, () => {
           sensor({ taskId: 'rescheduled', mode: 'reschedule', pokeInterval: '500ms' }, (ctx) => {
             appendFileSync(${JSON.stringify(pokes)}, 'x');
             const n = readFileSync(${JSON.stringify(pokes)}, 'utf8').length;
             return n >= 3 ? { done: true, value: { n, tryNumber: ctx.tryNumber } } : false;
           });
           sensor({ taskId: 'timed_out', mode: 'reschedule', pokeInterval: '300ms', timeout: '1s', retries: 1, retryDelay: 0 }, () => false);
           sensor({ taskId: 'soft', pokeInterval: '200ms', timeout: '500ms', softFail: true }, () => false);
         });`,
      );
      migrate(g);
      const { api } = await startExecutionApi(g);
      const processor = g.start(['dag-processor']);
      await waitFor(() => g.gale(['dags', 'list', '-o', 'json']).stdout.includes('"remote"'), {
        what: 'the DAG to be parsed',
        timeoutMs: 60_000,
        seen: () => processor.output().slice(-2000),
      });
      const scheduler = g.start(['scheduler']);
      const worker = g.start(['worker', '--concurrency', '1']);
      trigger(g, 'remote');
      await waitFor(() => tis(g, 'remote').rescheduled?.state === 'up_for_reschedule', {
        what: 'the sensor to be up_for_reschedule',
        timeoutMs: 60_000,
        seen: () => ({ tis: tis(g, 'remote'), worker: worker.output().slice(-2000) }),
      });
      expect(await runEnds(g, 'remote', worker)).toBe('failed');
      expect(output(g, 'remote', 'rescheduled')).toEqual({ n: 3, tryNumber: 1 });
      expect(taskStates(g.db(), 'remote')).toEqual({
        rescheduled: 'success',
        timed_out: 'failed',
        soft: 'skipped',
      });
      expect(history(g, 'remote', 'timed_out').map((h) => [h.try_number, h.state])).toEqual([[1, 'failed']]);
      await Promise.all([worker.stop(), scheduler.stop(), processor.stop(), api.stop()]);
    } finally {
      await redis.kill();
    }
  });

  it("gale dags test waits for a reschedule-mode sensor's next poke, and keeps its try number", {
    timeout: 120_000,
  }, () => {
    g = makeGaleHome();
    const pokes = join(g.home, 'pokes');
    g.writeDag(
      'inline.ts',
      `import { appendFileSync, readFileSync } from 'node:fs';
       import { dag, sensor } from 'gale/sdk';
       dag({ dagId: 'inline' }, () => {
         sensor({ taskId: 'wait', mode: 'reschedule', pokeInterval: '1s' }, (ctx) => {
           appendFileSync(${JSON.stringify(pokes)}, \`\${Date.now()},\${ctx.tryNumber}\\n\`);
           return readFileSync(${JSON.stringify(pokes)}, 'utf8').trim().split('\\n').length >= 3;
         });
       });`,
    );
    migrate(g);
    const result = g.gale(['dags', 'test', 'inline']);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(taskStates(g.db(), 'inline')).toEqual({ wait: 'success' });
    const seen = readFileSync(pokes, 'utf8')
      .trim()
      .split('\n')
      .map((l) => l.split(',').map(Number));
    expect(seen.map(([, tryNumber]) => tryNumber)).toEqual([1, 1, 1]);
    // a second apart, not in a tight loop
    expect(seen[1]![0]! - seen[0]![0]!).toBeGreaterThanOrEqual(900);
    expect(seen[2]![0]! - seen[1]![0]!).toBeGreaterThanOrEqual(900);
  });

  it('externalTaskSensor defers until another DAG run for the same logical date has its task done', {
    timeout: 300_000,
  }, async () => {
    g = makeGaleHome(FAST_TRIGGERER);
    const go = join(g.home, 'go');
    g.writeDag(
      'external.ts',
      `import { existsSync } from 'node:fs';
       import { dag, externalTaskSensor, sensor } from 'gale/sdk';
       dag({ dagId: 'producer' }, () => {
         sensor({ taskId: 'produce', pokeInterval: '200ms' }, () => existsSync(${JSON.stringify(go)}));
       });
       dag({ dagId: 'consumer' }, () => {
         externalTaskSensor({ taskId: 'wait', externalDagId: 'producer', externalTaskIds: ['produce'], pokeInterval: '200ms' });
         externalTaskSensor({ taskId: 'wait_earlier', externalDagId: 'producer', executionDelta: '1d', pokeInterval: '200ms', timeout: '2s' });
       });`,
    );
    const s = await standaloneReady(g, ['producer', 'consumer']);
    const date = '2026-03-02T00:00:00Z';
    trigger(g, 'consumer', date);
    trigger(g, 'producer', date);
    await waitFor(() => tis(g, 'consumer').wait?.state === 'deferred', {
      what: 'the external task sensor to defer',
      seen: () => ({ tis: tis(g, 'consumer'), log: s.output().slice(-2000) }),
    });
    await waitFor(() => tis(g, 'producer').produce?.state === 'running', {
      what: 'the producer to be poking',
      seen: () => tis(g, 'producer'),
    });
    // the producer's task is not done: the consumer still waits
    expect(tis(g, 'consumer').wait?.state).toBe('deferred');
    writeFileSync(go, '');
    expect(await runEnds(g, 'consumer', s)).toBe('failed');
    expect(taskStates(g.db(), 'consumer').wait).toBe('success');
    expect(output(g, 'consumer', 'wait')).toEqual({
      externalDagId: 'producer',
      states: { produce: 'success' },
    });
    // no producer run a day earlier: it times out
    expect(history(g, 'consumer', 'wait_earlier')[0]?.error).toContain('GALE_ERR_DEFERRAL_TIMEOUT');
    await s.stop();
  });
});

function count(path: string): number {
  return existsSync(path) ? readFileSync(path, 'utf8').length : 0;
}
