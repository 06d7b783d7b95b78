/**
 * Gale's container image, built from the real Dockerfile with podman and run for real: its labels,
 * user and command; then its services as containers (read-only root filesystem, only the image's
 * volumes writable) against a real PostgreSQL and Redis on the host: gale-init migrates and
 * creates the admin, the API server, scheduler (queue executor), DAG processor, triggerer and
 * worker run a DAG whose npm package comes from a package.json in the mounted DAGs folder, the
 * image's HEALTHCHECK answers for each service, and SIGTERM (through tini) stops them at once.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  freePort,
  type PostgresServer,
  type RedisServer,
  startPostgres,
  startRedis,
} from '../../src/bench/services/index.js';
import { type Client, login } from '../support/api-client.js';
import { FAST_ENV, TEST_SECRET_KEY, waitFor } from '../support/gale-home.js';
import { type BuiltImage, buildGaleImage, Containers } from '../support/gale-image.js';
import { podman, podmanOk } from '../support/podman.js';

const ADMIN_PASSWORD = 'container-admin-password';
const DERIVED_IMAGE = 'localhost/gale-derived:test';

const DAG = `
import { dag, shell, task } from 'gale/sdk';
import { shout } from 'gale-e2e-shout';

const hello = task('hello', (ctx) => {
  ctx.log.info('hello from inside the container');
  return { text: shout('hello'), uid: process.getuid() };
});

dag({ dagId: 'container_demo', schedule: null }, () => {
  hello().then(shell('where', 'echo "$(id -u) $GALE_HOME"'));
});
`;

/**
 * In `folder`: a package.json naming an npm package that is a local tarball in vendor/ (no
 * registry needed), and, when `dag` is set, the DAG file that imports it.
 */
function writeDagPackages(root: string, folder: string, dag: boolean): string {
  const target = join(root, folder);
  const pkg = join(root, `pkg-${folder}`, 'package');
  mkdirSync(join(target, 'vendor'), { recursive: true });
  mkdirSync(pkg, { recursive: true });
  writeFileSync(
    join(pkg, 'package.json'),
    JSON.stringify({ name: 'gale-e2e-shout', version: '1.0.0', type: 'module', main: 'index.js' }),
  );
  writeFileSync(join(pkg, 'index.js'), 'export const shout = (s) => s.toUpperCase() + "!";\n');
  const tar = join(target, 'vendor', 'gale-e2e-shout-1.0.0.tgz');
  const packed = spawnSync('tar', ['czf', tar, '-C', join(pkg, '..'), 'package']);
  expect(packed.status).toBe(0);
  writeFileSync(
    join(target, 'package.json'),
    JSON.stringify({
      name: `e2e-${folder}`,
      private: true,
      dependencies: { 'gale-e2e-shout': 'file:vendor/gale-e2e-shout-1.0.0.tgz' },
    }),
  );
  if (dag) writeFileSync(join(target, 'container_demo.ts'), DAG);
  return target;
}

