/**
 * What differs between the two dialects, in one place: column types in migrations and the locks
 * that several schedulers need on PostgreSQL. SQLite serializes every writing transaction
 * (`BEGIN IMMEDIATE`), so there a lock is always held by whoever is in a transaction.
 */
import {
  type CreateTableBuilder,
  type Kysely,
  PostgresAdapter,
  type QueryExecutorProvider,
  sql,
  type Transaction,
} from '#kysely';

export function isPostgres(db: QueryExecutorProvider): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

/** An auto-incremented integer primary key named `id`. */
export function withId(db: Kysely<unknown>) {
  return <TB extends string, C extends string>(b: CreateTableBuilder<TB, C>) =>
    isPostgres(db)
      ? b.addColumn('id', 'serial', (c) => c.primaryKey())
      : b.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement());
}

/** An 8-byte float (SQLite's real is one; PostgreSQL's real has only 4 bytes). */
export function doubleType(db: Kysely<unknown>): 'real' | 'double precision' {
  return isPostgres(db) ? 'double precision' : 'real';
}

/** Named critical sections, each its own advisory lock key. */
export const LOCKS = {
  /** queueing task instances: pool, parallelism and maxActiveTasks counts must not race */
  queueing: 7_461_001,
  /** `gale db migrate` from several processes at once */
  migrate: 7_461_002,
  /** starting queued DAG runs: maxActiveRuns counts must not race */
  startRuns: 7_461_003,
} as const;

/**
 * Takes a lock for the rest of the transaction `tx` without waiting: false when another
 * transaction holds it (the caller skips its work this time, as Airflow's scheduler does with
 * the pool rows it locks NOWAIT). Always true on SQLite, where the transaction holds the write lock.
 */
export async function tryTransactionLock(tx: QueryExecutorProvider, key: number): Promise<boolean> {
  if (!isPostgres(tx)) return true;
  const { rows } = await sql<{ locked: boolean }>`select pg_try_advisory_xact_lock(${key}) as locked`.execute(
    tx,
  );
  return rows[0]?.locked === true;
}

/** Runs `fn` in a transaction: the caller's own when `db` is one already, else a new one. */
export async function inTransaction<DB, T>(
  db: Kysely<DB>,
  fn: (tx: Transaction<DB>) => Promise<T>,
): Promise<T> {
  if (db.isTransaction) return fn(db as Transaction<DB>);
  return db.transaction().execute(fn);
}
