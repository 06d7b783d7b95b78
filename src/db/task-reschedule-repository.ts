/**
 * A reschedule-mode sensor's try ends its run until its next poke (as Airflow's
 * AirflowRescheduleException): running -> up_for_reschedule, with next_retry_at = the reschedule
 * date, and next_method "execute" so the scheduler queues the same try again (same try number,
 * same start date) and its process gets back the sensor's progress in next_kwargs. No trigger is
 * stored: the scheduler wakes it, not a triggerer. Reached through deferTry (the task process
 * sends a deferral on RESCHEDULE_CLASSPATH), so both channels, direct and HTTP, carry it.
 */
import type { Kysely } from '#kysely';
import { type Deferral, GaleError, RESCHEDULE_EXECUTE, rescheduleKwargs } from '../models/index.js';
import { inTransaction } from './dialect.js';
import type { Database } from './schema.js';
import type { TryKey } from './task-instance-repository.js';
import { iso } from './time.js';

/** False when the try is no longer this running one (ended elsewhere, re-queued with another token). */
export async function rescheduleTry(
  db: Kysely<Database>,
  input: TryKey & { deferral: Deferral; now: Date; token?: string },
): Promise<boolean> {
  const parsed = rescheduleKwargs.safeParse(input.deferral.trigger.kwargs);
  if (!parsed.success) {
    throw new GaleError('GALE_ERR_TRIGGER_INVALID', 'A reschedule needs a reschedule_date (ISO 8601)', {
      hint: 'Reschedule through the sensor() of gale/sdk rather than by hand.',
      cause: parsed.error,
    });
  }
  return inTransaction(db, async (tx) => {
    const ti = await tx
      .selectFrom('task_instance')
      .select(['start_date'])
      .where('id', '=', input.tiId)
      .executeTakeFirst();
    if (!ti) return false;
    const duration = ti.start_date ? (input.now.getTime() - Date.parse(ti.start_date)) / 1000 : null;
    let update = tx
      .updateTable('task_instance')
      .set({
        state: 'up_for_reschedule',
        next_retry_at: iso(new Date(parsed.data.reschedule_date)),
        next_method: RESCHEDULE_EXECUTE,
        next_kwargs: JSON.stringify(input.deferral.kwargs),
        trigger_id: null,
        trigger_timeout: null,
        end_date: iso(input.now),
        duration,
        updated_at: iso(input.now),
      })
      .where('id', '=', input.tiId)
      .where('try_number', '=', input.tryNumber)
      .where('state', '=', 'running');
    if (input.token !== undefined) update = update.where('external_executor_id', '=', input.token);
    const result = await update.executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  });
}
