/** Versioned migrations of the metadata database: `gale db migrate|check|reset`. */
import { type Kysely, type Migration, type MigrationProvider, Migrator, NO_MIGRATIONS, sql } from '#kysely';
import { GaleError } from '../models/index.js';
import { isPostgres, LOCKS } from './dialect.js';
import type { Database } from './schema.js';

/**
 * The migrations in order, each imported when it runs, not when this file loads: every CLI command
 * and task process imports the db module and checks the applied names, and loading modules it
 * never runs cost each of them time at its start.
 */
const MIGRATION_MODULES: Record<string, () => Promise<Migration>> = {
  '0001-initial': () => import('./migrations/0001-initial.js'),
  '0002-rendered-fields': () => import('./migrations/0002-rendered-fields.js'),
  '0003-workers': () => import('./migrations/0003-workers.js'),
  '0004-users': () => import('./migrations/0004-users.js'),
  '0005-history-state-index': () => import('./migrations/0005-history-state-index.js'),
  '0006-audit-event-length': () => import('./migrations/0006-audit-event-length.js'),
  '0007-triggers': () => import('./migrations/0007-triggers.js'),
  '0009-worker-log-server': () => import('./migrations/0009-worker-log-server.js'),
  '0010-variables-connections': () => import('./migrations/0010-variables-connections.js'),
  '0013-callback-requests': () => import('./migrations/0013-callback-requests.js'),
  '0014-backfills': () => import('./migrations/0014-backfills.js'),
  '0015-assets': () => import('./migrations/0015-assets.js'),
  '0016-hitl': () => import('./migrations/0016-hitl.js'),
  '0017-trigger-fileloc': () => import('./migrations/0017-trigger-fileloc.js'),
  '0018-user-dag-access': () => import('./migrations/0018-user-dag-access.js'),
  '0019-ti-run-state-index': () => import('./migrations/0019-ti-run-state-index.js'),
  '0020-ti-state-indexes': () => import('./migrations/0020-ti-state-indexes.js'),
  '0021-task-instance-try-view': () => import('./migrations/0021-task-instance-try-view.js'),
};

function lazyMigration(load: () => Promise<Migration>): Migration {
  return {
    up: async (db) => (await load()).up(db),
    down: async (db) => (await load()).down?.(db),
  };
}

const MIGRATIONS: Record<string, Migration> = Object.fromEntries(
  Object.entries(MIGRATION_MODULES).map(([name, load]) => [name, lazyMigration(load)]),
);

const provider: MigrationProvider = { getMigrations: async () => MIGRATIONS };

function migrator(db: Kysely<Database>): Migrator {
  return new Migrator({ db, provider });
}

/**
 * Applies every pending migration and makes sure default_pool exists. Returns the names applied.
 * Safe from several processes at once: on PostgreSQL they queue on an advisory lock held by one
 * connection for the whole migration (SQLite's write lock serializes them anyway).
 */
export async function migrate(
  db: Kysely<Database>,
  options: { defaultPoolSlots: number },
): Promise<string[]> {
  if (!isPostgres(db)) return migrateLocked(db, options);
  return db.connection().execute(async (conn) => {
    await sql`select pg_advisory_lock(${LOCKS.migrate})`.execute(conn);
    try {
      return await migrateLocked(conn, options);
    } finally {
      await sql`select pg_advisory_unlock(${LOCKS.migrate})`.execute(conn);
    }
  });
}

async function migrateLocked(db: Kysely<Database>, options: { defaultPoolSlots: number }): Promise<string[]> {
  const { error, results } = await migrator(db).migrateToLatest();
  if (error) {
    throw new GaleError('GALE_ERR_DB_NOT_MIGRATED', `Database migration failed: ${String(error)}`, {
      cause: error,
    });
  }
  await db
    .insertInto('slot_pool')
    .values({
      pool: 'default_pool',
      slots: options.defaultPoolSlots,
      description: 'Default pool',
      include_deferred: 0,
    })
    .onConflict((oc) => oc.column('pool').doNothing())
    .execute();
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

export async function pendingMigrations(db: Kysely<Database>): Promise<string[]> {
  const all = await migrator(db).getMigrations();
  return all.filter((m) => !m.executedAt).map((m) => m.name);
}

/** Fails with a clear message unless every migration has been applied. */
export async function assertMigrated(db: Kysely<Database>): Promise<void> {
  const pending = await pendingMigrations(db);
  if (pending.length > 0) {
    throw new GaleError(
      'GALE_ERR_DB_NOT_MIGRATED',
      `The metadata database lacks ${pending.length} migration(s): ${pending.join(', ')}`,
      {
        hint: 'Run "gale db migrate" first.',
      },
    );
  }
}

/**
 * `gale db reset`: undoes every migration the database has, newest first (each one's down), then
 * applies them all again. (It used to run a fixed list of downs that missed later migrations, so
 * the tables of 0010 were still there when migrating again.)
 */
export async function resetDatabase(
  db: Kysely<Database>,
  options: { defaultPoolSlots: number },
): Promise<void> {
  const { error } = await migrator(db).migrateTo(NO_MIGRATIONS);
  if (error) {
    throw new GaleError('GALE_ERR_DB_NOT_MIGRATED', `Undoing the migrations failed: ${String(error)}`, {
      cause: error,
    });
  }
  await db.schema.dropTable('kysely_migration').ifExists().execute();
  await db.schema.dropTable('kysely_migration_lock').ifExists().execute();
  await migrate(db, options);
}
