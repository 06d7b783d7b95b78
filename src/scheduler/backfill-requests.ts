/**
 * Asking for a backfill, as `gale backfill create` and POST /api/v2/backfills do: the request is
 * checked (as Airflow's _create_backfill and _do_dry_run) and recorded; the scheduler creates the
 * runs (scheduler/backfills.ts). A dry run lists the logical dates that would run, creating nothing.
 */
import type { Kysely } from '#kysely';
import {
  activeBackfillOf,
  type BackfillRow,
  type Database,
  insertBackfill,
  requireActiveDag,
  runAtLogicalDate,
  type SerializedDagCache,
} from '../db/index.js';
import {
  type BackfillRequest,
  backfillRunInfos,
  backfillSkipReason,
  type DagRunInfo,
  DEFAULT_BACKFILL_MAX_ACTIVE_RUNS,
  GaleError,
  type ReprocessBehavior,
  resolveParams,
  type SerializedDag,
  validateBackfillRequest,
} from '../models/index.js';

/** What a user gives; left-out options take Airflow's defaults. */
export interface BackfillOptions {
  dagId: string;
  from: Date;
  to: Date;
  /** default none */
  reprocessBehavior?: ReprocessBehavior;
  /** default 10 */
  maxActiveRuns?: number;
  /** default false */
  runBackwards?: boolean;
  /** the conf of every run it creates or clears; left out: {} for new runs, cleared runs keep theirs */
  conf?: Record<string, unknown> | null;
  triggeringUserName?: string | null;
  now: Date;
}

function compileRequest(options: BackfillOptions): BackfillRequest {
  return {
    from: options.from,
    to: options.to,
    runBackwards: options.runBackwards ?? false,
    reprocessBehavior: options.reprocessBehavior ?? 'none',
    maxActiveRuns: options.maxActiveRuns ?? DEFAULT_BACKFILL_MAX_ACTIVE_RUNS,
  };
}

/** The DAG's latest version, with every check of the request done; throws naming the fix. */
async function checkedRequest(
  db: Kysely<Database>,
  cache: SerializedDagCache,
  options: BackfillOptions,
): Promise<{ dag: SerializedDag; request: BackfillRequest; infos: DagRunInfo[] }> {
  const row = await requireActiveDag(db, options.dagId);
  const dag = await cache.get(db, options.dagId, row.latest_version_hash);
  const request = compileRequest(options);
  validateBackfillRequest(dag, request, options.now);
  // As Airflow: the conf is checked against the params' schemas before any run exists.
  resolveParams(dag.params, dag.paramSchemas, options.conf ?? {}, `DAG "${options.dagId}"`);
  return { dag, request, infos: backfillRunInfos(dag, request, options.now) };
}

/** Records a backfill; the scheduler creates its runs. */
export async function createBackfill(
  db: Kysely<Database>,
  cache: SerializedDagCache,
  options: BackfillOptions,
): Promise<BackfillRow> {
  return db.transaction().execute(async (tx) => {
    const { request, infos } = await checkedRequest(tx, cache, options);
    const active = await activeBackfillOf(tx, options.dagId);
    if (active) {
      throw new GaleError(
        'GALE_ERR_BACKFILL_ACTIVE',
        `DAG "${options.dagId}" already has backfill ${active.id} running; there can be one at a time per DAG`,
        { hint: `Wait for it to complete, or cancel it with "gale backfill cancel ${active.id}".` },
      );
    }
    if (infos.length === 0) {
      throw new GaleError(
        'GALE_ERR_BACKFILL_INVALID',
        `No logical date of DAG "${options.dagId}" in ${options.from.toISOString()} .. ${options.to.toISOString()} has a data interval that has ended`,
        { hint: 'Widen the range; see the dates a range holds with --dry-run.' },
      );
    }
    return insertBackfill(tx, {
      dagId: options.dagId,
      from: request.from,
      to: request.to,
      conf: options.conf ?? null,
      reprocessBehavior: request.reprocessBehavior,
      maxActiveRuns: request.maxActiveRuns,
      runBackwards: request.runBackwards,
      triggeringUserName: options.triggeringUserName ?? null,
      now: options.now,
    });
  });
}

/**
 * The runs a backfill would create or clear now, in its order (as Airflow's dry run: whether they
 * are created depends on the runs that exist when the scheduler plans it).
 */
export async function dryRunBackfill(
  db: Kysely<Database>,
  cache: SerializedDagCache,
  options: BackfillOptions,
): Promise<DagRunInfo[]> {
  const { request, infos } = await checkedRequest(db, cache, options);
  const out: DagRunInfo[] = [];
  for (const info of infos) {
    const existing = await runAtLogicalDate(db, options.dagId, info.logicalDate);
    if (!existing || backfillSkipReason(existing.state, request.reprocessBehavior) === null) out.push(info);
  }
  return out;
}
