/**
 * Opens the metadata database from `database.url`. SQLite (better-sqlite3) runs in WAL mode with
 * a busy timeout, and every transaction is `BEGIN IMMEDIATE` so that the several processes that
 * write (scheduler, DAG processor, task runners) queue for the write lock instead of failing
 * with SQLITE_BUSY when a read transaction tries to become a write one.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  Kysely,
  SqliteDialect,
  type SqliteDialectConfig,
  SqliteDriver,
} from 'kysely';
import { GaleError } from '../models/index.js';
import type { Database } from './schema.js';

export type Dialect = 'sqlite';

export interface GaleDb {
  readonly db: Kysely<Database>;
  readonly dialect: Dialect;
  readonly url: string;
  close(): Promise<void>;
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

export function parseDatabaseUrl(url: string): { dialect: Dialect; path: string } {
  const match = /^sqlite:\/\/(.+)$/.exec(url);
  if (match?.[1]) return { dialect: 'sqlite', path: match[1] };
  throw new GaleError('GALE_ERR_CONFIG_INVALID', `Unsupported database.url "${url}"`, {
    hint: 'Use sqlite:///absolute/path/gale.db (PostgreSQL support comes with the production backend).',
  });
}

export function openDatabase(url: string): GaleDb {
  const { dialect, path } = parseDatabaseUrl(url);
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const sqlite = new SqliteDatabase(path, { timeout: 15_000 });
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('busy_timeout = 15000');
  const db = new Kysely<Database>({ dialect: new ImmediateSqliteDialect({ database: sqlite }) });
  return {
    db,
    dialect,
    url,
    close: () => db.destroy(),
  };
}
