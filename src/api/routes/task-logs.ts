/**
 * GET .../taskInstances/{task_id}/logs/{try_number}: the log of one try, in chunks of at most
 * 1 MiB. Each answer carries a continuation token (opaque: a byte offset) that asks for what
 * follows, so a client can follow a running try; it is null once the try has ended and all of its
 * log was read. Logs are read through a LogStore, never straight from the disk: the file on this
 * machine first, else (for a try that ran on a queue worker) from that worker's log server.
 */
import { relative, resolve, sep } from 'node:path';
import type { Kysely } from '#kysely';
import { z } from '#zod';
import {
  type Database,
  requireDagRun,
  requireTaskInstance,
  type TaskInstanceRow,
  workerLogServers,
} from '../../db/index.js';
import { GaleError } from '../../models/index.js';
import { taskLogPath } from '../../scheduler/index.js';
import type { ApiDeps, RouteContext } from '../context.js';
import { completeUtf8Length, FallbackLogStore, LocalLogStore, type LogStore } from '../log-store.js';
import { errorResponses, problemSchema } from '../schemas.js';
import { WorkerLogStore } from '../worker-log-store.js';
import { mapIndexQuery, tiParams } from './task-instances.js';

/** The most one call reads; the continuation token points at the rest. */
export const MAX_LOG_CHUNK_BYTES = 1024 * 1024;

const logSchema = z.object({
  content: z.string(),
  continuation_token: z
    .string()
    .nullable()
    .describe('pass it back to get what follows; null when the try has ended and all was read'),
});

function encodeToken(offset: number): string {
  return Buffer.from(`o:${offset}`).toString('base64url');
}

function decodeToken(token: string): number {
  const match = /^o:(\d{1,15})$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
  if (!match?.[1]) {
    throw new GaleError('GALE_ERR_INVALID_REQUEST', 'continuation_token is not one this server gave', {
      hint: 'Pass back the continuation_token of the previous answer unchanged, or leave it out to read from the start.',
    });
  }
  return Number(match[1]);
}

/** Whether the Accept header ranks text/plain above JSON (`Accept: text/plain` does). */
function prefersText(accept: string | undefined): boolean {
  let best: { type: string; q: number } | null = null;
  for (const part of (accept ?? '').split(',')) {
    const [type = '', ...params] = part.trim().toLowerCase().split(';');
    if (type !== 'text/plain' && type !== 'application/json') continue;
    const weight = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const q = weight ? Number(weight.slice(2)) : 1;
    if (!best || q > best.q) best = { type, q };
  }
  return best?.type === 'text/plain';
}

/** The API's log store: this machine's log folder, then the log servers of queue workers. */
export function defaultLogStore(deps: ApiDeps): LogStore {
  const { db } = deps.gdb;
  return new FallbackLogStore([
    new LocalLogStore(deps.config.config.logging.base_log_folder),
    new WorkerLogStore({
      secretKey: deps.secretKey,
      logServersOn: (hostname) => workerLogServers(db, hostname),
    }),
  ]);
}

/** Where try `tryNumber` ran: its history row if it has one, else the task instance (its latest try). */
async function tryHost(
  db: Kysely<Database>,
  ti: TaskInstanceRow,
  tryNumber: number,
): Promise<{ hostname: string | null; executor: string | null }> {
  const ended = await db
    .selectFrom('task_instance_history')
    .select(['hostname', 'executor'])
    .where('ti_id', '=', ti.id)
    .where('try_number', '=', tryNumber)
    .orderBy('id', 'desc')
    .executeTakeFirst();
  if (ended) return ended;
  return tryNumber === ti.try_number
    ? { hostname: ti.hostname, executor: ti.executor }
    : { hostname: null, executor: null };
}

