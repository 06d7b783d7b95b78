/** Pools: named sets of slots that bound how many tries of the tasks in them run at once. */
import type { Kysely } from '#kysely';
import { GaleError } from '../models/index.js';
import type { Database, PoolRow } from './schema.js';

export async function listPools(db: Kysely<Database>): Promise<(PoolRow & { occupied: number })[]> {
  const pools = await db.selectFrom('slot_pool').selectAll().orderBy('pool').execute();
  const used = await occupiedSlots(db);
  return pools.map((p) => ({ ...p, occupied: used.get(p.pool) ?? 0 }));
}

/** Slots taken per pool by queued and running tries, and by deferred ones where the pool counts them. */
export async function occupiedSlots(db: Kysely<Database>): Promise<Map<string, number>> {
  const rows = await db
    .selectFrom('task_instance')
    .select(['pool', (eb) => eb.fn.sum<number>('pool_slots').as('slots')])
    .where('state', 'in', ['queued', 'running'])
    .groupBy('pool')
    .execute();
  const used = new Map(rows.map((r) => [r.pool, Number(r.slots)]));
  for (const [pool, slots] of await deferredPoolSlots(db)) used.set(pool, (used.get(pool) ?? 0) + slots);
  return used;
}

/**
 * Slots held by deferred tries in the pools that count them (include_deferred), as Airflow's
 * Pool.occupied_slots: by default a deferred try holds no slot of its pool.
 */
export async function deferredPoolSlots(db: Kysely<Database>): Promise<Map<string, number>> {
  const rows = await db
    .selectFrom('task_instance as ti')
    .innerJoin('slot_pool as p', 'p.pool', 'ti.pool')
    .select(['ti.pool', (eb) => eb.fn.sum<number>('ti.pool_slots').as('slots')])
    .where('ti.state', '=', 'deferred')
    .where('p.include_deferred', '=', 1)
    .groupBy('ti.pool')
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
