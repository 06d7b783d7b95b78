/**
 * The small HTTP server every long-running Gale process serves for Prometheus and Kubernetes:
 * `GET /metrics` (Prometheus text format), `GET /health/live` (200 while the event loop turns),
 * `GET /health/ready` (200 when the database answers and every loop of the process has beaten
 * lately, else 503 with a JSON body naming what is wrong). It only reads: it never changes state,
 * and closing it leaves no timer or socket behind.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { type Kysely, sql } from '#kysely';
import type { Database } from '../db/index.js';
import { GaleError } from '../models/index.js';

/** A service loop whose beats the readiness check watches. */
export interface LoopCheck {
  /** its name in the readiness report: "scheduler", "dag-processor" */
  name: string;
  /** the longest a healthy loop goes between beats; after 3 of these without one it is unready */
  intervalMs: number;
  /** when it last beat (milliseconds since the epoch); null before its first beat */
  lastBeatAt(): number | null;
}

export interface HealthServerOptions {
  host: string;
  /** 0 picks a free port */
  port: number;
  registry: Registry;
  db: Kysely<Database>;
  loops: readonly LoopCheck[];
  log: Logger;
  /** how long the database may take to answer `select 1`; default 2000 */
  dbTimeoutMs?: number;
  /** milliseconds since the epoch; default Date.now */
  now?: () => number;
}

export interface HealthServer {
  /** http://host:port, with the port actually bound */
  readonly url: string;
  readonly port: number;
  /** Stops listening and drops open connections. */
  close(): Promise<void>;
}

export interface ReadinessCheck {
  name: string;
  isOk: boolean;
  detail: string;
}

/** Loops are unready after this many of their intervals without a beat. */
const MISSED_BEATS = 3;

async function checkDatabase(db: Kysely<Database>, timeoutMs: number): Promise<ReadinessCheck> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([sql`select 1`.execute(db), timeout]);
    return { name: 'database', isOk: true, detail: 'answered select 1' };
  } catch (error) {
    return {
      name: 'database',
      isOk: false,
      detail: `did not answer select 1: ${error instanceof Error ? error.message : String(error)}`,
    };
  } finally {
    clearTimeout(timer);
  }
}

function checkLoop(loop: LoopCheck, now: number): ReadinessCheck {
  const last = loop.lastBeatAt();
  const limitMs = loop.intervalMs * MISSED_BEATS;
  if (last === null) return { name: loop.name, isOk: false, detail: 'its loop has not completed a pass yet' };
  const ageMs = Math.max(0, now - last);
  return ageMs <= limitMs
    ? { name: loop.name, isOk: true, detail: `last beat ${ageMs} ms ago` }
    : { name: loop.name, isOk: false, detail: `last beat ${ageMs} ms ago, more than ${limitMs} ms` };
}

/** Every check of /health/ready: the database, then each loop. */
export async function readinessChecks(
  options: Pick<HealthServerOptions, 'db' | 'loops' | 'dbTimeoutMs' | 'now'>,
): Promise<ReadinessCheck[]> {
  const database = await checkDatabase(options.db, options.dbTimeoutMs ?? 2000);
  const now = (options.now ?? Date.now)();
  return [database, ...options.loops.map((loop) => checkLoop(loop, now))];
}

function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store' });
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  send(res, status, 'application/json; charset=utf-8', `${JSON.stringify(body)}\n`);
}

const ROUTES = ['/metrics', '/health/live', '/health/ready'] as const;
type Route = (typeof ROUTES)[number];

function isRoute(path: string): path is Route {
  return (ROUTES as readonly string[]).includes(path);
}

export function hostUrl(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** Starts the server; fails with GALE_ERR_PORT_IN_USE when the port is taken. */
export async function startHealthServer(options: HealthServerOptions): Promise<HealthServer> {
  const { registry, log } = options;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (!isRoute(path)) return sendJson(res, 404, { error: `no such path: ${path}` });
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return sendJson(res, 405, { error: `${req.method} is not allowed; use GET` });
    }
    if (path === '/health/live') return sendJson(res, 200, { status: 'live' });
    if (path === '/metrics') return send(res, 200, registry.contentType, await registry.metrics());
    const checks = await readinessChecks(options);
    const problems = checks.filter((c) => !c.isOk).map((c) => `${c.name}: ${c.detail}`);
    sendJson(res, problems.length === 0 ? 200 : 503, {
      status: problems.length === 0 ? 'ready' : 'unready',
      problems,
      checks,
    });
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      log.error({ err: error, url: req.url }, 'health server request failed');
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error; see the service log' });
      else res.destroy();
    });
  });
  // Idle connections outlive the clients' (undici keeps them 4 s, Prometheus longer): a server
  // that closed first could race a request just sent on it ("other side closed").
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') {
        reject(
          new GaleError(
            'GALE_ERR_PORT_IN_USE',
            `Cannot serve metrics and health on ${hostUrl(options.host, options.port)}: the port is in use`,
            {
              hint: 'Set metrics.port (GALE__METRICS__PORT) to a free port, or 0 to pick one; or turn the server off with metrics.enabled: false.',
              cause: error,
            },
          ),
        );
      } else if (error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND' || error.code === 'EACCES') {
        reject(
          new GaleError(
            'GALE_ERR_CONFIG_INVALID',
            `Cannot serve metrics and health on ${hostUrl(options.host, options.port)}: ${error.code}`,
            {
              hint: 'Set metrics.host (GALE__METRICS__HOST) to an address of this machine, and metrics.port (GALE__METRICS__PORT) to a port above 1023 or 0.',
              cause: error,
            },
          ),
        );
      } else {
        reject(error);
      }
    };
    server.once('error', onError);
    server.listen(options.port, options.host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  server.on('error', (error) => log.error({ err: error }, 'health server failed'));
  const port = (server.address() as AddressInfo).port;
  let closed: Promise<void> | null = null;
  return {
    url: hostUrl(options.host, port),
    port,
    close() {
      closed ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
      return closed;
    },
  };
}
