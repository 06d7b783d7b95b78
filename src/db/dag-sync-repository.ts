/**
 * Stores the DAGs the DAG processor parsed from many files in the caller's transaction, in a few
 * statements for them all: one read of the dag rows the files touch, the new serialized versions,
 * one upsert of the dag rows, one update for the DAGs the files no longer define. The files are
 * applied in order, exactly as if stored one after the other: a DAG id that a file earlier in the
 * batch took is another file's for the files after it, and one that an earlier file dropped is
 * free for them. Never decides what is an import error: it returns the conflicts for the caller.
 */
import { createHash } from 'node:crypto';
import type { Kysely, Transaction } from '#kysely';
import type { DagRunInfo, SerializedDag } from '../models/index.js';
import { computeNextDagRun } from './dag-repository.js';
import { inTransaction } from './dialect.js';
import type { Database } from './schema.js';
import { iso } from './time.js';

type Tx = Transaction<Database>;

export interface SyncDagsOptions {
  pausedAtCreation: boolean;
  now: Date;
}

/** One parsed file: where it is, and the DAGs it defines. */
export interface FileDags {
  fileloc: string;
  dags: readonly SerializedDag[];
}

/** A DAG id the file defines that another file's active DAG already has. */
export interface DagConflict {
  dagId: string;
  otherFile: string;
}

/** What a dag row says about its owner, as read or as this batch leaves it. */
interface Owner {
  fileloc: string;
  isActive: boolean;
  hash: string;
}

/** A dag row this batch writes: what it was last parsed as. */
interface DagWrite {
  dag: SerializedDag;
  fileloc: string;
  hash: string;
  isActive: boolean;
  /** is_paused if the row is new */
  isPaused: boolean;
  /** the DAG whose timetable the row's next run is computed from, when it changed */
  refreshFrom: SerializedDag | null;
}

/** Rows a statement carries at most: bounds its parameters on both dialects. */
const CHUNK = 100;

/** The version hash of a serialized DAG, from its JSON (stored as the version's data). */
export function hashSerializedDag(json: string): string {
  return createHash('sha256').update(json).digest('hex').slice(0, 32);
}

export function versionHash(dag: SerializedDag): string {
  return hashSerializedDag(JSON.stringify(dag));
}

/**
 * Stores the DAGs of one file (in `db`'s transaction when it is one): new versions, dag rows, and
 * marks DAGs that the file no longer defines inactive. Returns the ids of DAGs another file owns.
 */
export async function syncFileDags(
  db: Kysely<Database>,
  fileloc: string,
  dags: readonly SerializedDag[],
  options: SyncDagsOptions,
): Promise<{ conflicts: DagConflict[] }> {
  const [conflicts = []] = await syncFilesDags(db, [{ fileloc, dags }], options);
  return { conflicts };
}

/**
 * Stores the DAGs of many files in one transaction (the caller's, when `db` is one), as if file by
 * file in the order given. Returns each file's conflicts, in the same order.
 */
export async function syncFilesDags(
  db: Kysely<Database>,
  files: readonly FileDags[],
  options: SyncDagsOptions,
): Promise<DagConflict[][]> {
  return inTransaction(db, async (tx) => {
    const owners = await readOwners(tx, files);
    const byFile = new Map<string, Set<string>>();
    for (const [dagId, owner] of owners) if (owner.isActive) ownedBy(byFile, owner.fileloc).add(dagId);
    const writes = new Map<string, DagWrite>();
    const versions = new Map<string, { dag_id: string; version_hash: string; data: string }>();
    const deactivated = new Set<string>();
    const conflicts = files.map(({ fileloc, dags }) => {
      const found: DagConflict[] = [];
      const kept = new Set<string>();
      for (const dag of dags) {
        const owner = owners.get(dag.dagId);
        if (owner?.isActive && owner.fileloc !== fileloc) {
          found.push({ dagId: dag.dagId, otherFile: owner.fileloc });
          continue;
        }
        kept.add(dag.dagId);
        const data = JSON.stringify(dag);
        const hash = hashSerializedDag(data);
        // a version that is a stored row's latest is stored already
        if (owner?.hash !== hash)
          versions.set(`${dag.dagId}\u0000${hash}`, { dag_id: dag.dagId, version_hash: hash, data });
        const changed = !owner || owner.hash !== hash || !owner.isActive;
        const earlier = writes.get(dag.dagId);
        writes.set(dag.dagId, {
          dag,
          fileloc,
          hash,
          isActive: true,
          isPaused: earlier?.isPaused ?? dag.isPausedUponCreation ?? options.pausedAtCreation,
          refreshFrom: changed ? dag : (earlier?.refreshFrom ?? null),
        });
        deactivated.delete(dag.dagId);
        if (owner?.isActive) byFile.get(owner.fileloc)?.delete(dag.dagId);
        owners.set(dag.dagId, { fileloc, isActive: true, hash });
        ownedBy(byFile, fileloc).add(dag.dagId);
      }
      // the file's other DAGs are gone from it
      const owned = ownedBy(byFile, fileloc);
      for (const dagId of [...owned]) {
        if (kept.has(dagId)) continue;
        owned.delete(dagId);
        const owner = owners.get(dagId);
        if (owner) owner.isActive = false;
        const write = writes.get(dagId);
        if (write) write.isActive = false;
        else deactivated.add(dagId);
      }
      return found;
    });
    await insertVersions(tx, [...versions.values()], options.now);
    await upsertDags(tx, [...writes.values()], options);
    for (const ids of chunks([...deactivated])) {
      await tx.updateTable('dag').set({ is_active: 0 }).where('dag_id', 'in', ids).execute();
    }
    return conflicts;
  });
}

