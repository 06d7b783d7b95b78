/**
 * The shared runner of Gale processes: one installation is a fresh GALE_HOME in a temporary folder
 * with its own database (a SQLite file, or a new database on the benchmark's private PostgreSQL)
 * and its own Redis key prefix, the `gale` CLI run against it, and the services started for it
 * (standalone, or the DAG processor, scheduler and triggerer alone; workers; extra schedulers).
 * It never touches the user's GALE_HOME or database: every location setting is overridden.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { type GaleDb, openDatabase } from '../db/index.js';
import { GaleApi } from './api-client.js';
import { CLI, GaleProcess } from './gale-process.js';
import type { BenchDatabase, BenchExecutor } from './options.js';
import { delay } from './poll.js';
import { treeRssMb } from './process-tree.js';
import type { PostgresServer, RedisServer } from './services/index.js';

/** Settings every installation starts from; the user's GALE__* environment overrides them. */
const BENCH_DEFAULTS: NodeJS.ProcessEnv = {
  GALE__CORE__LOAD_EXAMPLES: 'false',
  GALE__CORE__PARALLELISM: '32',
  // the api scenario measures the queries behind the list routes, not the UI's shared poll cache
  GALE__API__POLL_CACHE_TTL: '0',
};

/** Where the benchmark's private servers are, when it started them. */
export interface BenchServers {
  postgres: PostgresServer | null;
  redis: RedisServer | null;
}

export interface InstallationOptions {
  db: BenchDatabase;
  executor: BenchExecutor;
  servers: BenchServers;
  /** settings for this installation only (GALE__SECTION__KEY), over the user's */
  env?: NodeJS.ProcessEnv;
}

const START_TIMEOUT_MS = 180_000;

export class Installation {
  readonly home: string;
  readonly dagsFolder: string;
  readonly env: NodeJS.ProcessEnv;
  readonly executor: BenchExecutor;
  readonly #services: GaleProcess[] = [];
  #db: GaleDb | null = null;

  private constructor(home: string, env: NodeJS.ProcessEnv, executor: BenchExecutor) {
    this.home = home;
    this.dagsFolder = join(home, 'dags');
    this.env = env;
    this.executor = executor;
  }

  static async create(options: InstallationOptions): Promise<Installation> {
    const home = mkdtempSync(join(tmpdir(), 'gale-bench-'));
    mkdirSync(join(home, 'dags'));
    const id = randomBytes(5).toString('hex');
    const env: NodeJS.ProcessEnv = { ...BENCH_DEFAULTS };
    for (const [k, v] of Object.entries(process.env)) if (k !== 'GALE_HOME') env[k] = v;
    Object.assign(env, options.env ?? {}, {
      GALE_HOME: home,
      GALE_LOG_FORMAT: 'json',
      GALE__CORE__DAGS_FOLDER: join(home, 'dags'),
      GALE__LOGGING__BASE_LOG_FOLDER: join(home, 'logs'),
      GALE__DATABASE__URL: await databaseFor(options, home, id),
      GALE__CORE__EXECUTOR: options.executor,
      // every service on a free port of its own, on loopback
      GALE__API__HOST: '127.0.0.1',
      GALE__API__PORT: '0',
      // its "metrics and health on" log line tells that a service has started
      GALE__METRICS__ENABLED: 'true',
      GALE__METRICS__HOST: '127.0.0.1',
      GALE__METRICS__PORT: '0',
      GALE__LOGGING__WORKER_LOG_SERVER_HOST: '127.0.0.1',
      GALE__LOGGING__WORKER_LOG_SERVER_PORT: '0',
      // the same key for standalone's API and the workers that call it
      GALE__API__SECRET_KEY: randomBytes(24).toString('hex'),
    });
    if (options.executor === 'queue') {
      if (!options.servers.redis) throw new Error('bench: the queue executor needs the Redis server');
      env.GALE__QUEUE__REDIS_URL = options.servers.redis.url;
      env.GALE__QUEUE__KEY_PREFIX = `gale_bench_${id}`;
    }
    return new Installation(home, env, options.executor);
  }

  writeDag(name: string, source: string): string {
    const path = join(this.dagsFolder, name);
    writeFileSync(path, source);
    return path;
  }

  /** Runs the gale CLI to its end and returns its stdout; throws with its stderr when it fails. */
  cli(args: readonly string[], input?: string): string {
    try {
      return execFileSync(process.execPath, [CLI, ...args], {
        env: this.env,
        encoding: 'utf8',
        stdio: ['pipe', 'pipe', 'pipe'],
        timeout: 120_000,
        ...(input === undefined ? {} : { input }),
      });
    } catch (error) {
      const e = error as { stderr?: string; message: string };
      throw new Error(`bench: gale ${args.join(' ')} failed: ${e.stderr?.trim() || e.message}`, {
        cause: error,
      });
    }
  }

