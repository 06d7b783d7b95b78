/**
 * Opens the metadata database from the `database` settings.
 *
 * SQLite (better-sqlite3) runs in WAL mode with a busy timeout, and every transaction is
 * `BEGIN IMMEDIATE` so that the several processes that write (scheduler, DAG processor, task
 * runners) queue for the write lock instead of failing with SQLITE_BUSY when a read transaction
 * tries to become a write one. SQLite thereby serializes every writing transaction.
 *
 * PostgreSQL (pg) runs with a connection pool, a statement timeout and optional TLS. Transactions
 * are READ COMMITTED: code that reads then writes must guard its writes (`where state = ...`) or
 * lock (see `locks.ts`), never rely on SQLite's serialization.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import type pg from 'pg';
import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  Kysely,
  PostgresDialect,
  SqliteDialect,
  type SqliteDialectConfig,
  SqliteDriver,
} from '#kysely';
import { GaleError } from '../models/index.js';
import type { Database } from './schema.js';
import { checkpointInThread } from './wal-checkpoints.js';

export type Dialect = 'sqlite' | 'postgres';

export interface GaleDb {
  readonly db: Kysely<Database>;
  readonly dialect: Dialect;
  readonly url: string;
  close(): Promise<void>;
}

/** The `database` section of the settings (all but `url` matter to PostgreSQL only). */
export interface DatabaseSettings {
  url: string;
  pool_size?: number;
  statement_timeout?: number;
  tls_mode?: '' | 'disable' | 'require' | 'verify-ca' | 'verify-full';
  tls_ca_file?: string;
  tls_cert_file?: string;
  tls_key_file?: string;
}

class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

class ImmediateSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;
  constructor(config: SqliteDialectConfig) {
    super(config);
    this.#config = config;
  }
  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config);
  }
}

export type ParsedDatabaseUrl =
  | { dialect: 'sqlite'; path: string }
  | { dialect: 'postgres'; connectionString: string; sslmode: string | null };

export function parseDatabaseUrl(url: string): ParsedDatabaseUrl {
  const sqlite = /^sqlite:\/\/(.+)$/.exec(url);
  if (sqlite?.[1]) return { dialect: 'sqlite', path: sqlite[1] };
  if (/^postgres(ql)?:\/\//.test(url)) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch (error) {
      throw new GaleError('GALE_ERR_CONFIG_INVALID', 'database.url is not a valid PostgreSQL URL', {
        hint: 'Use postgresql://<user>:<password>@<host>:<port>/<database>; percent-encode special characters of the password.',
        cause: error,
      });
    }
    // TLS is configured from sslmode here and the tls_* settings, not by pg's own URL parsing.
    const sslmode = parsed.searchParams.get('sslmode');
    parsed.searchParams.delete('sslmode');
    return { dialect: 'postgres', connectionString: parsed.toString(), sslmode };
  }
  throw new GaleError('GALE_ERR_CONFIG_INVALID', `Unsupported database.url "${redactUrl(url)}"`, {
    hint: 'Use sqlite:///absolute/path/gale.db or postgresql://<user>:<password>@<host>:<port>/<database>.',
  });
}

/** The URL without its password, for messages and logs. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z]+:\/\/[^:/@]*:)[^@]*@/i, '$1***@');
}

function readTlsFile(path: string, setting: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new GaleError('GALE_ERR_CONFIG_INVALID', `database.${setting} "${path}" cannot be read`, {
      hint: `Fix the path in database.${setting} (GALE__DATABASE__${setting.toUpperCase()}).`,
      cause: error,
    });
  }
}

function tlsOptions(settings: DatabaseSettings, sslmode: string | null): pg.ClientConfig['ssl'] {
  const mode = settings.tls_mode || sslmode || 'disable';
  if (mode === 'disable' || mode === 'allow' || mode === 'prefer') return false;
  if (!['require', 'verify-ca', 'verify-full'].includes(mode)) {
    throw new GaleError('GALE_ERR_CONFIG_INVALID', `Unknown PostgreSQL sslmode "${mode}"`, {
      hint: 'Use disable, require, verify-ca or verify-full.',
    });
  }
  const ssl: NonNullable<Exclude<pg.ClientConfig['ssl'], boolean>> = {
    rejectUnauthorized: mode !== 'require',
  };
  if (settings.tls_ca_file) ssl.ca = readTlsFile(settings.tls_ca_file, 'tls_ca_file');
  if (settings.tls_cert_file) ssl.cert = readTlsFile(settings.tls_cert_file, 'tls_cert_file');
  if (settings.tls_key_file) ssl.key = readTlsFile(settings.tls_key_file, 'tls_key_file');
  // verify-ca checks the chain but not the host name, as libpq's.
  if (mode === 'verify-ca') ssl.checkServerIdentity = () => undefined;
  return ssl;
}

/**
 * The PostgreSQL client, loaded when a PostgreSQL database is opened: processes on SQLite (every
 * task process of a default installation) do not pay for loading it.
 */
function loadPg(): typeof pg {
  return createRequire(import.meta.url)('pg') as typeof pg;
}

