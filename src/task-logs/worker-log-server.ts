/**
 * The log server of a `gale worker`, as Airflow's worker log server (`serve_logs`, port 8793):
 * `GET /log/<path relative to the log folder>?offset=<byte>&max_bytes=<n>` answers a byte range
 * of a task log, with the log's whole size in the `x-gale-log-size` header, so that API servers on
 * other machines can show and follow the logs of the worker's tries. Only to a request whose
 * bearer token (signed with a key derived from api.secret_key) names that very log, and never a
 * file outside the log folder. It only reads; closing it leaves no socket behind.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { z } from '#zod';
import { type ErrorCode, GaleError } from '../models/index.js';
import { hostUrl } from '../observability/index.js';
import { readLogFile } from './log-files.js';
import { LogTokens } from './log-tokens.js';

const ROUTE = '/log/';
/** The header that carries the log's whole size in bytes. */
export const LOG_SIZE_HEADER = 'x-gale-log-size';
/** The most one request reads (the API reads 1 MiB at a time). */
export const MAX_SERVED_BYTES = 4 * 1024 * 1024;

const querySchema = z.object({
  offset: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(0),
  max_bytes: z.coerce
    .number()
    .int()
    .min(0)
    .max(MAX_SERVED_BYTES)
    .default(1024 * 1024),
});

/** The URL that reads `relativePath` (a '/'-separated log path) from the log server at `serverUrl`. */
export function servedLogUrl(
  serverUrl: string,
  relativePath: string,
  offset: number,
  maxBytes: number,
): string {
  const path = relativePath.split('/').map(encodeURIComponent).join('/');
  return `${serverUrl}${ROUTE}${path}?offset=${offset}&max_bytes=${maxBytes}`;
}

export interface WorkerLogServerOptions {
  /** the address to listen on; 0.0.0.0 or :: listens on every interface */
  host: string;
  /** 0 picks a free port */
  port: number;
  /** logging.base_log_folder of this worker */
  baseFolder: string;
  /** api.secret_key: the log tokens' key is derived from it */
  secretKey: string;
  log: Logger;
  /** milliseconds since the epoch; default Date.now */
  now?: () => number;
}

export interface WorkerLogServer {
  /** where API servers reach it: http://<host, or this machine's hostname for 0.0.0.0>:<bound port> */
  readonly url: string;
  readonly port: number;
  /** Stops listening and drops open connections. */
  close(): Promise<void>;
}

const STATUS: Partial<Record<ErrorCode, number>> = {
  GALE_ERR_INVALID_REQUEST: 400,
  GALE_ERR_FORBIDDEN: 403,
};

function sendError(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(`${JSON.stringify({ error: message })}\n`);
}

/** The log path of a request's URL path, each segment decoded (an encoded "/" or ".." is caught later). */
function relativePathOf(pathname: string): string {
  try {
    return pathname.slice(ROUTE.length).split('/').map(decodeURIComponent).join('/');
  } catch (error) {
    throw new GaleError('GALE_ERR_INVALID_REQUEST', 'The log path is not valid URL encoding', {
      cause: error,
    });
  }
}

function bearerToken(req: IncomingMessage): string | null {
  const match = /^Bearer (\S+)$/i.exec(req.headers.authorization ?? '');
  return match?.[1] ?? null;
}

/** The address API servers reach a server bound to `host` at. */
function advertisedHost(host: string): string {
  return host === '0.0.0.0' || host === '::' || host === '' ? hostname() : host;
}

/** Starts the server; fails with GALE_ERR_PORT_IN_USE when the port is taken. */
export async function startWorkerLogServer(options: WorkerLogServerOptions): Promise<WorkerLogServer> {
  const { log, baseFolder } = options;
  const tokens = new LogTokens(options.secretKey, { now: options.now });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (!url.pathname.startsWith(ROUTE)) return sendError(res, 404, `no such path: ${url.pathname}`);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return sendError(res, 405, `${req.method} is not allowed; use GET`);
    }
    const relativePath = relativePathOf(url.pathname);
    const token = bearerToken(req);
    if (!token) return sendError(res, 403, 'a log token is needed (Authorization: Bearer <token>)');
    // the token first: without one, nothing about the folder is told
    tokens.verify(token, relativePath);
    const query = querySchema.safeParse(Object.fromEntries(url.searchParams));
    if (!query.success) {
      return sendError(
        res,
        400,
        `offset and max_bytes must be whole numbers (max_bytes at most ${MAX_SERVED_BYTES})`,
      );
    }
    const chunk = await readLogFile(baseFolder, relativePath, query.data.offset, query.data.max_bytes);
    if (!chunk) return sendError(res, 404, `no log ${relativePath} on this worker`);
    res.writeHead(200, {
      'content-type': 'application/octet-stream',
      'content-length': chunk.data.length,
      'cache-control': 'no-store',
      [LOG_SIZE_HEADER]: chunk.size,
    });
    res.end(req.method === 'HEAD' ? undefined : chunk.data);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (error instanceof GaleError && STATUS[error.code]) {
        log.warn({ url: req.url?.split('?')[0], code: error.code }, `log request refused: ${error.message}`);
        return sendError(res, STATUS[error.code] ?? 400, error.message);
      }
      log.error({ err: error, url: req.url }, 'log server request failed');
      if (!res.headersSent) sendError(res, 500, 'internal error; see the worker log');
      else res.destroy();
    });
  });
  // Idle connections outlive the clients' (undici keeps them 4 s, Prometheus longer): a server
  // that closed first could race a request just sent on it ("other side closed").
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  await new Promise<void>((resolve, reject) => {
    const where = hostUrl(options.host, options.port);
    const onError = (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') {
        reject(
          new GaleError('GALE_ERR_PORT_IN_USE', `Cannot serve task logs on ${where}: the port is in use`, {
            hint: 'Set logging.worker_log_server_port (GALE__LOGGING__WORKER_LOG_SERVER_PORT) to a free port, or 0 to pick one; each worker on a machine needs its own.',
            cause: error,
          }),
        );
      } else if (error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND' || error.code === 'EACCES') {
        reject(
          new GaleError('GALE_ERR_CONFIG_INVALID', `Cannot serve task logs on ${where}: ${error.code}`, {
            hint: 'Set logging.worker_log_server_host to an address of this machine (or 0.0.0.0), and logging.worker_log_server_port to a port above 1023 or 0.',
            cause: error,
          }),
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
  server.on('error', (error) => log.error({ err: error }, 'log server failed'));
  const port = (server.address() as AddressInfo).port;
  let closed: Promise<void> | null = null;
  return {
    url: hostUrl(advertisedHost(options.host), port),
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