  /** Starts a long-running gale command; it is stopped by close(). */
  start(name: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): GaleProcess {
    const service = new GaleProcess(name, args, { ...this.env, ...env });
    this.#services.push(service);
    return service;
  }

  /** `gale standalone`, until it is ready: how long that took and its API's URL. */
  async startStandalone(): Promise<{ standalone: GaleProcess; readyMs: number; apiUrl: string }> {
    const started = performance.now();
    const standalone = this.start('standalone', ['standalone']);
    const ready = await standalone.waitForLog(
      (e) => typeof e.msg === 'string' && e.msg.includes('standalone is ready'),
      'standalone to be ready',
      START_TIMEOUT_MS,
    );
    const readyMs = Math.round(performance.now() - started);
    return { standalone, readyMs, apiUrl: loopback(String(ready.ui)) };
  }

  /** `gale api-server` alone, until it listens; its URL. */
  async startApiServer(): Promise<string> {
    const api = this.start('api-server', ['api-server']);
    const line = await api.waitForLog(
      (e) => typeof e.msg === 'string' && e.msg.startsWith('API server on'),
      'the API server to listen',
      START_TIMEOUT_MS,
    );
    return loopback(String(line.url));
  }

  /** `count` gale worker processes whose task processes call the task execution API at `apiUrl`. */
  async startWorkers(count: number, apiUrl: string): Promise<void> {
    const workers = Array.from({ length: count }, (_, i) =>
      this.start(`worker ${i + 1}`, ['worker'], { GALE__EXECUTION_API__URL: apiUrl }),
    );
    for (const w of workers) {
      await w.waitForLog(
        (e) => typeof e.msg === 'string' && e.msg.startsWith('worker started'),
        'the worker to start',
        START_TIMEOUT_MS,
      );
    }
  }

  /** A long-running service (scheduler, dag-processor, triggerer) until its health server is up. */
  async startService(name: string, args: readonly string[] = [name]): Promise<GaleProcess> {
    const service = this.start(name, args);
    await service.waitForLog(
      (e) => typeof e.msg === 'string' && e.msg.startsWith('metrics and health on'),
      `gale ${name} to start`,
      START_TIMEOUT_MS,
    );
    return service;
  }

  /** A user with role User and its API token (the API allows a few logins a minute: reuse it). */
  async apiClient(apiUrl: string): Promise<GaleApi> {
    const password = randomBytes(18).toString('hex');
    this.cli(['users', 'create', '-u', 'bench', '-r', 'User', '--password-stdin'], `${password}\n`);
    return GaleApi.login(apiUrl, 'bench', password);
  }

  /** The metadata database, opened by the benchmark itself to read timings. */
  db(): GaleDb {
    // as Gale's services open it (the decisions scenario runs the scheduler on it)
    this.#db ??= openDatabase(String(this.env.GALE__DATABASE__URL), { checkpointThread: true });
    return this.#db;
  }

  /** The running services' processes and all their children. */
  get pids(): number[] {
    return this.#services.filter((s) => !s.hasExited).map((s) => s.pid);
  }

  /** Resident memory of every service of this installation and its children, in MB. */
  rssMb(): number {
    return treeRssMb(this.pids);
  }

  /** Throws, with its log's tail, when a service has exited. */
  assertRunning(): void {
    for (const s of this.#services) s.assertRunning();
  }

  /** Stops every service (workers and extra schedulers first), closes the database, removes the home. */
  async close(): Promise<void> {
    const services = [...this.#services].reverse();
    for (const s of services) await s.stop();
    // warm task processes leave on their own once their scheduler or worker is gone
    await delay(500);
    await this.#db?.close();
    this.#db = null;
    try {
      rmSync(this.home, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
    } catch (error) {
      process.stderr.write(`bench: could not remove ${this.home}: ${String(error)}\n`);
    }
  }
}

/** The same URL on 127.0.0.1: `localhost` may resolve to ::1, where Gale does not listen. */
function loopback(url: string): string {
  return url.replace('//localhost:', '//127.0.0.1:');
}

async function databaseFor(options: InstallationOptions, home: string, id: string): Promise<string> {
  if (options.db === 'sqlite') return `sqlite://${join(home, 'gale.db')}`;
  const server = options.servers.postgres;
  if (!server) throw new Error('bench: --db postgres needs the PostgreSQL server');
  const name = `gale_bench_${id}`;
  const client = new pg.Client({ connectionString: server.adminUrl });
  await client.connect();
  try {
    await client.query(`create database ${name}`);
  } finally {
    await client.end();
  }
  return server.urlFor(name);
}