function ownedBy(byFile: Map<string, Set<string>>, fileloc: string): Set<string> {
  let owned = byFile.get(fileloc);
  if (!owned) {
    owned = new Set();
    byFile.set(fileloc, owned);
  }
  return owned;
}

function chunks<T>(items: readonly T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** The dag rows of the files' DAG ids, and the active rows of the files themselves. */
async function readOwners(tx: Tx, files: readonly FileDags[]): Promise<Map<string, Owner>> {
  const owners = new Map<string, Owner>();
  const add = (
    rows: { dag_id: string; fileloc: string; is_active: number; latest_version_hash: string }[],
  ) => {
    for (const r of rows) {
      owners.set(r.dag_id, {
        fileloc: r.fileloc,
        isActive: r.is_active === 1,
        hash: r.latest_version_hash,
      });
    }
  };
  const columns = ['dag_id', 'fileloc', 'is_active', 'latest_version_hash'] as const;
  const dagIds = [...new Set(files.flatMap((f) => f.dags.map((d) => d.dagId)))];
  for (const ids of chunks(dagIds, 500)) {
    add(await tx.selectFrom('dag').select(columns).where('dag_id', 'in', ids).execute());
  }
  const filelocs = [...new Set(files.map((f) => f.fileloc))];
  for (const locs of chunks(filelocs, 500)) {
    add(
      await tx
        .selectFrom('dag')
        .select(columns)
        .where('fileloc', 'in', locs)
        .where('is_active', '=', 1)
        .execute(),
    );
  }
  return owners;
}

async function insertVersions(
  tx: Tx,
  versions: readonly { dag_id: string; version_hash: string; data: string }[],
  now: Date,
): Promise<void> {
  for (const rows of chunks(versions)) {
    await tx
      .insertInto('serialized_dag')
      .values(rows.map((r) => ({ ...r, created_at: iso(now) })))
      .onConflict((oc) => oc.columns(['dag_id', 'version_hash']).doNothing())
      .execute();
  }
}

/** The next run of each changed DAG, from its timetable and its latest scheduled run. */
async function nextRuns(
  tx: Tx,
  dags: readonly SerializedDag[],
  now: Date,
): Promise<Map<string, DagRunInfo | null>> {
  const withRuns = new Set<string>();
  for (const ids of chunks(
    dags.map((d) => d.dagId),
    500,
  )) {
    const rows = await tx
      .selectFrom('dag_run')
      .select('dag_id')
      .distinct()
      .where('run_type', '=', 'scheduled')
      .where('dag_id', 'in', ids)
      .execute();
    for (const r of rows) withRuns.add(r.dag_id);
  }
  const out = new Map<string, DagRunInfo | null>();
  for (const dag of dags) {
    // a DAG with no scheduled run starts its timetable afresh, without a query of its own
    out.set(dag.dagId, await computeNextDagRun(tx, dag, now, withRuns.has(dag.dagId) ? undefined : null));
  }
  return out;
}

/** Inserts new dag rows and updates the others, a statement per chunk (two kinds: with a new next run or not). */
async function upsertDags(tx: Tx, writes: readonly DagWrite[], options: SyncDagsOptions): Promise<void> {
  const now = iso(options.now);
  const refreshed = writes.filter((w) => w.refreshFrom);
  const next = await nextRuns(
    tx,
    refreshed.map((w) => w.refreshFrom!),
    options.now,
  );
  const row = (w: DagWrite) => ({
    dag_id: w.dag.dagId,
    is_paused: w.isPaused ? 1 : 0,
    created_at: now,
    is_active: w.isActive ? 1 : 0,
    fileloc: w.fileloc,
    owners: [...new Set(w.dag.tasks.map((t) => t.owner))].join(', '),
    description: w.dag.description,
    tags: JSON.stringify(w.dag.tags),
    schedule_text: w.dag.scheduleText,
    max_active_runs: w.dag.maxActiveRuns,
    max_active_tasks: w.dag.maxActiveTasks,
    latest_version_hash: w.hash,
    last_parsed_at: now,
  });
  const plain = writes.filter((w) => !w.refreshFrom).map(row);
  const withNext = refreshed.map((w) => {
    const info = next.get(w.dag.dagId) ?? null;
    return {
      ...row(w),
      next_dagrun: info ? iso(info.logicalDate) : null,
      next_dagrun_data_interval_start: info ? iso(info.dataIntervalStart) : null,
      next_dagrun_data_interval_end: info ? iso(info.dataIntervalEnd) : null,
      next_dagrun_create_after: info ? iso(info.runAfter) : null,
    };
  });
  // is_paused and created_at are a new row's only: an existing row keeps them
  const kept = new Set(['dag_id', 'is_paused', 'created_at']);
  for (const rows of [...chunks(plain), ...chunks(withNext)]) {
    const first = rows[0];
    if (!first) continue;
    const updated = Object.keys(first).filter((c) => !kept.has(c)) as (keyof typeof first)[];
    await tx
      .insertInto('dag')
      .values(rows)
      .onConflict((oc) =>
        oc
          .column('dag_id')
          .doUpdateSet((eb) => Object.fromEntries(updated.map((c) => [c, eb.ref(`excluded.${c}`)])) as never),
      )
      .execute();
  }
}
