/** The metrics and health server: its routes, readiness checks, port errors and clean close. */
import { createServer } from 'node:net';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type GaleDb, migrate, openDatabase } from '../../../src/db/index.js';
import { GaleError } from '../../../src/models/index.js';
import {
  createGaleMetrics,
  type GaleMetrics,
  type HealthServer,
  type LoopCheck,
  startHealthServer,
} from '../../../src/observability/index.js';

const log = pino({ level: 'silent' });

describe('the metrics and health server', () => {
  let gdb: GaleDb;
  let metrics: GaleMetrics;
  let server: HealthServer | null = null;
  let lastBeatAt: number | null;
  const loop: LoopCheck = { name: 'scheduler', intervalMs: 1000, lastBeatAt: () => lastBeatAt };

  beforeEach(async () => {
    gdb = openDatabase('sqlite://:memory:');
    await migrate(gdb.db, { defaultPoolSlots: 128 });
    metrics = createGaleMetrics({ db: gdb.db, log });
    lastBeatAt = Date.now();
  });

  afterEach(async () => {
    await server?.close();
    server = null;
    await gdb.close();
  });

  const start = async (options: { port?: number; dbTimeoutMs?: number } = {}) => {
    server = await startHealthServer({
      host: '127.0.0.1',
      port: options.port ?? 0,
      registry: metrics.registry,
      db: gdb.db,
      loops: [loop],
      log,
      dbTimeoutMs: options.dbTimeoutMs,
    });
    return server;
  };

  it('binds a free port when asked for port 0 and reports its URL', async () => {
    const s = await start();
    expect(s.port).toBeGreaterThan(0);
    expect(s.url).toBe(`http://127.0.0.1:${s.port}`);
  });

  it('answers /health/live with 200', async () => {
    const s = await start();
    const res = await fetch(`${s.url}/health/live`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'live' });
  });

  it('serves Gale and process metrics in Prometheus text format on /metrics', async () => {
    const s = await start();
    metrics.schedulerHeartbeat.inc(3);
    metrics.dagrunDuration.observe({ dag_id: 'etl', state: 'success' }, 42);
    const res = await fetch(`${s.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const body = await res.text();
    expect(body).toContain('gale_scheduler_heartbeat_total 3');
    expect(body).toContain('gale_dagrun_duration_seconds_count{dag_id="etl",state="success"} 1');
    expect(body).toContain('gale_pool_open_slots{pool="default_pool"} 128');
    expect(body).toContain('gale_task_instances{state="running"} 0');
    expect(body).toContain('gale_ti_finished{state="success"} 0');
    expect(body).toContain('gale_triggers_running 0');
    expect(body).toContain('# TYPE gale_queue_depth gauge');
    expect(body).toMatch(/^gale_process_cpu_user_seconds_total \d/m);
    expect(body).toMatch(/^gale_nodejs_eventloop_lag_seconds \d/m);
  });

  it('answers /health/ready with 200 when the database answers and the loop beat lately', async () => {
    const s = await start();
    const res = await fetch(`${s.url}/health/ready`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ready', problems: [] });
  });

  it.each([
    { name: 'has not beaten yet', beat: () => null, problem: /^scheduler: .*not completed a pass/ },
    {
      name: 'last beat more than 3 intervals ago',
      beat: () => Date.now() - 3500,
      problem: /^scheduler: last beat \d+ ms ago, more than 3000 ms$/,
    },
  ])('answers /health/ready with 503 naming the loop when it $name', async ({ beat, problem }) => {
    lastBeatAt = beat();
    const s = await start();
    const res = await fetch(`${s.url}/health/ready`);
    expect(res.status).toBe(503);
    const body = (await res.json()) as { status: string; problems: string[] };
    expect(body.status).toBe('unready');
    expect(body.problems).toHaveLength(1);
    expect(body.problems[0]).toMatch(problem);
  });

  it('answers /health/ready with 503 naming the database when it does not answer', async () => {
    const s = await start();
    await gdb.close();
    const res = await fetch(`${s.url}/health/ready`);
    expect(res.status).toBe(503);
    const body = (await res.json()) as { problems: string[] };
    expect(body.problems).toEqual([expect.stringMatching(/^database: did not answer select 1/)]);
    gdb = openDatabase('sqlite://:memory:'); // for afterEach
  });

  it('answers /metrics without the database-read series when the database fails, not with an error', async () => {
    const s = await start();
    metrics.schedulerHeartbeat.inc();
    await gdb.close();
    const res = await fetch(`${s.url}/metrics`);
    expect(res.status).toBe(200);
    const body = await res.text();
    expect(body).toContain('gale_scheduler_heartbeat_total 1');
    expect(body).not.toMatch(/^gale_task_instances\{/m);
    gdb = openDatabase('sqlite://:memory:');
  });

  it.each(['/', '/metricsx', '/health', '/health/ready/extra'])('answers %s with 404', async (path) => {
    const s = await start();
    const res = await fetch(`${s.url}${path}`);
    expect(res.status).toBe(404);
    await res.body?.cancel();
  });

  it('answers other methods than GET and HEAD with 405', async () => {
    const s = await start();
    const res = await fetch(`${s.url}/metrics`, { method: 'POST' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, HEAD');
    await res.body?.cancel();
  });

  it('fails with GALE_ERR_PORT_IN_USE, naming the setting, when the port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const error = await start({ port }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(GaleError);
      expect(error).toMatchObject({ code: 'GALE_ERR_PORT_IN_USE' });
      expect((error as GaleError).hint).toContain('metrics.port');
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it('closes at once, dropping kept-alive connections, and stops answering', async () => {
    const s = await start();
    const res = await fetch(`${s.url}/health/live`, { headers: { connection: 'keep-alive' } });
    expect(res.status).toBe(200);
    await res.text();
    const before = Date.now();
    await s.close();
    expect(Date.now() - before).toBeLessThan(1000);
    await expect(fetch(`${s.url}/health/live`)).rejects.toThrow();
    await s.close(); // a second close is harmless
  });
});