export function registerTaskLogRoutes(
  { app, deps }: RouteContext,
  store: LogStore = defaultLogStore(deps),
): void {
  const { db } = deps.gdb;
  const baseFolder = resolve(deps.config.config.logging.base_log_folder);

  app.get(
    '/api/v2/dags/:dag_id/dagRuns/:dag_run_id/taskInstances/:task_id/logs/:try_number',
    {
      schema: {
        summary:
          'The log of a try: JSON {content, continuation_token}, or the raw text with "Accept: text/plain" (the token then in the Continuation-Token header)',
        tags: ['TaskInstance'],
        params: tiParams.extend({ try_number: z.coerce.number().int().min(1) }),
        querystring: z.object({
          map_index: mapIndexQuery,
          continuation_token: z.string().max(100).optional().describe('from the previous answer'),
          full_content: z
            .enum(['true', 'false'])
            .default('false')
            .transform((v) => v === 'true')
            .describe('read from the start, ignoring continuation_token'),
        }),
        response: {
          200: {
            description: 'the log, or the part of it after the continuation token',
            content: {
              'application/json': { schema: logSchema },
              'text/plain': { schema: z.string() },
            },
          },
          ...errorResponses,
          502: problemSchema.describe(
            'GALE_ERR_LOG_UNAVAILABLE: the try ran on a queue worker whose log server could not be read ("Could not read served logs ...": unreachable, or it refused the token)',
          ),
        },
      },
    },
    async (request, reply) => {
      const { dag_id, dag_run_id, task_id, try_number } = request.params;
      const q = request.query;
      await requireDagRun(db, dag_id, dag_run_id);
      const ti = await requireTaskInstance(db, {
        dagId: dag_id,
        runId: dag_run_id,
        taskId: task_id,
        mapIndex: q.map_index,
      });
      if (try_number > ti.try_number) {
        throw new GaleError(
          'GALE_ERR_NOT_FOUND',
          `Task "${task_id}" of run "${dag_run_id}" has no try ${try_number} (it has had ${ti.try_number})`,
          { hint: 'GET .../tries lists its tries.' },
        );
      }
      const path = taskLogPath(baseFolder, {
        dagId: dag_id,
        runId: dag_run_id,
        taskId: task_id,
        mapIndex: q.map_index,
        tryNumber: try_number,
      });
      // ids come from the database, but a run id may hold "../": never read outside the log folder
      if (!resolve(path).startsWith(baseFolder + sep)) {
        throw new GaleError('GALE_ERR_INVALID_REQUEST', 'This task instance has no readable log path', {
          hint: 'Its DAG, run or task id leads outside logging.base_log_folder.',
        });
      }
      const offset = q.full_content || !q.continuation_token ? 0 : decodeToken(q.continuation_token);
      const host = await tryHost(db, ti, try_number);
      const location = {
        relativePath: relative(baseFolder, path).split(sep).join('/'),
        hostname: host.hostname,
        // the queue executor's tries run on `gale worker` machines, whose log servers have their logs
        isOnWorker: host.executor === 'queue',
      };
      const chunk = await store.read(location, offset, MAX_LOG_CHUNK_BYTES);
      if (!chunk) {
        throw new GaleError(
          'GALE_ERR_NOT_FOUND',
          `Try ${try_number} of task "${task_id}" (run "${dag_run_id}") has no log yet`,
          { hint: 'A try writes its log once a worker has started it; ask again in a moment.' },
        );
      }
      const isRunning = ti.try_number === try_number && (ti.state === 'queued' || ti.state === 'running');
      const readsAll = offset + chunk.data.length >= chunk.size;
      // a chunk may end inside a character (the byte limit, or a writer mid-line): those bytes come next time
      const used = readsAll && !isRunning ? chunk.data.length : completeUtf8Length(chunk.data);
      const next = Math.min(offset, chunk.size) + used;
      const token = isRunning || next < chunk.size ? encodeToken(next) : null;
      const content = chunk.data.subarray(0, used).toString('utf8');
      if (prefersText(request.headers.accept)) {
        if (token) reply.header('continuation-token', token);
        return reply.type('text/plain; charset=utf-8').send(content);
      }
      return { content, continuation_token: token };
    },
  );
}
