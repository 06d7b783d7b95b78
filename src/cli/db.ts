/** `gale db ...`: migrate, check, reset. */
import type { Command } from 'commander';
import { loadConfig } from '../config/index.js';
import { migrate, openDatabase, pendingMigrations, resetDatabase } from '../db/index.js';
import { GaleError } from '../models/index.js';
import { connectionError } from './environment.js';

async function withDb<T>(
  fn: (gdb: ReturnType<typeof openDatabase>, slots: number) => Promise<T>,
): Promise<T> {
  const { config } = loadConfig(process.env);
  const gdb = openDatabase(config.database);
  try {
    return await fn(gdb, config.core.default_pool_slots);
  } catch (error) {
    throw connectionError(error, config.database.url);
  } finally {
    await gdb.close().catch(() => undefined);
  }
}

export function registerDbCommands(program: Command): void {
  const db = program.command('db').description('Manage the metadata database');
  db.command('migrate')
    .description('Create the database or bring it to the latest schema')
    .action(async () => {
      await withDb(async (gdb, slots) => {
        const applied = await migrate(gdb.db, { defaultPoolSlots: slots });
        process.stdout.write(
          applied.length ? `Applied: ${applied.join(', ')}\n` : 'Database is up to date\n',
        );
      });
    });
  db.command('check')
    .description('Exit 0 when the database has every migration, 1 when some are missing')
    .action(async () => {
      await withDb(async (gdb) => {
        const pending = await pendingMigrations(gdb.db);
        if (pending.length > 0) {
          throw new GaleError('GALE_ERR_DB_NOT_MIGRATED', `Missing migrations: ${pending.join(', ')}`, {
            hint: 'Run "gale db migrate".',
          });
        }
        process.stdout.write('Database is up to date\n');
      });
    });
  db.command('reset')
    .description('Delete every table and create them again: ALL DATA IS LOST')
    .option('-y, --yes', 'confirm')
    .action(async (opts: { yes?: boolean }) => {
      if (!opts.yes)
        throw new GaleError('GALE_ERR_USAGE', 'db reset deletes all data', { hint: 'Add --yes to confirm.' });
      await withDb(async (gdb, slots) => {
        await resetDatabase(gdb.db, { defaultPoolSlots: slots });
        process.stdout.write('Database reset\n');
      });
    });
}
