/**
 * `gale standalone` serves its metrics and health checks, and the metrics follow a DAG run; the
 * age of running runs is a gauge; the API server serves /metrics on its own port.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
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

const TWO_TASKS = `
import { dag, task } from 'gale/sdk';
const first = task('first', () => 1);
const second = task('second', (ctx, n: number) => n + 1);
dag({ dagId: 'measured', schedule: null }, () => { second(first()); });
`;

/** A port no process listens on now. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Series of a Prometheus text scrape: `name{labels}` as printed, to its value. */
function parseMetrics(text: string): Map<string, number> {
  const series = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    series.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return series;
}

/** The Gale metric names the README's Metrics section documents (not Node's process metrics). */
function documentedMetrics(): string[] {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  return [...readme.matchAll(/^\| `(gale_[a-z_]+)` \|/gm)].map((m) => m[1]!);
}

describe('metrics and health', () => {
  let g: GaleHome;
  afterEach(() => g?.cleanup());

  it('standalone serves every documented metric, and they follow a DAG run; /health/ready is 200', async () => {
    const port = await freePort();
    g = makeGaleHome({ GALE__METRICS__PORT: String(port), GALE__SCHEDULER__SCHEDULER_HEARTBEAT_SEC: '0.2' });
    g.writeDag('measured.ts', TWO_TASKS);
    g.writeDag('broken.ts', `throw new Error('this file is broken on purpose');`);
    const standalone = g.start(['standalone']);
    const base = `http://127.0.0.1:${port}`;
    const scrape = async () => parseMetrics(await (await fetch(`${base}/metrics`)).text());

    await waitFor(() => standalone.output().includes(`metrics and health on ${base}`), {
      what: 'the metrics and health URL in the log',
      seen: () => standalone.output(),
    });
    await waitFor(async () => (await fetch(`${base}/health/ready`)).status === 200, {
      what: '/health/ready to answer 200',
      seen: () => standalone.output().slice(-2000),
    });
    expect((await fetch(`${base}/health/live`)).status).toBe(200);
    expect((await fetch(`${base}/nothing-here`)).status).toBe(404);

    const text = await (await fetch(`${base}/metrics`)).text();
    const documented = documentedMetrics();
    expect(documented.length).toBeGreaterThan(15);
    for (const name of documented) expect(text, name).toContain(`# TYPE ${name} `);
    expect(text).toMatch(/^gale_process_resident_memory_bytes \d+/m);

    await waitFor(() => g.gale(['dags', 'list', '-o', 'json']).stdout.includes('"measured"'), {
      what: 'the DAG to be parsed',
      seen: () => standalone.output().slice(-2000),
    });
    const before = await scrape();
    expect(before.get('gale_dag_processing_import_errors')).toBe(1);
    expect(before.get('gale_dag_processing_last_duration_seconds_count')).toBeGreaterThanOrEqual(2);
    expect(before.get('gale_dag_processing_total_parse_time_seconds')).toBeGreaterThan(0);
    expect(before.get('gale_pool_open_slots{pool="default_pool"}')).toBe(128);
    expect(before.get('gale_executor_open_slots{executor="local"}')).toBeGreaterThan(0);

    const trigger = g.gale(['dags', 'trigger', 'measured']);
    expect(trigger.code, trigger.stderr).toBe(0);
    await waitFor(() => runsOf(g.db(), 'measured')[0]?.state === 'success', {
      what: 'the run to succeed',
      seen: () => ({ states: taskStates(g.db(), 'measured'), out: standalone.output().slice(-2000) }),
    });

    const after = await waitFor(
      async () => {
        const m = await scrape();
        return (m.get('gale_scheduler_heartbeat_total') ?? 0) >
          (before.get('gale_scheduler_heartbeat_total') ?? 0)
          ? m
          : null;
      },
      { what: 'the scheduler heartbeat counter to grow' },
    );
    expect(after.get('gale_ti_finished{state="success"}')).toBe(
      (before.get('gale_ti_finished{state="success"}') ?? 0) + 2,
    );
    expect(after.get('gale_ti_finished{state="failed"}')).toBe(0);
    expect(after.get('gale_task_instances{state="success"}')).toBe(2);
    expect(after.get('gale_scheduler_tasks_queued_total')).toBe(
      (before.get('gale_scheduler_tasks_queued_total') ?? 0) + 2,
    );
    expect(after.get('gale_dagrun_duration_seconds_count{dag_id="measured",state="success"}')).toBe(1);
    expect(after.get('gale_scheduler_loop_duration_seconds_count')).toBeGreaterThan(
      before.get('gale_scheduler_loop_duration_seconds_count') ?? 0,
    );
    expect(after.get('gale_pool_running_slots{pool="default_pool"}')).toBe(0);

    const ready = await fetch(`${base}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', problems: [] });

    await standalone.stop();
    expect(standalone.child.exitCode).toBe(0);
    await expect(fetch(`${base}/health/live`)).rejects.toThrow();
  });

  it("a running run's age is a gauge while it runs; the API server serves /metrics without a token", {
    timeout: 180_000,
  }, async () => {
    const [metricsPort, apiPort] = [await freePort(), await freePort()];
    g = makeGaleHome({
      GALE__METRICS__PORT: String(metricsPort),
      GALE__API__PORT: String(apiPort),
      GALE__SCHEDULER__SCHEDULER_HEARTBEAT_SEC: '0.2',
    });
    const release = join(g.home, 'release');
    g.writeDag(
      'slow.ts',
      `import { existsSync } from 'node:fs';
       import { dag, task } from 'gale/sdk';
       const wait = task('wait', async () => {
         while (!existsSync(${JSON.stringify(release)})) await new Promise((r) => setTimeout(r, 100));
       });
       dag({ dagId: 'slow', schedule: null }, () => { wait(); });`,
    );
    const standalone = g.start(['standalone']);
    const scrape = async (base: string) => parseMetrics(await (await fetch(`${base}/metrics`)).text());
    const metricsBase = `http://127.0.0.1:${metricsPort}`;
    const age = async () =>
      (await scrape(metricsBase)).get('gale_dagrun_oldest_running_seconds{dag_id="slow"}');
    await waitFor(() => g.gale(['dags', 'list', '-o', 'json']).stdout.includes('"slow"'), {
      what: 'the DAG to be parsed',
      seen: () => standalone.output().slice(-2000),
    });
    expect(await age()).toBeUndefined();
    expect(g.gale(['dags', 'trigger', 'slow']).code).toBe(0);
    const first = await waitFor(age, {
      what: 'the running run to have an age',
      seen: () => standalone.output(),
    });
    // computed at scrape time: it grows while the run runs
    await waitFor(async () => ((await age()) ?? 0) >= first + 0.5, { what: 'the age to grow' });

    // the API server's own port: no token needed, Prometheus text
    const api = await fetch(`http://127.0.0.1:${apiPort}/metrics`);
    expect(api.status).toBe(200);
    expect(api.headers.get('content-type')).toContain('text/plain');
    const apiText = await api.text();
    expect(apiText).toContain('# TYPE gale_task_instances gauge');
    expect(parseMetrics(apiText).get('gale_task_instances{state="running"}')).toBe(1);
    expect((await fetch(`http://127.0.0.1:${apiPort}/api/v2/dags`)).status).toBe(401);

    writeFileSync(release, '');
    await waitFor(() => runsOf(g.db(), 'slow')[0]?.state === 'success', {
      what: 'the run to succeed',
      seen: () => standalone.output().slice(-2000),
    });
    await waitFor(async () => (await age()) === undefined, { what: 'the ended run to lose its series' });
    await standalone.stop();

    // metrics.enabled false: no /metrics on the API server either
    g.env.GALE__METRICS__ENABLED = 'false';
    const { url } = await startExecutionApi(g);
    expect((await fetch(`${url}/metrics`)).status).toBe(404);
  });

  it('a second service on a taken metrics port fails at once, naming the setting', async () => {
    g = makeGaleHome();
    const port = await freePort();
    const first = g.start(['standalone'], { GALE__METRICS__PORT: String(port) });
    await waitFor(() => first.output().includes('metrics and health on'), {
      what: 'the first service to serve metrics',
      seen: () => first.output(),
    });
    const second = g.gale(['dag-processor'], { GALE__METRICS__PORT: String(port) });
    expect(second.code).toBe(1);
    expect(second.stderr).toContain('the port is in use');
    expect(second.stderr).toContain('metrics.port');
    await first.stop();
  });
});
