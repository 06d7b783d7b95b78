/**
 * Logs of tries that ran on queue workers, read from the log server of the worker (`gale worker`
 * serves its log folder; task-logs/worker-log-server.ts), as Airflow's webserver reads "served
 * logs" from its Celery workers. Each read signs a fresh token naming the one log it asks for.
 * A worker that cannot be read gives GALE_ERR_LOG_UNAVAILABLE with what went wrong, never a 500.
 */
import { z } from '#zod';
import { GaleError } from '../models/index.js';
import {
  LOG_SIZE_HEADER,
  type LogChunk,
  LogTokens,
  logPathSegments,
  servedLogUrl,
} from '../task-logs/index.js';
import type { LogLocation, LogStore } from './log-store.js';

export interface WorkerLogStoreOptions {
  /** api.secret_key: the log tokens' key is derived from it, as the workers derive theirs */
  secretKey: string;
  /** the log server URLs of the workers on a host, the most likely first (worker table) */
  logServersOn(hostname: string): Promise<string[]>;
  /** how long a worker may take to answer; default 10 s */
  timeoutMs?: number;
}

const sizeSchema = z.coerce.number().int().min(0);

/** Why a request failed, in a few words: "connect ECONNREFUSED 10.0.0.5:8793", "no answer within 10 s". */
function failureReason(error: unknown, timeoutMs: number): string {
  if (error instanceof DOMException && error.name === 'TimeoutError') {
    return `no answer within ${timeoutMs / 1000} s`;
  }
  const cause = error instanceof Error ? error.cause : undefined;
  if (cause instanceof Error) return cause.message;
  return error instanceof Error ? error.message : String(error);
}

const refusalSchema = z.object({ error: z.string() });

/** "HTTP 403: The log token is not valid: ...", from a log server's error answer. */
async function refusal(res: Response): Promise<string> {
  const body = refusalSchema.safeParse(await res.json().catch(() => null));
  return `HTTP ${res.status}${body.success ? `: ${body.data.error}` : ''}`;
}

export class WorkerLogStore implements LogStore {
  readonly #options: WorkerLogStoreOptions;
  readonly #tokens: LogTokens;
  readonly #timeoutMs: number;

  constructor(options: WorkerLogStoreOptions) {
    this.#options = options;
    this.#tokens = new LogTokens(options.secretKey);
    this.#timeoutMs = options.timeoutMs ?? 10_000;
  }

  async read(location: LogLocation, offset: number, maxBytes: number): Promise<LogChunk | null> {
    const { hostname, relativePath } = location;
    logPathSegments(relativePath); // a path that could leave the log folder is never sent
    if (!location.isOnWorker || !hostname) return null;
    const servers = await this.#options.logServersOn(hostname);
    if (servers.length === 0) {
      throw new GaleError(
        'GALE_ERR_LOG_UNAVAILABLE',
        `Could not read served logs: no running worker on host "${hostname}", where the try ran, serves its logs`,
        {
          hint: `The log is in logging.base_log_folder on ${hostname}; start a worker there to read it here (gale workers list shows the running ones)`,
        },
      );
    }
    const failures: string[] = [];
    let isAnswered = false;
    for (const server of servers) {
      const outcome = await this.#readFrom(server, relativePath, offset, maxBytes);
      if (typeof outcome === 'string') failures.push(`${server}: ${outcome}`);
      else if (outcome === null) isAnswered = true;
      else return outcome;
    }
    // a worker that answered "no such log" is the live one; the others are stale registrations
    if (isAnswered) return null;
    throw new GaleError(
      'GALE_ERR_LOG_UNAVAILABLE',
      `Could not read served logs from the worker on host "${hostname}": ${failures.join('; ')}`,
      {
        hint: 'Check that the worker runs and that this API server can reach its log server (logging.worker_log_server_port must be open from API servers to workers); HTTP 403 means api.secret_key differs between them',
      },
    );
  }

  /** The chunk; null when the worker has no such log; a string saying why the worker could not be read. */
  async #readFrom(
    server: string,
    relativePath: string,
    offset: number,
    maxBytes: number,
  ): Promise<LogChunk | null | string> {
    let res: Response;
    try {
      res = await fetch(servedLogUrl(server, relativePath, offset, maxBytes), {
        headers: { authorization: `Bearer ${this.#tokens.sign(relativePath)}` },
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (error) {
      return failureReason(error, this.#timeoutMs);
    }
    if (res.status === 404) {
      await res.body?.cancel();
      return null;
    }
    if (res.status !== 200) return refusal(res);
    const size = sizeSchema.safeParse(res.headers.get(LOG_SIZE_HEADER));
    let data: Buffer;
    try {
      data = Buffer.from(await res.arrayBuffer());
    } catch (error) {
      return `the answer broke off: ${failureReason(error, this.#timeoutMs)}`;
    }
    if (!size.success || data.length > maxBytes) return `an answer that is not a log chunk`;
    return { data, size: size.data };
  }
}
