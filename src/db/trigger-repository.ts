/**
 * Triggers and the deferred task instances that wait for them, as Airflow's trigger table: a try
 * defers (its trigger is stored and the task instance moves running -> deferred in one
 * transaction), a triggerer claims triggers up to its capacity, and fired triggers move their task
 * instances deferred -> scheduled with the event (fire-triggers.ts, a batch per transaction). Every change is a guarded
 * UPDATE, so two triggerers that both think they own a trigger cannot resume a try twice.
 */
import { type Kysely, sql } from '#kysely';
import {
  type Deferral,
  deferralDeadline,
  isBuiltInTrigger,
  RESCHEDULE_CLASSPATH,
  TRIGGER_CLASSPATHS,
  tiStatesAllowedBefore,
} from '../models/index.js';
import { inTransaction, isPostgres } from './dialect.js';
import { chunked, ROWS_PER_STATEMENT } from './fire-triggers.js';
import { recordHitlRequest } from './hitl-repository.js';
import type { Database, TaskInstanceRow, TriggerRow } from './schema.js';
import type { TryKey } from './task-instance-repository.js';
import { rescheduleTry } from './task-reschedule-repository.js';
import { iso } from './time.js';

/**
 * The running try defers: its trigger is stored and the task instance becomes deferred, holding
 * the method and kwargs it resumes with, and its timeout: the deferral's own, capped by the task's
 * executionTimeout from the start of the try (kept across resumes), as Airflow's. False (and nothing stored) when the try is no longer this
 * running one (ended elsewhere, re-queued with another token).
 */
