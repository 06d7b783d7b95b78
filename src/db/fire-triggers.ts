/**
 * Recording fired triggers in bulk: many triggers that fired at about the same moment send their
 * deferred task instances back to scheduled (the event added to their next_kwargs, the same try
 * resumes) and are deleted, in one transaction, with a few statements per chunk of rows instead
 * of a transaction per trigger. The guards are those of one trigger fired alone: only a task
 * instance still deferred on that very trigger resumes, so one cleared, failed elsewhere or
 * deferred again meanwhile is never resurrected, and a trigger fired by two triggerers resumes its
 * tries once. Dialect-neutral (SQLite, PostgreSQL); statements stay far under both parameter limits.
 */
import type { Kysely } from '#kysely';
import { parseNextKwargs } from '../models/index.js';
import type { Database } from './schema.js';
import { iso } from './time.js';

/** Rows per statement: an update costs 3 parameters a row (its CASE branch and its IN entry). */
export const ROWS_PER_STATEMENT = 500;

/** `items` in consecutive chunks of at most `size` (none when empty). */
export function chunked<T>(items: readonly T[], size: number): T[][] {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`chunk size must be >= 1, not ${size}`);
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

/** A trigger that fired, and the event it fired with. */
export interface FiredTrigger {
  triggerId: number;
  event: unknown;
}

/**
 * The triggers fired: their deferred task instances go back to scheduled with the event, and the
 * triggers are deleted, all in one transaction (so a triggerer killed meanwhile leaves every row
 * as it was, for the next). Returns how many task instances each trigger resumed (0 when another
 * triggerer fired it first, or its task instances were cleared or ended meanwhile).
 */
export async function fireTriggers(
  db: Kysely<Database>,
  input: { fired: readonly FiredTrigger[]; now: Date },
): Promise<Map<number, number>> {
  const events = new Map(input.fired.map((f) => [f.triggerId, f.event]));
  const resumed = new Map([...events.keys()].map((id) => [id, 0]));
  if (events.size === 0) return resumed;
  const now = iso(input.now);
  await db.transaction().execute(async (tx) => {
    for (const triggerIds of chunked([...events.keys()], ROWS_PER_STATEMENT)) {
      const tis = await tx
        .selectFrom('task_instance')
        .select(['id', 'trigger_id', 'next_kwargs'])
        .where('trigger_id', 'in', triggerIds)
        .where('state', '=', 'deferred')
        .execute();
      const triggerOf = new Map(tis.map((ti) => [ti.id, ti.trigger_id]));
      for (const part of chunked(tis, ROWS_PER_STATEMENT)) {
        const updated = await tx
          .updateTable('task_instance')
          .set((eb) => {
            // each task instance keeps its own kwargs, with its trigger's event added
            const kwargsOf = (ti: (typeof part)[number]) =>
              JSON.stringify({ ...parseNextKwargs(ti.next_kwargs), event: events.get(ti.trigger_id ?? -1) });
            const [first, ...rest] = part as [(typeof part)[number], ...typeof part];
            let kwargs = eb.case().when('id', '=', first.id).then(kwargsOf(first));
            for (const ti of rest) kwargs = kwargs.when('id', '=', ti.id).then(kwargsOf(ti));
            return {
              state: 'scheduled',
              trigger_id: null,
              trigger_timeout: null,
              next_kwargs: kwargs.else(eb.ref('next_kwargs')).end(),
              scheduled_at: now,
              updated_at: now,
            };
          })
          .where(
            'id',
            'in',
            part.map((ti) => ti.id),
          )
          .where('state', '=', 'deferred')
          // deferred again meanwhile (cleared and re-run): its new trigger is not one of these
          .where('trigger_id', 'in', triggerIds)
          .returning('id')
          .execute();
        for (const { id } of updated) {
          const triggerId = triggerOf.get(id);
          if (triggerId != null) resumed.set(triggerId, (resumed.get(triggerId) ?? 0) + 1);
        }
      }
      await tx.deleteFrom('trigger').where('id', 'in', triggerIds).execute();
    }
  });
  return resumed;
}
