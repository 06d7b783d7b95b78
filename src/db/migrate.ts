/** Versioned migrations of the metadata database: `gale db migrate|check|reset`. */
import { type Kysely, type Migration, type MigrationProvider, Migrator, NO_MIGRATIONS, sql } from '#kysely';
import { GaleError } from '../models/index.js';
import { isPostgres, LOCKS } from './dialect.js';
import * as m0001 from './migrations/0001-initial.js';
import * as m0002 from './migrations/0002-rendered-fields.js';
import * as m0003 from './migrations/0003-workers.js';
import * as m0004 from './migrations/0004-users.js';
import * as m0005 from './migrations/0005-history-state-index.js';
import * as m0006 from './migrations/0006-audit-event-length.js';
import * as m0007 from './migrations/0007-triggers.js';
import * as m0009 from './migrations/0009-worker-log-server.js';
import * as m0010 from './migrations/0010-variables-connections.js';
import * as m0013 from './migrations/0013-callback-requests.js';
import * as m0014 from './migrations/0014-backfills.js';
import * as m0015 from './migrations/0015-assets.js';
import * as m0016 from './migrations/0016-hitl.js';
import * as m0017 from './migrations/0017-trigger-fileloc.js';
import * as m0018 from './migrations/0018-user-dag-access.js';
import * as m0019 from './migrations/0019-ti-run-state-index.js';
import * as m0020 from './migrations/0020-ti-state-indexes.js';
import * as m0021 from './migrations/0021-task-instance-try-view.js';
import type { Database } from './schema.js';

const MIGRATIONS: Record<string, Migration> = {
  '0001-initial': m0001,
  '0002-rendered-fields': m0002,
  '0003-workers': m0003,
  '0004-users': m0004,
  '0005-history-state-index': m0005,
  '0006-audit-event-length': m0006,
  '0007-triggers': m0007,
  '0009-worker-log-server': m0009,
  '0010-variables-connections': m0010,
  '0013-callback-requests': m0013,
  '0014-backfills': m0014,
  '0015-assets': m0015,
  '0016-hitl': m0016,
  '0017-trigger-fileloc': m0017,
  '0018-user-dag-access': m0018,
  '0019-ti-run-state-index': m0019,
  '0020-ti-state-indexes': m0020,
  '0021-task-instance-try-view': m0021,
};

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
