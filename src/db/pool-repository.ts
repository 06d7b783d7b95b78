/** Pools: named sets of slots that bound how many tries of the tasks in them run at once. */
import type { Kysely } from 'kysely';
import { GaleError } from '../models/index.js';
import type { Database, PoolRow } from './schema.js';

export async function listPools(db: Kysely<Database>): Promise<(PoolRow & { occupied: number })[]> {
  const pools = await db.selectFrom('slot_pool').selectAll().orderBy('pool').execute();
  const used = await occupiedSlots(db);
  return pools.map((p) => ({ ...p, occupied: used.get(p.pool) ?? 0 }));
}

/** Slots taken per pool by queued and running tries. */
export async function occupiedSlots(db: Kysely<Database>): Promise<Map<string, number>> {
  const rows = await db
    .selectFrom('task_instance')
    .select(['pool', (eb) => eb.fn.sum<number>('pool_slots').as('slots')])
    .where('state', 'in', ['queued', 'running'])
    .groupBy('pool')
    .execute();
  return new Map(rows.map((r) => [r.pool, Number(r.slots)]));
}

export async function setPool(
  db: Kysely<Database>,
  input: { pool: string; slots: number; description: string },
): Promise<void> {
  if (!/^[A-Za-z0-9_.-]{1,256}$/.test(input.pool)) {
    throw new GaleError('GALE_ERR_USAGE', `"${input.pool}" is not a valid pool name`, {
      hint: 'Use letters, digits, "_", "-" or ".".',
    });
  }
  if (!Number.isInteger(input.slots) || input.slots < 0) {
    throw new GaleError('GALE_ERR_USAGE', `Pool slots must be an integer >= 0, got ${input.slots}`);
  }
  await db
    .insertInto('slot_pool')
    .values({ pool: input.pool, slots: input.slots, description: input.description, include_deferred: 0 })
    .onConflict((oc) => oc.column('pool').doUpdateSet({ slots: input.slots, description: input.description }))
    .execute();
}

export async function deletePool(db: Kysely<Database>, pool: string): Promise<void> {
  if (pool === 'default_pool') {
    throw new GaleError('GALE_ERR_POOL_IN_USE', 'default_pool cannot be deleted', {
      hint: 'Set its slots instead: gale pools set default_pool <slots>.',
    });
  }
  const result = await db.deleteFrom('slot_pool').where('pool', '=', pool).executeTakeFirst();
  if (Number(result.numDeletedRows) === 0) {
    throw new GaleError('GALE_ERR_USAGE', `No pool named "${pool}"`, { hint: 'Run "gale pools list".' });
  }
}

export async function poolNames(db: Kysely<Database>): Promise<Set<string>> {
  const rows = await db.selectFrom('slot_pool').select('pool').execute();
  return new Set(rows.map((r) => r.pool));
}
