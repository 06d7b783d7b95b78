/**
 * docker-compose.yaml, run for real: Docker Compose v2 (built from source, test/support/compose.ts)
 * against podman's Docker API brings up PostgreSQL, Redis, gale-init and the five Gale services
 * from the real Dockerfile's image, each started only when what it depends on is healthy (or, for
 * gale-init, done); then an admin logs in, triggers the example DAG example_etl from the mounted
 * DAGs folder and its run succeeds through the queue executor's worker. No registry is reachable
 * here: PostgreSQL and Redis are local stand-ins built from Debian's packages
 * (test/support/service-images.ts), named in a test override file that also forbids pulling.
 * podman 4.3 runs health checks from systemd timers and this machine has no systemd: a
 * HealthcheckDriver runs the containers' own checks at their intervals instead.
 * Also checked for structure: every variable in .env.example with valid settings, .env uncommitted.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { freePort } from '../../src/bench/services/index.js';
import { loadConfig } from '../../src/config/index.js';
import { type Client, login } from '../support/api-client.js';
import { type ComposeProject, composeProject, ensureCompose, HealthcheckDriver } from '../support/compose.js';
import { TEST_SECRET_KEY, waitFor } from '../support/gale-home.js';
import { buildGaleImage } from '../support/gale-image.js';
import { type DockerApi, podman, startDockerApi } from '../support/podman.js';
import { buildServiceImages } from '../support/service-images.js';

const ROOT = resolve(import.meta.dirname, '../..');
const GALE_SERVICES = ['api-server', 'scheduler', 'dag-processor', 'triggerer', 'worker'];

interface Service {
  image?: string;
  command?: string[];
  entrypoint?: string[];
  env_file?: string;
  environment?: Record<string, string>;
  volumes?: string[];
  read_only?: boolean;
  user?: string;
  healthcheck?: { test?: string[]; disable?: boolean };
  depends_on?: Record<string, { condition: string }>;
}

const composeFile = parse(readFileSync(resolve(ROOT, 'docker-compose.yaml'), 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
};
const services = composeFile.services;
const example = readFileSync(resolve(ROOT, '.env.example'), 'utf8');
const exampleVars = Object.fromEntries(
  example
    .split('\n')
    .filter((line) => /^[A-Z_][A-Z0-9_]*=/.test(line))
    .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
);

describe('docker-compose.yaml', () => {
  it('has the topology: postgres, redis, gale-init and the five Gale services from one image', () => {
    expect(Object.keys(services).sort()).toEqual(['postgres', 'redis', 'gale-init', ...GALE_SERVICES].sort());
    for (const name of GALE_SERVICES) {
      expect(services[name]?.command, name).toEqual([name]);
      expect(services[name]?.image, name).toBe(services['gale-init']?.image);
    }
    expect(services['gale-init']?.entrypoint).toEqual(['/usr/bin/tini', '--', 'gale-init']);
    expect(services.scheduler?.environment?.GALE__CORE__EXECUTOR).toBe('queue');
  });

  it('starts each service only when what it needs is healthy (or, for gale-init, done)', () => {
    for (const [name, service] of Object.entries(services)) {
      if (name !== 'gale-init') {
        expect(service.healthcheck?.test?.length, `${name} has a health check`).toBeGreaterThan(0);
        expect(service.healthcheck?.disable, name).toBeUndefined();
      }
      for (const [target, { condition }] of Object.entries(service.depends_on ?? {})) {
        expect(services[target], `${name} depends on ${target}`).toBeDefined();
        const expected = target === 'gale-init' ? 'service_completed_successfully' : 'service_healthy';
        expect(condition, `${name} → ${target}`).toBe(expected);
      }
    }
    expect(Object.keys(services['gale-init']?.depends_on ?? {})).toEqual(['postgres']);
    for (const name of GALE_SERVICES) {
      expect(Object.keys(services[name]?.depends_on ?? {}), name).toEqual(
        expect.arrayContaining(['postgres', 'redis', 'gale-init']),
      );
    }
    // workers' task processes call the API server (the task execution API)
    expect(services.worker?.depends_on?.['api-server']?.condition).toBe('service_healthy');
  });

  it('mounts DAGs, logs and plugins, runs read-only as the image user, with secrets from .env', () => {
    for (const name of ['gale-init', ...GALE_SERVICES]) {
      const service = services[name] as Service;
      const targets = (service.volumes ?? []).map((v) => v.split(':')[1]);
      expect(targets, name).toEqual(
        expect.arrayContaining(['/opt/gale-home/dags', '/opt/gale-home/logs', '/opt/gale-home/plugins']),
      );
      expect(service.read_only, name).toBe(true);
      expect(service.env_file, name).toBe('.env');
      expect(service.user, name).toMatch(/^\$\{GALE_UID:-50000\}:0$/);
      expect(service.environment?.GALE__DATABASE__URL, name).toMatch(/^postgresql:\/\/.*@postgres:5432\//);
    }
    expect(Object.keys(composeFile.volumes)).toContain('gale-logs');
  });

  it('names every variable it uses in .env.example, with valid Gale settings; .env stays uncommitted', () => {
    const text = readFileSync(resolve(ROOT, 'docker-compose.yaml'), 'utf8');
    const used = [...text.matchAll(/\$\{([A-Z_][A-Z0-9_]*)/g)].map((m) => m[1] as string);
    for (const name of new Set(used)) expect(Object.keys(exampleVars), name).toContain(name);
    for (const name of [
      'GALE__API__SECRET_KEY',
      'GALE_ADMIN_USERNAME',
      'GALE_ADMIN_PASSWORD',
      'POSTGRES_PASSWORD',
    ]) {
      expect(Object.keys(exampleVars)).toContain(name);
    }
    // every GALE__SECTION__KEY of the example is a real setting with a valid value
    const galeVars = Object.fromEntries(Object.entries(exampleVars).filter(([k]) => k.startsWith('GALE__')));
    expect(() => loadConfig({ GALE_HOME: '/opt/gale-home', ...galeVars })).not.toThrow();
    expect(readFileSync(resolve(ROOT, '.gitignore'), 'utf8').split('\n')).toContain('.env');
    const tracked = spawnSync('git', ['ls-files', '--', '.env'], { cwd: ROOT, encoding: 'utf8' });
    expect(tracked.stdout.trim()).toBe('');
    const ignore = readFileSync(resolve(ROOT, '.dockerignore'), 'utf8').split('\n');
    expect(ignore).toEqual(expect.arrayContaining(['**/node_modules', '**/.env']));
  });
});