/** COUNT(*) and SUM() are bigint/numeric in PostgreSQL; Gale's counts fit a JavaScript number. */
function pgTypes(client: typeof pg): pg.CustomTypesConfig {
  return {
    getTypeParser(oid: number, format?: 'text' | 'binary') {
      if (oid === client.types.builtins.INT8 || oid === client.types.builtins.NUMERIC) return Number;
      return format === 'binary'
        ? client.types.getTypeParser(oid, 'binary')
        : client.types.getTypeParser(oid, 'text');
    },
  } as pg.CustomTypesConfig;
}

function openPostgres(
  settings: DatabaseSettings,
  parsed: Extract<ParsedDatabaseUrl, { dialect: 'postgres' }>,
): GaleDb {
  const timeoutMs = Math.round((settings.statement_timeout ?? 60) * 1000);
  const client = loadPg();
  const pool = new client.Pool({
    connectionString: parsed.connectionString,
    max: settings.pool_size ?? 5,
    ssl: tlsOptions(settings, parsed.sslmode),
    types: pgTypes(client),
    connectionTimeoutMillis: 30_000,
    idleTimeoutMillis: 30_000,
    ...(timeoutMs > 0 ? { statement_timeout: timeoutMs } : {}),
    application_name: `gale:${process.title}`.slice(0, 60),
  });
  // An idle connection that the server closes (restart, failover) must not crash the process;
  // the pool replaces it and the next query reports the failure if it persists.
  pool.on('error', () => {});
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return { db, dialect: 'postgres', url: settings.url, close: () => db.destroy() };
}

/**
 * better-sqlite3's addon built for another Node.js (after switching Node versions) says so, with
 * the fix; a database file that cannot be made or opened there (its folder is a file, no
 * permission) names the file and the setting.
 */
function driverError(error: unknown, path: string): unknown {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as NodeJS.ErrnoException).code ?? '';
  if (['EEXIST', 'ENOTDIR', 'EACCES', 'EPERM', 'EROFS', 'SQLITE_CANTOPEN'].includes(code)) {
    return new GaleError('GALE_ERR_DB_UNREACHABLE', `Cannot open the SQLite database ${path}: ${message}`, {
      hint: 'Check database.url (GALE__DATABASE__URL): sqlite:///<absolute path> of a file in a folder Gale may create and write.',
      cause: error,
    });
  }
  if (!/NODE_MODULE_VERSION|ERR_DLOPEN_FAILED|did not self-register/.test(message)) return error;
  return new GaleError(
    'GALE_ERR_SQLITE_DRIVER_ABI',
    `The SQLite driver (better-sqlite3) was built for another Node.js than this one (${process.version}): ${message.replace(/\s*\n\s*/g, ' ')}`,
    {
      hint: 'Run `npm rebuild better-sqlite3` in the Gale installation with this Node.js (or reinstall Gale with it).',
      cause: error,
    },
  );
}

/** Prepared statements kept per connection: the scheduler's queries repeat every pass. */
const STATEMENT_CACHE_SIZE = 500;

/**
 * Kysely's SQLite driver prepares every query anew, which costs as much as running a small one;
 * this keeps the most recently used statements by their SQL (least recently used dropped first).
 * better-sqlite3 runs a statement to its end before it returns (Gale streams no SQLite query),
 * so one statement is never busy when the next call needs it.
 */
function withStatementCache(sqlite: SqliteDatabase.Database): SqliteDialectConfig['database'] {
  const cache = new Map<string, SqliteDatabase.Statement>();
  return {
    close: () => {
      cache.clear();
      sqlite.close();
    },
    prepare: (sql: string) => {
      let statement = cache.get(sql);
      if (statement) {
        cache.delete(sql);
      } else {
        statement = sqlite.prepare(sql);
        if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value as string);
      }
      cache.set(sql, statement);
      return statement;
    },
  };
}

/** How a process uses its database. */
export interface OpenOptions {
  /**
   * A long-running service that writes much (scheduler, standalone): SQLite's WAL checkpoints
   * run in a thread of their own (wal-checkpoints.ts) instead of inside its commits.
   */
  checkpointThread?: boolean;
}

function openSqlite(settings: DatabaseSettings, path: string, options: OpenOptions): GaleDb {
  let sqlite: SqliteDatabase.Database;
  try {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    sqlite = new SqliteDatabase(path, { timeout: 15_000 });
  } catch (error) {
    throw driverError(error, path);
  }
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('busy_timeout = 15000');
  const checkpoints =
    options.checkpointThread && path !== ':memory:' ? checkpointInThread(sqlite, path) : null;
  const db = new Kysely<Database>({
    dialect: new ImmediateSqliteDialect({ database: withStatementCache(sqlite) }),
  });
  const close = async () => {
    await checkpoints?.stop();
    await db.destroy();
  };
  return { db, dialect: 'sqlite', url: settings.url, close };
}

export function openDatabase(settings: DatabaseSettings | string, options: OpenOptions = {}): GaleDb {
  const s = typeof settings === 'string' ? { url: settings } : settings;
  const parsed = parseDatabaseUrl(s.url);
  return parsed.dialect === 'sqlite' ? openSqlite(s, parsed.path, options) : openPostgres(s, parsed);
}
