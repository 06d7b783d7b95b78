/**
 * `gale dags test` runs a DAG in one process and treats retries as due at once; a reschedule-mode
 * sensor's next poke must still wait for its reschedule date, or it would poke in a tight loop.
 * Of the scheduled task instances, those that are reschedules not yet due wait: the others run
 * first, and when only those are left this waits until the earliest is due.
 */
import { setTimeout as sleep } from 'node:timers/promises';

interface ScheduledTi {
  next_method: string | null;
  next_retry_at: string | null;
}

function notDueAt(ti: ScheduledTi, now: Date): number | null {
  if (ti.next_method === null || ti.next_retry_at === null) return null;
  const at = Date.parse(ti.next_retry_at);
  return at > now.getTime() ? at : null;
}

/** The scheduled task instances to run now, having waited for a reschedule when nothing else is ready. */
export async function runnableAfterReschedules<T extends ScheduledTi>(
  tis: T[],
  now = new Date(),
): Promise<T[]> {
  const runnable = tis.filter((ti) => notDueAt(ti, now) === null);
  if (runnable.length > 0 || tis.length === 0) return runnable;
  const earliest = Math.min(...tis.map((ti) => notDueAt(ti, now) ?? now.getTime()));
  await sleep(Math.max(0, earliest - now.getTime()));
  return tis;
}
