/**
 * /api/v2/pools: list, get, create, change and delete pools, as Airflow 3's public API, with the
 * slots each pool's task instances take now. Changes need the Op role; default_pool can be
 * changed but not deleted.
 */

import type { Kysely } from '#kysely';
import { z } from '#zod';
import { type Database, deletePool, type PoolRow } from '../../db/index.js';
import { GaleError } from '../../models/index.js';
import type { RouteContext } from '../context.js';
import { containsIgnoringCase } from '../filters.js';
import { problem, sendProblem } from '../problem.js';
import { errorResponses, paginationQuery, parseOrderBy, problemSchema } from '../schemas.js';

const poolSchema = z.object({
  name: z.string(),
  slots: z.number().int(),
  description: z.string().nullable(),
  include_deferred: z.boolean(),
  occupied_slots: z.number().int().describe('queued and running, and deferred when include_deferred'),
  running_slots: z.number().int(),
  queued_slots: z.number().int(),
  scheduled_slots: z.number().int().describe('waiting for a free slot'),
  deferred_slots: z.number().int().describe('held by deferred task instances'),
  open_slots: z.number().int(),
});
type PoolResponse = z.infer<typeof poolSchema>;

const poolName = z
  .string()
  .regex(/^[A-Za-z0-9_.-]{1,256}$/, 'use letters, digits, "_", "-" or "." (at most 256)')
  .describe('the pool name');

/** Slots taken per pool and state (queued, running, scheduled, deferred). */
async function slotsByState(
  db: Kysely<Database>,
  pools: string[],
): Promise<Map<string, Map<string, number>>> {
  const used = new Map<string, Map<string, number>>();
  if (pools.length === 0) return used;
  const rows = await db
    .selectFrom('task_instance')
    .select(['pool', 'state', (eb) => eb.fn.sum<number>('pool_slots').as('slots')])
    .where('state', 'in', ['queued', 'running', 'scheduled', 'deferred'])
    .where('pool', 'in', pools)
    .groupBy(['pool', 'state'])
    .execute();
  for (const r of rows) {
    const byState = used.get(r.pool) ?? new Map<string, number>();
    byState.set(r.state, Number(r.slots));
    used.set(r.pool, byState);
  }
  return used;
}

async function poolResponses(db: Kysely<Database>, rows: PoolRow[]): Promise<PoolResponse[]> {
  const used = await slotsByState(
    db,
    rows.map((r) => r.pool),
  );
  return rows.map((p) => {
    const byState = used.get(p.pool);
    const running = byState?.get('running') ?? 0;
    const queued = byState?.get('queued') ?? 0;
    const deferred = byState?.get('deferred') ?? 0;
    // as Airflow: a deferred try holds a slot only in a pool with include_deferred
    const occupied = running + queued + (p.include_deferred === 1 ? deferred : 0);
    return {
      name: p.pool,
      slots: p.slots,
      description: p.description,
      include_deferred: p.include_deferred === 1,
      occupied_slots: occupied,
      running_slots: running,
      queued_slots: queued,
      scheduled_slots: byState?.get('scheduled') ?? 0,
      deferred_slots: deferred,
      open_slots: Math.max(0, p.slots - occupied),
    };
  });
}

async function requirePool(db: Kysely<Database>, name: string): Promise<PoolRow> {
  const row = await db.selectFrom('slot_pool').selectAll().where('pool', '=', name).executeTakeFirst();
  if (!row) {
    throw new GaleError('GALE_ERR_NOT_FOUND', `No pool named "${name}"`, {
      hint: 'GET /api/v2/pools lists the pools.',
    });
  }
  return row;
}

const ORDER = ['name', 'slots'] as const;
const ORDER_COLUMN = { name: 'pool', slots: 'slots' } as const;
const poolNameParams = z.object({ pool_name: z.string() });