export async function deferTry(
  db: Kysely<Database>,
  input: TryKey & { deferral: Deferral; now: Date; token?: string },
): Promise<boolean> {
  const { deferral } = input;
  // a reschedule-mode sensor: no trigger, the scheduler wakes it (task-reschedule-repository.ts)
  if (deferral.trigger.classpath === RESCHEDULE_CLASSPATH) return rescheduleTry(db, input);
  return inTransaction(db, async (tx) => {
    const ti = await tx
      .selectFrom('task_instance')
      .leftJoin('dag', 'dag.dag_id', 'task_instance.dag_id')
      .select(['task_instance.start_date', 'dag.fileloc'])
      .where('task_instance.id', '=', input.tiId)
      .executeTakeFirst();
    if (!ti) return false;
    const timeout = deferralDeadline({
      now: input.now,
      timeoutMs: deferral.timeoutMs,
      tryStartedAt: ti.start_date ? new Date(ti.start_date) : input.now,
      executionTimeoutMs: deferral.executionTimeoutMs,
    });
    const trigger = await tx
      .insertInto('trigger')
      .values({
        classpath: deferral.trigger.classpath,
        kwargs: JSON.stringify(deferral.trigger.kwargs),
        created_date: iso(input.now),
        triggerer_id: null,
        // a user-written trigger: the triggerer imports the DAG file, which defines it
        fileloc: isBuiltInTrigger(deferral.trigger.classpath) ? null : (ti.fileloc ?? null),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    let update = tx
      .updateTable('task_instance')
      .set({
        state: 'deferred',
        trigger_id: trigger.id,
        next_method: deferral.method,
        next_kwargs: JSON.stringify(deferral.kwargs),
        trigger_timeout: timeout ? iso(timeout) : null,
        updated_at: iso(input.now),
      })
      .where('id', '=', input.tiId)
      .where('try_number', '=', input.tryNumber)
      .where('state', 'in', tiStatesAllowedBefore('deferred'));
    if (input.token !== undefined) update = update.where('external_executor_id', '=', input.token);
    const result = await update.executeTakeFirst();
    if (Number(result.numUpdatedRows) === 1) {
      // a human-in-the-loop task asks when it defers, as Airflow's upsert_hitl_detail
      if (deferral.trigger.classpath === TRIGGER_CLASSPATHS.hitl)
        await recordHitlRequest(tx, input, deferral);
      return true;
    }
    await tx.deleteFrom('trigger').where('id', '=', trigger.id).execute();
    return false;
  });
}

/**
 * Claims triggers that no live triggerer runs (none yet, or their triggerer stopped heartbeating),
 * oldest first, until the triggerer holds `capacity`; only triggers a deferred task instance waits
 * for. Several triggerers claim at once without taking the same trigger (SKIP LOCKED on
 * PostgreSQL; SQLite serializes writers). Returns how many it claimed.
 */
export async function claimTriggers(
  db: Kysely<Database>,
  input: { triggererId: number; capacity: number; liveTriggererIds: readonly number[] },
): Promise<number> {
  const live = [...new Set([input.triggererId, ...input.liveTriggererIds])];
  return db.transaction().execute(async (tx) => {
    const held = await tx
      .selectFrom('trigger')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('triggerer_id', '=', input.triggererId)
      .executeTakeFirst();
    const room = input.capacity - Number(held?.n ?? 0);
    if (room <= 0) return 0;
    let query = tx
      .selectFrom('trigger')
      .select('id')
      .where((eb) => eb.or([eb('triggerer_id', 'is', null), eb('triggerer_id', 'not in', live)]))
      .where('id', 'in', (eb) =>
        eb
          .selectFrom('task_instance')
          .select('trigger_id')
          .where('state', '=', 'deferred')
          .where('trigger_id', 'is not', null)
          .$narrowType<{ trigger_id: number }>(),
      )
      .orderBy('created_date')
      .orderBy('id')
      .limit(room);
    if (isPostgres(tx)) query = query.forUpdate().skipLocked();
    const ids = (await query.execute()).map((r) => r.id);
    if (ids.length === 0) return 0;
    const result = await tx
      .updateTable('trigger')
      .set({ triggerer_id: input.triggererId })
      .where('id', 'in', ids)
      .where((eb) => eb.or([eb('triggerer_id', 'is', null), eb('triggerer_id', 'not in', live)]))
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  });
}

/** The triggers a triggerer runs. */
export async function listTriggersOf(db: Kysely<Database>, triggererId: number): Promise<TriggerRow[]> {
  return db.selectFrom('trigger').selectAll().where('triggerer_id', '=', triggererId).orderBy('id').execute();
}

/** The task instances deferred on a trigger. */
export async function deferredTisOf(db: Kysely<Database>, triggerId: number): Promise<TaskInstanceRow[]> {
  return db
    .selectFrom('task_instance')
    .selectAll()
    .where('trigger_id', '=', triggerId)
    .where('state', '=', 'deferred')
    .execute();
}

/** Deferred task instances whose deferral timeout has passed. */
export async function findTimedOutDeferrals(db: Kysely<Database>, now: Date): Promise<TaskInstanceRow[]> {
  return db
    .selectFrom('task_instance')
    .selectAll()
    .where('state', '=', 'deferred')
    .where('trigger_timeout', '<', iso(now))
    .execute();
}

/**
 * As Airflow's Trigger.clean_unused: task instances no longer deferred let go of their trigger,
 * and triggers that no deferred task instance waits for are deleted (their triggerer stops them).
 */
export async function cleanUnusedTriggers(db: Kysely<Database>): Promise<number> {
  await db
    .updateTable('task_instance')
    .set({ trigger_id: null })
    .where('trigger_id', 'is not', null)
    .where('state', '!=', 'deferred')
    .execute();
  const result = await db
    .deleteFrom('trigger')
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('task_instance')
            .select(sql.lit(1).as('one'))
            .whereRef('task_instance.trigger_id', '=', 'trigger.id')
            .where('task_instance.state', '=', 'deferred'),
        ),
      ),
    )
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** Which of `ids` are still triggers (the others were deleted: fired, or no try waits for them). */
export async function existingTriggerIds(db: Kysely<Database>, ids: number[]): Promise<Set<number>> {
  const found = new Set<number>();
  for (const part of chunked(ids, ROWS_PER_STATEMENT)) {
    const rows = await db.selectFrom('trigger').select('id').where('id', 'in', part).execute();
    for (const r of rows) found.add(r.id);
  }
  return found;
}