describe('the container image', () => {
  let built: BuiltImage;
  let pg: PostgresServer | undefined;
  let redis: RedisServer | undefined;
  let work: string;
  const boxes = new Containers(`gale-e2e-${process.pid}`);

  beforeAll(async () => {
    built = await buildGaleImage();
    console.log(`built ${built.image} in ${built.buildSeconds} s, ${Math.round(built.sizeBytes / 1e6)} MB`);
    work = mkdtempSync(join(tmpdir(), 'gale-image-'));
    [pg, redis] = await Promise.all([startPostgres(), startRedis()]);
  }, 1_500_000);

  afterEach(async (context) => {
    if (context.task.result?.state === 'fail') console.error(await boxes.logs());
  });

  afterAll(async () => {
    await boxes.removeAll();
    await podman(['rmi', '-f', DERIVED_IMAGE]);
    await redis?.kill();
    pg?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  }, 120_000);

  it('carries the OCI labels, runs as uid 50000 and answers gale --version', async () => {
    const [info] = JSON.parse(await podmanOk(['image', 'inspect', built.image])) as {
      Labels: Record<string, string>;
      Healthcheck?: { Test: string[] };
      Config: { User: string; Entrypoint: string[]; Volumes: Record<string, unknown> };
    }[];
    expect(info?.Labels).toMatchObject({
      'org.opencontainers.image.version': built.version,
      'org.opencontainers.image.revision': built.revision,
      'org.opencontainers.image.created': built.created,
    });
    expect(info?.Config.User).toBe('50000');
    expect(info?.Config.Entrypoint).toEqual(['/usr/bin/tini', '--', 'gale']);
    expect(Object.keys(info?.Config.Volumes ?? {}).sort()).toEqual([
      '/opt/gale-home/cache',
      '/opt/gale-home/dags',
      '/opt/gale-home/logs',
      '/opt/gale-home/plugins',
      '/tmp',
    ]);
    expect(info?.Healthcheck?.Test).toEqual(['CMD', 'node', '/opt/gale/docker/healthcheck.mjs']);

    const version = await boxes.run('version', ['--version']);
    expect(version.stdout.trim(), version.stderr).toBe(built.version);
    const id = await boxes.run('id', ['-u'], { entrypoint: 'id' });
    expect(id.stdout.trim()).toBe('50000');
  }, 120_000);

  it('runs a DAG through its services against PostgreSQL and Redis; SIGTERM stops each at once', async () => {
    const dags = writeDagPackages(work, 'dags', true);
    const logs = join(work, 'logs');
    mkdirSync(logs);
    // the containers' uid 50000 writes the DAGs folder (node_modules) and the logs
    for (const dir of [dags, logs]) chmodSync(dir, 0o777);
    const apiPort = await freePort();
    const base = `http://127.0.0.1:${apiPort}`;
    const env = {
      ...FAST_ENV,
      GALE_LOG_FORMAT: undefined,
      GALE__DATABASE__URL: pg?.adminUrl,
      GALE__QUEUE__REDIS_URL: redis?.url,
      GALE__QUEUE__KEY_PREFIX: `gale-e2e-${process.pid}`,
      GALE__CORE__EXECUTOR: 'queue',
      GALE__API__SECRET_KEY: TEST_SECRET_KEY,
      GALE__API__PORT: String(apiPort),
      GALE__EXECUTION_API__URL: base,
    };
    const mounts = { [dags]: '/opt/gale-home/dags', [logs]: '/opt/gale-home/logs' };
    const admin = { GALE_ADMIN_USERNAME: 'admin', GALE_ADMIN_PASSWORD: ADMIN_PASSWORD };

    const init = await boxes.run('init', [], { env: { ...env, ...admin }, mounts, entrypoint: 'gale-init' });
    expect(init.code, init.stderr).toBe(0);
    expect(init.stdout).toContain('User admin created with role Admin');
    const again = await boxes.run('init-again', [], {
      env: { ...env, ...admin },
      mounts,
      entrypoint: 'gale-init',
    });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/Database is up to date[\s\S]*user admin exists already/);

    const services = ['api-server', 'scheduler', 'dag-processor', 'triggerer', 'worker'];
    for (const service of services) {
      const metricsPort = String(await freePort());
      await boxes.start(service, [service], { env: { ...env, GALE__METRICS__PORT: metricsPort }, mounts });
    }
    await waitFor(async () => (await fetch(`${base}/health/ready`)).ok, {
      timeoutMs: 60_000,
      what: 'the API server',
    });
    const api: Client = await login(base, 'admin', ADMIN_PASSWORD);
    await waitFor(async () => (await api('GET', '/api/v2/dags/container_demo')).status === 200, {
      timeoutMs: 120_000,
      what: 'the DAG processor to install the package and parse container_demo',
    });
    const created = await api<{ dag_run_id: string }>('POST', '/api/v2/dags/container_demo/dagRuns', {
      conf: {},
    });
    expect(created.status, created.text).toBe(200);
    const runPath = `/api/v2/dags/container_demo/dagRuns/${encodeURIComponent(created.body.dag_run_id)}`;
    let state = '';
    await waitFor(
      async () => {
        state = (await api<{ state: string }>('GET', runPath)).body.state;
        return state === 'success' || state === 'failed';
      },
      { timeoutMs: 120_000, what: 'the run to finish', seen: () => state },
    );
    expect(state).toBe('success');
    const output = await api<{ value: unknown }>(
      'GET',
      `${runPath}/taskInstances/hello/xcomEntries/return_value`,
    );
    expect(output.body.value).toEqual({ text: 'HELLO!', uid: 50000 });
    const where = await api<{ value: unknown }>(
      'GET',
      `${runPath}/taskInstances/where/xcomEntries/return_value`,
    );
    expect(where.body.value).toBe('50000 /opt/gale-home');
    const log = await api('GET', `${runPath}/taskInstances/hello/logs/1`, undefined, {
      accept: 'text/plain',
    });
    expect(log.text).toContain('hello from inside the container');

    // seven containers shared the DAGs folder: the first (gale-init) installed its package.json
    const installsIn = (text: string) => text.split('installing the npm packages').length - 1;
    let installs = installsIn(init.stderr) + installsIn(again.stderr);
    for (const service of services) {
      const out = await podman(['logs', boxes.name(service)]);
      installs += installsIn(`${out.stdout}${out.stderr}`);
    }
    expect({ installs, byInit: installsIn(init.stderr) }).toEqual({ installs: 1, byInit: 1 });

    const pid1 = await podmanOk(['exec', boxes.name('worker'), 'cat', '/proc/1/cmdline']);
    expect(pid1.split('\0').slice(0, 4)).toEqual(['/usr/bin/tini', '--', 'gale', 'worker']);

    // the image's HEALTHCHECK asks the service each container runs
    for (const service of services) {
      const health = await podman(['healthcheck', 'run', boxes.name(service)]);
      expect(health.code, `${service}: ${health.stdout}${health.stderr}`).toBe(0);
    }

    // SIGTERM goes through tini to Gale, which stops cleanly (exit 0) long before podman's SIGKILL
    for (const service of services) {
      const started = Date.now();
      await podmanOk(['stop', '-t', '30', boxes.name(service)]);
      const seconds = (Date.now() - started) / 1000;
      const code = await podmanOk(['inspect', '--format', '{{.State.ExitCode}}', boxes.name(service)]);
      expect({ service, code: code.trim(), fast: seconds < 15 }).toEqual({ service, code: '0', fast: true });
    }
  }, 600_000);

  it('takes npm packages for DAGs from a derived image, with a read-only DAGs folder', async () => {
    const context = writeDagPackages(work, 'derived', false);
    writeFileSync(
      join(context, 'Dockerfile'),
      [
        `FROM ${built.image}`,
        'COPY --chown=50000:0 package.json /opt/gale-home/',
        'COPY --chown=50000:0 vendor /opt/gale-home/vendor',
        'RUN cd /opt/gale-home && npm install --omit=dev --no-audit --no-fund',
      ].join('\n'),
    );
    await podmanOk(['build', '--pull=never', '--format=docker', '-t', DERIVED_IMAGE, context]);
    const dags = join(work, 'derived-dags');
    mkdirSync(dags);
    writeFileSync(join(dags, 'container_demo.ts'), DAG);
    const env = { GALE__DATABASE__URL: pg?.adminUrl, GALE__CORE__LOAD_EXAMPLES: 'false' };
    const mounts = { [dags]: '/opt/gale-home/dags:ro' };
    const migrated = await boxes.run('derived-migrate', ['db', 'migrate'], { env, image: DERIVED_IMAGE });
    expect(migrated.code, migrated.stderr).toBe(0);
    const run = await boxes.run('derived', ['dags', 'test', 'container_demo'], {
      env,
      mounts,
      image: DERIVED_IMAGE,
    });
    expect(run.code, `${run.stdout}${run.stderr}`).toBe(0);
    expect(run.stdout).toContain('hello from inside the container');
    expect(run.stdout).toMatch(/DAG run \S+: success/);
  }, 300_000);
});
