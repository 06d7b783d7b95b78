/** `gale db ...`: migrate, check (and wait for the database), reset. */
import { setTimeout as delay } from 'node:timers/promises';
import type { Command } from 'commander';
import { loadConfig } from '../config/index.js';
import { migrate, openDatabase, pendingMigrations, resetDatabase } from '../db/index.js';
import { GaleError, isGaleError } from '../models/index.js';
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

/** Seconds between tries of `gale db check --wait`. */
const CHECK_RETRY_SECONDS = 2;

/** Whether waiting can help: the server may come up, the migrate job may run. */
function isNotReadyYet(error: unknown): error is GaleError {
  return (
    isGaleError(error) &&
    (error.code === 'GALE_ERR_DB_UNREACHABLE' || error.code === 'GALE_ERR_DB_NOT_MIGRATED')
  );
}

function parseWait(value: string): number {
  const seconds = Number(value);
  if (value.trim() === '' || !Number.isFinite(seconds) || seconds < 0) {
    throw new GaleError('GALE_ERR_USAGE', `--wait takes a number of seconds, not "${value}"`, {
      hint: 'e.g. gale db check --wait 300',
    });
  }
  return seconds;
}

/** The database answers and has every migration; throws GALE_ERR_DB_UNREACHABLE or _NOT_MIGRATED if not. */
async function checkDatabase(): Promise<void> {
  await withDb(async (gdb) => {
    const pending = await pendingMigrations(gdb.db);
    if (pending.length > 0) {
      throw new GaleError('GALE_ERR_DB_NOT_MIGRATED', `Missing migrations: ${pending.join(', ')}`, {
        hint: 'Run "gale db migrate".',
      });
    }
  });
}

/** Checks until the database is ready or `waitSeconds` pass; then fails with the last reason. */
async function checkUntilReady(waitSeconds: number): Promise<void> {
  const deadline = Date.now() + waitSeconds * 1000;
  for (let tries = 1; ; tries++) {
    try {
      await checkDatabase();
      return;
    } catch (error) {
      if (!isNotReadyYet(error)) throw error;
      const left = deadline - Date.now();
      if (left <= 0) {
        if (waitSeconds === 0) throw error;
        throw new GaleError(
          error.code,
          `The database was not ready after ${waitSeconds}s (${tries} tries): ${error.message}`,
          {
            hint: error.hint,
            cause: error,
          },
        );
      }
      process.stderr.write(`Waiting for the database: ${error.message}\n`);
      await delay(Math.min(CHECK_RETRY_SECONDS * 1000, left));
    }
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
    .description(
      'Exit 0 when the database answers and has every migration, 1 when it does not (unreachable, or migrations missing)',
    )
    .option(
      '--wait <seconds>',
      `while the database is unreachable or not migrated, try again every ${CHECK_RETRY_SECONDS} s for up to this long`,
      parseWait,
    )
    .action(async (opts: { wait?: number }) => {
      await checkUntilReady(opts.wait ?? 0);
      process.stdout.write('Database is up to date\n');
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