interface PsEntry {
  Service: string;
  State: string;
  Health: string;
  ExitCode: number;
}

/** One JSON object per line (or, from older Compose, one array). */
function parsePs(text: string): PsEntry[] {
  const trimmed = text.trim();
  if (trimmed.startsWith('[')) return JSON.parse(trimmed) as PsEntry[];
  return trimmed
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as PsEntry);
}

describe('docker-compose.yaml, run by Docker Compose on podman', () => {
  const ADMIN = { username: 'admin', password: 'compose-admin-password' };
  const project = `gale-compose-${process.pid}`;
  let dir: string;
  let api: DockerApi | undefined;
  let compose: ComposeProject;
  let driver: HealthcheckDriver | undefined;
  let apiPort: number;

  beforeAll(async () => {
    const composeSeconds = await ensureCompose();
    const images = await buildServiceImages();
    const gale = await buildGaleImage();
    console.log(
      `built (0 = cached): docker-compose ${composeSeconds} s, postgres ${images.postgres.buildSeconds} s, redis ${images.redis.buildSeconds} s, gale ${gale.buildSeconds} s`,
    );
    dir = mkdtempSync(join(tmpdir(), 'gale-compose-'));
    // the project directory, as a user's checkout: .env, ./dags with an example DAG, ./plugins
    mkdirSync(join(dir, 'dags'));
    mkdirSync(join(dir, 'plugins'));
    copyFileSync(resolve(ROOT, 'examples/dags/example_etl.ts'), join(dir, 'dags', 'example_etl.ts'));
    apiPort = await freePort();
    const env: Record<string, string> = {
      ...exampleVars,
      GALE_IMAGE: gale.image,
      GALE_API_PORT: String(apiPort),
      POSTGRES_PASSWORD: 'compose-postgres-password',
      GALE__API__SECRET_KEY: TEST_SECRET_KEY,
      GALE_ADMIN_USERNAME: ADMIN.username,
      GALE_ADMIN_PASSWORD: ADMIN.password,
      GALE__CORE__LOAD_EXAMPLES: 'false',
      // quick loops, so that the run finishes in seconds
      GALE__SCHEDULER__IDLE_SLEEP_TIME: '0.5',
      GALE__DAG_PROCESSOR__FILE_CHECK_INTERVAL: '1',
    };
    writeFileSync(
      join(dir, '.env'),
      Object.entries(env)
        .map(([k, v]) => `${k}=${v}`)
        .join('\n'),
    );
    // the stand-ins for Docker Hub's images, and never a pull
    const override = {
      services: Object.fromEntries(
        Object.keys(services).map((name) => [
          name,
          {
            pull_policy: 'never',
            ...(name === 'postgres' || name === 'redis' ? { image: images[name].image } : {}),
          },
        ]),
      ),
    };
    writeFileSync(join(dir, 'compose.test.yaml'), stringify(override));
    api = await startDockerApi(join(dir, 'docker.sock'));
    compose = composeProject(
      project,
      dir,
      [resolve(ROOT, 'docker-compose.yaml'), join(dir, 'compose.test.yaml')],
      api.dockerHost,
    );
    driver = new HealthcheckDriver(project);
    driver.start();
    const started = Date.now();
    const up = await compose.run(
      ['up', '-d', '--wait', '--wait-timeout', '600', '--no-build', '--pull', 'never'],
      {
        timeoutMs: 660_000,
      },
    );
    const upSeconds = Math.round((Date.now() - started) / 1000);
    console.log(`docker-compose up --wait: ${upSeconds} s (exit ${up.code})`);
    if (up.code !== 0) {
      const logs = await compose.run(['logs', '--no-color', '--tail', '30']);
      throw new Error(
        `docker-compose up failed (exit ${up.code}): ${up.stderr.slice(-3000)}\n${logs.stdout.slice(-6000)}`,
      );
    }
  }, 2_400_000);

  afterEach(async (context) => {
    if (context.task.result?.state === 'fail' && compose) {
      const logs = await compose.run(['logs', '--no-color', '--tail', '40']);
      console.error(logs.stdout, logs.stderr);
    }
  });

  afterAll(async () => {
    await driver?.stop();
    if (compose) {
      const down = await compose.run(['down', '-v', '--remove-orphans', '-t', '10'], { timeoutMs: 180_000 });
      if (down.code !== 0) console.error(`docker-compose down failed: ${down.stderr}`);
    }
    // whatever compose could not remove (it talks to the API server, which may be what failed)
    const left = await podman(['ps', '-aq', '--filter', `label=com.docker.compose.project=${project}`]);
    for (const id of left.stdout.split('\n').filter(Boolean)) await podman(['rm', '-f', '-v', id]);
    const volumes = await podman([
      'volume',
      'ls',
      '-q',
      '--filter',
      `label=com.docker.compose.project=${project}`,
    ]);
    for (const v of volumes.stdout.split('\n').filter(Boolean)) await podman(['volume', 'rm', '-f', v]);
    await api?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 300_000);

  it('ran gale-init to completion and has every long-running service healthy', async () => {
    const ps = await compose.run(['ps', '--all', '--format', 'json']);
    expect(ps.code, ps.stderr).toBe(0);
    const byService = Object.fromEntries(parsePs(ps.stdout).map((e) => [e.Service, e]));
    expect(byService['gale-init']).toMatchObject({ State: 'exited', ExitCode: 0 });
    for (const name of ['postgres', 'redis', ...GALE_SERVICES]) {
      expect(byService[name], name).toMatchObject({ State: 'running', Health: 'healthy' });
    }
    const init = await compose.run(['logs', '--no-color', 'gale-init']);
    expect(init.stdout).toContain(`User ${ADMIN.username} created with role Admin`);
    // the health checks the driver ran are the containers' own, and they passed
    expect(driver?.runs.size).toBeGreaterThanOrEqual(2 + GALE_SERVICES.length);
  });

  it('runs the example DAG from the mounted DAGs folder: logged-in admin, queue executor, worker', async () => {
    const base = `http://127.0.0.1:${apiPort}`;
    const client: Client = await login(base, ADMIN.username, ADMIN.password);
    await waitFor(async () => (await client('GET', '/api/v2/dags/example_etl')).status === 200, {
      timeoutMs: 120_000,
      what: 'the DAG processor to parse example_etl',
    });
    const created = await client<{ dag_run_id: string }>('POST', '/api/v2/dags/example_etl/dagRuns', {
      conf: {},
    });
    expect(created.status, created.text).toBe(200);
    const runPath = `/api/v2/dags/example_etl/dagRuns/${encodeURIComponent(created.body.dag_run_id)}`;
    let state = '';
    await waitFor(
      async () => {
        state = (await client<{ state: string }>('GET', runPath)).body.state;
        return state === 'success' || state === 'failed';
      },
      { timeoutMs: 180_000, intervalMs: 500, what: 'the run to finish', seen: () => state },
    );
    const tis = await client<{
      task_instances: { task_id: string; state: string; try_number: number; hostname: string | null }[];
    }>('GET', `${runPath}/taskInstances`);
    const states = Object.fromEntries(
      tis.body.task_instances.map((ti) => [ti.task_id, [ti.state, ti.try_number]]),
    );
    expect({ state, states }).toEqual({
      state: 'success',
      states: { extract: ['success', 1], transform: ['success', 1], load: ['success', 1] },
    });
    const output = await client<{ value: unknown }>(
      'GET',
      `${runPath}/taskInstances/load/xcomEntries/return_value`,
    );
    expect(output.body.value).toEqual({ countries: 2 });
    // the worker's container ran them (the queue executor's worker, not the scheduler's)
    const worker = await podman(['inspect', '--format', '{{.Config.Hostname}}', `${project}-worker-1`]);
    expect(worker.code, worker.stderr).toBe(0);
    const hosts = new Set(tis.body.task_instances.map((ti) => ti.hostname));
    expect([...hosts]).toEqual([worker.stdout.trim()]);
  }, 300_000);
});
