/**
 * Test support: a fresh GALE_HOME per test with fast timings, the built `gale` CLI run as a real
 * child process, long-running services started and killed, and polling with a deadline.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createTestDatabase, dropTestDatabase, openSyncDb, type SyncDb, testDialect } from './test-db.js';

export const CLI = resolve(import.meta.dirname, '../../dist/cli/main.js');

export interface GaleHome {
  home: string;
  dags: string;
  env: NodeJS.ProcessEnv;
  writeDag(name: string, source: string): string;
  /** runs the gale CLI to its end; `input` is written to its stdin */
  gale(
    args: string[],
    extraEnv?: NodeJS.ProcessEnv,
    input?: string,
  ): { code: number | null; stdout: string; stderr: string };
  start(args: string[], extraEnv?: NodeJS.ProcessEnv): Service;
  /** the metadata database's URL (a fresh PostgreSQL database when GALE_TEST_DB=postgres) */
  dbUrl: string;
  db(): SyncDb;
  cleanup(): void;
}

export interface Service {
  child: ChildProcess;
  output(): string;
  /** SIGTERM and wait for exit */
  stop(): Promise<void>;
  /** SIGKILL (kill -9) and wait for exit */
  kill9(): Promise<void>;
}

/** Settings that make a test run fast: quick loops, short heartbeats and timeouts. */
export const FAST_ENV: NodeJS.ProcessEnv = {
  GALE__CORE__LOAD_EXAMPLES: 'false',
  GALE__SCHEDULER__IDLE_SLEEP_TIME: '0.2',
  GALE__SCHEDULER__TASK_INSTANCE_HEARTBEAT_SEC: '0.5',
  GALE__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT: '20',
  GALE__SCHEDULER__TASK_QUEUED_TIMEOUT: '5',
  GALE__DAG_PROCESSOR__FILE_CHECK_INTERVAL: '0.3',
  GALE__DAG_PROCESSOR__FILE_PARSING_TIMEOUT: '10',
  GALE__CORE__KILLED_TASK_CLEANUP_TIME: '1',
  GALE__METRICS__PORT: '0', // several services per machine: each its own free port
  GALE__API__PORT: '0',
  GALE__LOGGING__WORKER_LOG_SERVER_PORT: '0',
  GALE__LOGGING__WORKER_LOG_SERVER_HOST: '127.0.0.1',
  GALE_LOG_FORMAT: 'text',
};

export function makeGaleHome(extraEnv: NodeJS.ProcessEnv = {}): GaleHome {
  const home = mkdtempSync(join(tmpdir(), 'gale-test-'));
  const dags = join(home, 'dags');
  mkdirSync(dags, { recursive: true });
  const baseEnv: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('GALE')) baseEnv[k] = v;
  const dbUrl = createTestDatabase(home);
  const dbEnv = testDialect() === 'postgres' ? { GALE__DATABASE__URL: dbUrl } : {};
  const env: NodeJS.ProcessEnv = { ...baseEnv, GALE_HOME: home, ...FAST_ENV, ...dbEnv, ...extraEnv };
  const services: Service[] = [];
  let database: SyncDb | null = null;
  return {
    home,
    dags,
    env,
    dbUrl,
    writeDag(name, source) {
      const path = join(dags, name);
      writeFileSync(path, source);
      return path;
    },
    gale(args, more = {}, input) {
      const r = spawnSync(process.execPath, [CLI, ...args], {
        env: { ...env, ...more },
        encoding: 'utf8',
        timeout: 120_000,
        ...(input === undefined ? {} : { input }),
      });
      return { code: r.status, stdout: r.stdout, stderr: r.stderr };
    },
    start(args, more = {}) {
      const child = spawn(process.execPath, [CLI, ...args], {
        env: { ...env, ...more },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout?.on('data', (d: Buffer) => {
        out += d.toString();
      });
      child.stderr?.on('data', (d: Buffer) => {
        out += d.toString();
      });
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      const service: Service = {
        child,
        output: () => out,
        async stop() {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
          await exited;
        },
        async kill9() {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
          await exited;
        },
      };
      services.push(service);
      return service;
    },
    db() {
      database ??= openSyncDb(dbUrl);
      return database;
    },
    cleanup() {
      for (const s of services)
        if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL');
      database?.close();
      // services just killed may still hold connections: dropping forces them off
      dropTestDatabase(dbUrl);
      rmSync(home, { recursive: true, force: true });
    },
  };
}

/** Polls `check` until it returns a truthy value; fails with what was last seen. */
export async function waitFor<T>(
  check: () => T | Promise<T>,
  options: { timeoutMs?: number; intervalMs?: number; what: string; seen?: () => unknown },
): Promise<NonNullable<T>> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
      last = options.seen ? options.seen() : value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `Timed out waiting for ${options.what}; last seen: ${typeof last === 'string' ? last : JSON.stringify(last, null, 1)}`,
      );
    }
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 100));
  }
}

export interface TiRow {
  task_id: string;
  state: string;
  try_number: number;
  start_date: string | null;
  end_date: string | null;
  pid: number | null;
  pool: string;
}

export function taskStates(db: SyncDb, dagId: string, runId?: string): Record<string, string> {
  const rows = (
    runId
      ? db
          .prepare('select task_id, state from task_instance where dag_id = ? and run_id = ?')
          .all(dagId, runId)
      : db.prepare('select task_id, state from task_instance where dag_id = ?').all(dagId)
  ) as { task_id: string; state: string }[];
  return Object.fromEntries(rows.map((r) => [r.task_id, r.state]));
}

export function runsOf(
  db: SyncDb,
  dagId: string,
): {
  run_id: string;
  state: string;
  logical_date: string;
  data_interval_start: string;
  data_interval_end: string;
  conf: string;
}[] {
  return db.prepare('select * from dag_run where dag_id = ? order by logical_date').all(dagId) as never;
}

/** Whether a process runs; a zombie (dead, not yet reaped by a parent that is gone) does not. */
/** The log of a task's try, wherever under GALE_HOME/logs it is ('' while there is none). */
export function tryLog(home: string, taskId: string): string {
  if (!existsSync(join(home, 'logs'))) return '';
  const files = readdirSync(join(home, 'logs'), { recursive: true, encoding: 'utf8' });
  const file = files.find((f) => f.includes(`task_id=${taskId}`) && f.endsWith('.log'));
  return file ? readFileSync(join(home, 'logs', file), 'utf8') : '';
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** The api.secret_key of tests (48 characters; never a default anywhere but here). */
export const TEST_SECRET_KEY = 'test-secret-key-0123456789abcdefghijklmnopqrstuv';

/**
 * Starts `gale api-server` for the task execution API that workers' task processes call, and sets
 * the secret key and `execution_api.url` in `g.env`, so every service started afterwards uses it.
 */
export async function startExecutionApi(g: GaleHome): Promise<{ api: Service; url: string }> {
  g.env.GALE__API__SECRET_KEY = TEST_SECRET_KEY;
  const api = g.start(['api-server']);
  const url = await waitFor(() => /API server on (http:\/\/localhost:\d+)/.exec(api.output())?.[1], {
    what: 'the API server to listen',
    seen: () => api.output(),
  });
  g.env.GALE__EXECUTION_API__URL = url;
  return { api, url };
}
