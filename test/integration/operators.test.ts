/**
 * The built-in operators in real runs (`gale dags test`): sqlQuery over a SQLite connection
 * (statements in one transaction, parameters bound, rows as output), httpRequest against a real
 * HTTP server on loopback (a 503 tried again within the try, the JSON answer filtered into the
 * output, a 404 failing the try), and connections and variables given by the environment
 * (GALE_CONN_<ID> as a URI, GALE_VAR_<KEY>), as Airflow's AIRFLOW_CONN_* / AIRFLOW_VAR_*.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type GaleHome, makeGaleHome, taskStates } from '../support/gale-home.js';

const DAG = `
import { dag, empty, httpRequest, sqlQuery, task } from 'gale/sdk';
dag({ dagId: 'ops' }, () => {
  const start = empty('start');
  const create = sqlQuery({
    taskId: 'create',
    connId: 'lite',
    sql: ['create table t (id integer, name text)', "insert into t values (1, 'a'), (2, 'b'), (3, 'c')"],
    fetch: 'none',
  });
  const read = sqlQuery<{ id: number; name: string }>({ taskId: 'read', connId: 'lite', sql: 'select id, name from t where id >= ? order by id', parameters: [2] });
  const count = task('count', (ctx, rows: { id: number }[]) => rows.length)(read);
  start.then(create).then(read);
  const flaky = httpRequest({
    taskId: 'flaky',
    httpConnId: 'api',
    endpoint: 'flaky',
    httpRetryDelay: '50ms',
    responseFilter: (r) => r.json<{ ok: boolean }>(),
  });
  const missing = httpRequest({ taskId: 'missing', httpConnId: 'api', endpoint: '/missing', httpRetries: 0 });
  const region = task('region', (ctx) => ctx.variable('region'))();
  start.then([flaky, missing, region]);
  count;
});
`;

describe('built-in operators', () => {
  let g: GaleHome;
  afterEach(() => g?.cleanup());

  it('sqlQuery and httpRequest in a run, with a connection and a variable from the environment', async () => {
    g = makeGaleHome();
    g.writeDag('ops.ts', DAG);
    const hits: string[] = [];
    const server = createServer((req, res) => {
      hits.push(`${req.method} ${req.url}`);
      if (req.url === '/flaky' && hits.filter((h) => h.endsWith('/flaky')).length === 1) {
        res.statusCode = 503;
        return res.end('busy');
      }
      if (req.url === '/flaky') return res.end('{"ok":true}');
      res.statusCode = 404;
      res.end('no such thing');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const port = (server.address() as AddressInfo).port;
      expect(g.gale(['db', 'migrate']).code).toBe(0);
      // not spawnSync: this process must answer the HTTP requests meanwhile
      const s = g.start(['dags', 'test', 'ops'], {
        GALE_CONN_LITE: `sqlite://${encodeURIComponent(join(g.home, 'lite.db'))}`,
        GALE_CONN_API: `http://127.0.0.1:${port}`,
        GALE_VAR_REGION: 'eu-1',
      });
      await new Promise((r) => s.child.once('exit', r));
      const runId = (
        g.db().prepare("select run_id from dag_run where dag_id = 'ops'").get() as { run_id: string }
      ).run_id;
      expect(taskStates(g.db(), 'ops', runId)).toEqual({
        start: 'success',
        create: 'success',
        read: 'success',
        count: 'success',
        flaky: 'success',
        missing: 'failed',
        region: 'success',
      });
      const output = (taskId: string) =>
        JSON.parse(
          (
            g
              .db()
              .prepare("select value from xcom where dag_id = 'ops' and task_id = ? and key = 'return_value'")
              .get(taskId) as { value: string }
          ).value,
        );
      expect(output('read')).toEqual([
        { id: 2, name: 'b' },
        { id: 3, name: 'c' },
      ]);
      expect(output('count')).toBe(2);
      expect(output('flaky')).toEqual({ ok: true });
      expect(output('region')).toBe('eu-1');
      expect(hits.filter((h) => h === 'GET /flaky')).toHaveLength(2);
      expect(s.output()).toMatch(/GALE_ERR_HTTP_FAILED|HTTP 404: no such thing/);
    } finally {
      server.close();
    }
  });
});
