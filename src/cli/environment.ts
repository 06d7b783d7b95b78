/** What every command needs: the loaded configuration, a logger and the database. */
import { type LoadedConfig, loadConfig } from '../config/index.js';
import { assertMigrated, type GaleDb, migrate, openDatabase } from '../db/index.js';
import { createLogger, type Logger } from '../observability/index.js';

export interface CliEnv {
  loaded: LoadedConfig;
  gdb: GaleDb;
  log: Logger;
}

export async function openEnv(options: { name: string; migrate?: boolean }): Promise<CliEnv> {
  const loaded = loadConfig(process.env);
  const log = createLogger({ level: loaded.config.logging.level, name: options.name });
  const gdb = openDatabase(loaded.config.database);
  try {
    if (options.migrate) await migrate(gdb.db, { defaultPoolSlots: loaded.config.core.default_pool_slots });
    else await assertMigrated(gdb.db);
  } catch (error) {
    await gdb.close();
    throw error;
  }
  return { loaded, gdb, log };
}

/** Runs `fn` with an open environment and always closes the database. */
export async function withEnv<T>(name: string, fn: (env: CliEnv) => Promise<T>): Promise<T> {
  const env = await openEnv({ name });
  try {
    return await fn(env);
  } finally {
    await env.gdb.close();
  }
}

/** Aborts on SIGINT or SIGTERM (a second signal exits at once). */
export function stopSignal(env: CliEnv): AbortSignal {
  const controller = new AbortController();
  const stop = (signal: string) => {
    if (controller.signal.aborted) {
      env.log.warn('second signal: exiting now');
      process.exit(1);
    }
    env.log.info({ signal }, 'shutting down');
    controller.abort();
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  return controller.signal;
}
