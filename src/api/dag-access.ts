/**
 * Per-DAG access on every request, in one place. A user may be limited to some DAG ids and tags
 * (models/dag-access.ts); an Admin always sees every DAG. A DAG outside the caller's set answers
 * exactly as a DAG that does not exist (404, the same problem), so its existence is not revealed,
 * and lists leave it out (their total_entries too).
 *
 * - `registerDagAccess` checks every route with a `dag_id` path parameter (except `~`) before
 *   validation, so no route can forget it.
 * - `onlyVisible` is the where clause that lists (and `~` listings across DAGs) add.
 * The visible DAGs are read at most once per request, and never for an unrestricted caller.
 * This module must never widen access: when in doubt, a DAG is hidden.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { type Kysely, type RawBuilder, type SqlBool, sql } from '#kysely';
import { type Database, dagNotFound, readVisibleDags, type VisibleDags } from '../db/index.js';
import { isUnrestricted } from '../models/index.js';

const cached = new WeakMap<FastifyRequest, Promise<VisibleDags | null>>();

/**
 * The DAGs the caller may see, or null for every DAG (an unrestricted user, an Admin, or a call
 * without a user: public routes and the task execution API, which have their own checks).
 */
export function visibleDags(request: FastifyRequest, db: Kysely<Database>): Promise<VisibleDags | null> {
  const access = request.caller?.dagAccess;
  if (!access || isUnrestricted(access)) return Promise.resolve(null);
  let found = cached.get(request);
  if (!found) {
    found = readVisibleDags(db, access);
    cached.set(request, found);
  }
  return found;
}

/** Throws the DAG's not-found error unless the caller may see it. */
export async function requireVisibleDag(
  request: FastifyRequest,
  db: Kysely<Database>,
  dagId: string,
): Promise<void> {
  const visible = await visibleDags(request, db);
  if (visible !== null && !visible.dagIds.has(dagId)) throw dagNotFound(dagId);
}

/**
 * A where clause that keeps only the rows of DAGs the caller may see: `column` holds a DAG id
 * (`by: 'dagIds'`, the default) or a DAG file's path (`by: 'filelocs'`, for import errors).
 */
export async function onlyVisible(
  request: FastifyRequest,
  db: Kysely<Database>,
  column: string,
  by: keyof VisibleDags = 'dagIds',
): Promise<RawBuilder<SqlBool>> {
  const visible = await visibleDags(request, db);
  if (visible === null) return sql<SqlBool>`1 = 1`;
  const values = [...visible[by]];
  if (values.length === 0) return sql<SqlBool>`1 = 0`;
  return sql<SqlBool>`${sql.ref(column)} in (${sql.join(values)})`;
}

/** Checks the `dag_id` path parameter of every route (a `~` means "every DAG": lists filter). */
export function registerDagAccess(app: FastifyInstance, db: Kysely<Database>): void {
  app.addHook('preValidation', async (request) => {
    const dagId = (request.params as Record<string, unknown> | undefined)?.dag_id;
    if (typeof dagId !== 'string' || dagId === '~') return;
    await requireVisibleDag(request, db, dagId);
  });
}
