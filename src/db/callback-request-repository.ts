/**
 * Callback requests (migrations/0013): the scheduler records one when a DAG run ends or misses its
 * deadline, in the transaction that decides it; a DAG processor claims and runs them. A request
 * is recorded at most once per run and kind, and claimed by one processor at a time; one whose
 * processor died is claimed again, up to MAX_CALLBACK_ATTEMPTS.
 */
import type { Kysely } from '#kysely';
import { inTransaction, isPostgres } from './dialect.js';
import { liveJobIds } from './job-repository.js';
import type { CallbackRequestRow, Database } from './schema.js';
import { iso } from './time.js';

export type CallbackKind = 'on_success' | 'on_failure' | 'deadline';

/** How many times a request is claimed before it is given up on (its processor kept dying). */
export const MAX_CALLBACK_ATTEMPTS = 3;

export interface NewCallbackRequest {
  kind: CallbackKind;
  dagId: string;
  runId: string;
  fileloc: string;
  reason: string | null;
  now: Date;
}

/** Records a request unless one of this kind exists for the run already. */
export async function requestCallback(db: Kysely<Database>, request: NewCallbackRequest): Promise<void> {
  await db
    .insertInto('callback_request')
    .values({
      kind: request.kind,
      dag_id: request.dagId,
      run_id: request.runId,
      fileloc: request.fileloc,
      reason: request.reason,
      state: 'pending',
      created_at: iso(request.now),
    })
    .onConflict((oc) => oc.columns(['dag_id', 'run_id', 'kind']).doNothing())
    .execute();
}

/**
 * Claims up to `limit` requests for processor `processorId`: pending ones, and running ones whose
 * processor no longer heartbeats (since `liveSince`). Those claimed too often fail instead.
 */
export async function claimCallbackRequests(
  db: Kysely<Database>,
  processorId: number,
  options: { now: Date; liveSince: Date; limit: number },
): Promise<CallbackRequestRow[]> {
  const live = await liveJobIds(db, 'dag_processor', options.liveSince);
  return inTransaction(db, async (tx) => {
    let query = tx
      .selectFrom('callback_request')
      .selectAll()
      .where((eb) =>
        eb.or([
          eb('state', '=', 'pending'),
          eb.and([
            eb('state', '=', 'running'),
            eb.or([eb('processor_id', 'is', null), eb('processor_id', 'not in', [...live, processorId])]),
          ]),
        ]),
      )
      .orderBy('id')
      .limit(options.limit);
    if (isPostgres(tx)) query = query.forUpdate().skipLocked();
    const rows = await query.execute();
    const claimed: CallbackRequestRow[] = [];
    for (const row of rows) {
      if (row.attempts >= MAX_CALLBACK_ATTEMPTS) {
        await tx
          .updateTable('callback_request')
          .set({
            state: 'failed',
            finished_at: iso(options.now),
            error: `given up after ${row.attempts} attempts: the DAG processors running it stopped`,
          })
          .where('id', '=', row.id)
          .execute();
        continue;
      }
      await tx
        .updateTable('callback_request')
        .set({
          state: 'running',
          processor_id: processorId,
          claimed_at: iso(options.now),
          attempts: row.attempts + 1,
        })
        .where('id', '=', row.id)
        .execute();
      claimed.push({ ...row, state: 'running', processor_id: processorId, attempts: row.attempts + 1 });
    }
    return claimed;
  });
}

/** Records how a claimed request ended. */
export async function finishCallbackRequest(
  db: Kysely<Database>,
  id: number,
  outcome: { error: string | null; now: Date },
): Promise<void> {
  await db
    .updateTable('callback_request')
    .set({
      state: outcome.error === null ? 'success' : 'failed',
      error: outcome.error,
      finished_at: iso(outcome.now),
    })
    .where('id', '=', id)
    .execute();
}

/** The requests of a DAG's runs, newest first (for `gale dags callbacks` and tests). */
export async function listCallbackRequests(
  db: Kysely<Database>,
  dagId: string,
  limit = 100,
): Promise<CallbackRequestRow[]> {
  return db
    .selectFrom('callback_request')
    .selectAll()
    .where('dag_id', '=', dagId)
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
}
