/**
 * The shared poll cache: the UI polls a few list routes every couple of seconds, and without this
 * every open tab would cost the database its own queries. A GET of a polled route is answered from
 * the response another tab of the same user got less than `api.poll_cache_ttl` ago, and requests
 * that arrive while the same one is being answered wait for it instead of querying again: one
 * query per interval per distinct URL and user, however many tabs poll it.
 * It must never serve one user's answer to another (the key holds the username: what a user may
 * see can depend on who they are), never cache errors, and never outlive a change: any
 * state-changing call empties it, so a user sees their own change on the next poll.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** The routes the UI polls (Fastify's route patterns). Logs are not here: they are followed. */
export const POLLED_ROUTES: ReadonlySet<string> = new Set([
  '/api/v2/dags',
  '/api/v2/dags/:dag_id/details',
  '/api/v2/dags/:dag_id/tasks',
  '/api/v2/dags/:dag_id/dagRuns',
  '/api/v2/dags/:dag_id/dagRuns/:dag_run_id/taskInstances',
  '/api/v2/dags/:dag_id/dagRuns/:dag_run_id/taskInstances/:task_id/tries',
  '/api/v2/importErrors',
  '/api/v2/monitor/health',
]);

interface Entry {
  at: number;
  body: string;
  contentType: string;
}

/** What one poll cache holds; the clock is passed in so its expiry is testable. */
export class PollCache {
  readonly #ttlMs: number;
  readonly #maxEntries: number;
  readonly #now: () => number;
  readonly #entries = new Map<string, Entry>();
  readonly #inFlight = new Map<string, Promise<Entry | null>>();
  #generation = 0;

  constructor(ttlMs: number, options: { maxEntries?: number; now?: () => number } = {}) {
    this.#ttlMs = ttlMs;
    this.#maxEntries = options.maxEntries ?? 1000;
    this.#now = options.now ?? Date.now;
  }

  get isEnabled(): boolean {
    return this.#ttlMs > 0;
  }

  /** A fresh answer for `key`, or null. */
  fresh(key: string): Entry | null {
    const entry = this.#entries.get(key);
    if (!entry) return null;
    if (this.#now() - entry.at >= this.#ttlMs) {
      this.#entries.delete(key);
      return null;
    }
    return entry;
  }

  /** The answer being computed for `key` (null when it ends without one), if any. */
  pending(key: string): Promise<Entry | null> | undefined {
    return this.#inFlight.get(key);
  }

  /**
   * Marks `key` as being answered; call the returned function with the body once known (or
   * null when there is none to share). A clear() in between drops it: it may predate the change.
   */
  begin(key: string): (body: string | null, contentType: string) => void {
    let settle: (entry: Entry | null) => void = () => {};
    this.#inFlight.set(
      key,
      new Promise<Entry | null>((resolve) => {
        settle = resolve;
      }),
    );
    const generation = this.#generation;
    return (body, contentType) => {
      const entry = body === null ? null : { at: this.#now(), body, contentType };
      if (entry && generation === this.#generation) this.#store(key, entry);
      this.#inFlight.delete(key);
      settle(generation === this.#generation ? entry : null);
    };
  }

  clear(): void {
    this.#generation += 1;
    this.#entries.clear();
  }

  get size(): number {
    return this.#entries.size;
  }

  #store(key: string, entry: Entry): void {
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    while (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next().value;
      if (oldest === undefined) break;
      this.#entries.delete(oldest);
    }
  }
}

declare module 'fastify' {
  interface FastifyRequest {
    pollCacheDone?: (body: string | null, contentType: string) => void;
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function keyOf(request: FastifyRequest): string | null {
  if (request.method !== 'GET' || !request.caller) return null;
  if (!POLLED_ROUTES.has(request.routeOptions.url ?? '')) return null;
  return `${request.caller.username}\n${request.url}`;
}

function sendCached(reply: FastifyReply, entry: { body: string; contentType: string }): FastifyReply {
  return reply.header('content-type', entry.contentType).header('x-gale-cache', 'hit').send(entry.body);
}

/** Registers the cache's hooks; call after the auth hook, so the caller is known. */
export function registerPollCache(app: FastifyInstance, cache: PollCache): void {
  if (!cache.isEnabled) return;
  app.addHook('preHandler', async (request, reply) => {
    const key = keyOf(request);
    if (key === null) return;
    const fresh = cache.fresh(key);
    if (fresh) return sendCached(reply, fresh);
    // no await unless one is in flight: a poll arriving meanwhile must find this one begun
    const pending = cache.pending(key);
    const answered = pending ? await pending : null;
    if (answered) return sendCached(reply, answered);
    request.pollCacheDone = cache.begin(key);
    reply.header('x-gale-cache', 'miss');
  });
  app.addHook('onSend', async (request, reply, payload) => {
    const done = request.pollCacheDone;
    if (!done) return payload;
    request.pollCacheDone = undefined;
    const isShareable = reply.statusCode === 200 && typeof payload === 'string';
    done(isShareable ? payload : null, String(reply.getHeader('content-type') ?? 'application/json'));
    return payload;
  });
  // a handler that threw never reaches onSend with our payload: let the waiters go
  app.addHook('onResponse', async (request) => {
    request.pollCacheDone?.(null, '');
    // a user's change (not a task's heartbeat through /execution): the TTL bounds the rest
    if (!SAFE_METHODS.has(request.method) && request.url.startsWith('/api/')) cache.clear();
  });
}