export function registerPoolRoutes({ app, deps }: RouteContext): void {
  const { db } = deps.gdb;

  app.get(
    '/api/v2/pools',
    {
      schema: {
        summary: 'List pools with the slots their task instances take',
        tags: ['Pool'],
        querystring: z.object({
          ...paginationQuery,
          order_by: z
            .string()
            .optional()
            .describe(`one of ${ORDER.join(', ')}; "-" first for descending`),
          pool_name_pattern: z.string().optional().describe('only pools whose name contains this'),
        }),
        response: {
          200: z.object({ pools: z.array(poolSchema), total_entries: z.number().int() }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const q = request.query;
      const order = parseOrderBy(q.order_by, ORDER, 'name');
      let base = db.selectFrom('slot_pool');
      if (q.pool_name_pattern) base = base.where(containsIgnoringCase('pool', q.pool_name_pattern));
      const total = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      const rows = await base
        .selectAll()
        .orderBy(ORDER_COLUMN[order.field], order.direction)
        .orderBy('pool')
        .limit(q.limit)
        .offset(q.offset)
        .execute();
      return { pools: await poolResponses(db, rows), total_entries: Number(total.n) };
    },
  );

  app.get(
    '/api/v2/pools/:pool_name',
    {
      schema: {
        summary: 'Get a pool',
        tags: ['Pool'],
        params: poolNameParams,
        response: { 200: poolSchema, ...errorResponses },
      },
    },
    async (request) => {
      const [pool] = await poolResponses(db, [await requirePool(db, request.params.pool_name)]);
      return pool!;
    },
  );

  app.post(
    '/api/v2/pools',
    {
      config: { role: 'Op' },
      schema: {
        summary: 'Create a pool',
        tags: ['Pool'],
        body: z
          .object({
            name: poolName,
            slots: z.number().int().min(0),
            description: z.string().max(10_000).nullable().default(''),
            include_deferred: z.boolean().default(false),
          })
          .strict(),
        response: { 201: poolSchema, ...errorResponses, 409: problemSchema },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const inserted = await db
        .insertInto('slot_pool')
        .values({
          pool: b.name,
          slots: b.slots,
          description: b.description ?? '',
          include_deferred: b.include_deferred ? 1 : 0,
        })
        .onConflict((oc) => oc.column('pool').doNothing())
        .returningAll()
        .executeTakeFirst();
      if (!inserted) {
        return sendProblem(
          reply,
          problem(
            409,
            `A pool named "${b.name}" already exists. Change it with PATCH /api/v2/pools/${b.name}.`,
            'GALE_ERR_INVALID_REQUEST',
          ),
        );
      }
      const [pool] = await poolResponses(db, [inserted]);
      return reply.status(201).send(pool!);
    },
  );

  app.patch(
    '/api/v2/pools/:pool_name',
    {
      config: { role: 'Op' },
      schema: {
        summary: "Change a pool's slots, description or include_deferred (a pool cannot be renamed)",
        tags: ['Pool'],
        params: poolNameParams,
        querystring: z.object({
          update_mask: z
            .union([z.string(), z.array(z.string())])
            .optional()
            .describe('change only these fields (default: every field in the body)'),
        }),
        body: z
          .object({
            name: z.string().optional().describe('must be the pool name, if given'),
            slots: z.number().int().min(0).optional(),
            description: z.string().max(10_000).nullable().optional(),
            include_deferred: z.boolean().optional(),
          })
          .strict(),
        response: { 200: poolSchema, ...errorResponses },
      },
    },
    async (request) => {
      const name = request.params.pool_name;
      const b = request.body;
      if (b.name !== undefined && b.name !== name) {
        throw new GaleError('GALE_ERR_INVALID_REQUEST', `Pool "${name}" cannot be renamed to "${b.name}"`, {
          hint: 'Create a pool with the new name, move the tasks to it, then delete this one.',
        });
      }
      const mask = request.query.update_mask;
      const fields =
        mask === undefined ? undefined : (Array.isArray(mask) ? mask : mask.split(',')).map((f) => f.trim());
      const wanted = (field: string) => fields === undefined || fields.includes(field);
      const changes: Partial<Omit<PoolRow, 'pool'>> = {};
      if (b.slots !== undefined && wanted('slots')) changes.slots = b.slots;
      if (b.description !== undefined && wanted('description')) changes.description = b.description ?? '';
      if (b.include_deferred !== undefined && wanted('include_deferred'))
        changes.include_deferred = b.include_deferred ? 1 : 0;
      await requirePool(db, name);
      if (Object.keys(changes).length > 0)
        await db.updateTable('slot_pool').set(changes).where('pool', '=', name).execute();
      const [pool] = await poolResponses(db, [await requirePool(db, name)]);
      return pool!;
    },
  );

  app.delete(
    '/api/v2/pools/:pool_name',
    {
      config: { role: 'Op' },
      schema: {
        summary:
          'Delete a pool (not default_pool); tasks that name it wait unqueued, and their DAG files report an import error',
        tags: ['Pool'],
        params: poolNameParams,
        response: { 204: z.null().describe('deleted'), ...errorResponses, 409: problemSchema },
      },
    },
    async (request, reply) => {
      const name = request.params.pool_name;
      if (name !== 'default_pool') await requirePool(db, name);
      await deletePool(db, name);
      return reply.status(204).send(null);
    },
  );
}
