/** What every command needs: the loaded configuration, a logger and the database. */
import { type LoadedConfig, loadConfig } from '../config/index.js';
import { assertMigrated, type GaleDb, migrate, openDatabase, redactUrl } from '../db/index.js';
import { GaleError, isGaleError } from '../models/index.js';
import { createLogger, type Logger } from '../observability/index.js';

export interface CliEnv {
  loaded: LoadedConfig;
  gdb: GaleDb;
  log: Logger;
}

/**
 * `service`: a long-running service (scheduler, DAG processor, ...), whose SQLite checkpoints run
 * in a thread of their own (see db/wal-checkpoints.ts); one-shot commands leave them to SQLite.
 */
export async function openEnv(options: {
  name: string;
  migrate?: boolean;
  service?: boolean;
}): Promise<CliEnv> {
  const loaded = loadConfig(process.env);
  const log = createLogger({ level: loaded.config.logging.level, name: options.name });
  const gdb = openDatabase(loaded.config.database, { checkpointThread: options.service === true });
  try {
    if (options.migrate) await migrate(gdb.db, { defaultPoolSlots: loaded.config.core.default_pool_slots });
    else await assertMigrated(gdb.db);
  } catch (error) {
    await gdb.close().catch(() => undefined);
    throw connectionError(error, loaded.config.database.url);
  }
  return { loaded, gdb, log };
}

/** Error codes of a database that cannot be reached or refuses us (network, PostgreSQL, SQLite). */
const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  '28P01', // invalid password
  '28000', // no pg_hba.conf entry / invalid authorization
  '3D000', // database does not exist
  'SQLITE_CANTOPEN',
]);

/** A connection failure as a user error naming the (redacted) URL and what to check; others as they are. */
export function connectionError(error: unknown, url: string): unknown {
  if (isGaleError(error)) return error;
  const e = error as { code?: string; errors?: { code?: string }[]; message?: string };
  const code = e.code ?? e.errors?.[0]?.code;
  // pg says this when whatever listens there is not a PostgreSQL server
  const notPostgres = e.message === 'Connection terminated unexpectedly';
  if (!notPostgres && (code === undefined || !UNREACHABLE.has(code))) return error;
  const reason = e.message || e.errors?.map((x) => (x as Error).message).join('; ') || code || 'unknown';
  return new GaleError(
    'GALE_ERR_DB_UNREACHABLE',
    `Cannot use the metadata database at ${redactUrl(url)}: ${reason}`,
    {
      hint: 'Check database.url (GALE__DATABASE__URL): host, port, database name, user and password, and that the server runs and accepts connections from here.',
      cause: error,
    },
  );
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
