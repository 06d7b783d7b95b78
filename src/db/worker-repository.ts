/**
 * Workers of the queue executor: registration (with the address of their log server), heartbeats
 * with their running tries, listing.
 */
import { hostname } from 'node:os';
import type { Kysely } from '#kysely';
import type { Database, WorkerRow } from './schema.js';
import { iso } from './time.js';

export async function registerWorker(
  db: Kysely<Database>,
  input: { queues: string[]; concurrency: number; logServerUrl: string | null; now: Date },
): Promise<number> {
  const row = await db
    .insertInto('worker')
    .values({
      hostname: hostname(),
      pid: process.pid,
      queues: JSON.stringify(input.queues),
      concurrency: input.concurrency,
      running: 0,
      state: 'running',
      start_date: iso(input.now),
      latest_heartbeat: iso(input.now),
      end_date: null,
      log_server_url: input.logServerUrl,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function heartbeatWorker(
  db: Kysely<Database>,
  id: number,
  input: { running: number; now: Date },
): Promise<void> {
  await db
    .updateTable('worker')
    .set({ latest_heartbeat: iso(input.now), running: input.running })
    .where('id', '=', id)
    .execute();
}

export async function stopWorker(db: Kysely<Database>, id: number, now: Date): Promise<void> {
  await db
    .updateTable('worker')
    .set({ state: 'stopped', running: 0, end_date: iso(now) })
    .where('id', '=', id)
    .execute();
}

/** Workers that say they run; with `since`, only those that heartbeated since then. */
export async function listWorkers(
  db: Kysely<Database>,
  options: { since?: Date } = {},
): Promise<WorkerRow[]> {
  let query = db.selectFrom('worker').selectAll().where('state', '=', 'running');
  if (options.since) query = query.where('latest_heartbeat', '>=', iso(options.since));
  return query.orderBy('id').execute();
}

/**
 * The log servers of the workers running on a host (a try's `hostname`), the most recently alive
 * first: any of them can serve that host's log folder. Workers killed without stopping still say
 * they run; their addresses come last and fail when asked.
 */
export async function workerLogServers(db: Kysely<Database>, hostname: string): Promise<string[]> {
  const rows = await db
    .selectFrom('worker')
    .select('log_server_url')
    .where('hostname', '=', hostname)
    .where('state', '=', 'running')
    .where('log_server_url', 'is not', null)
    .orderBy('latest_heartbeat', 'desc')
    .limit(10)
    .execute();
  return [...new Set(rows.map((r) => r.log_server_url).filter((url): url is string => url !== null))];
}
