/**
 * The metadata database of a test, on the dialect the test project runs with (`GALE_TEST_DB`:
 * sqlite or postgres). Tests read it synchronously through a small subset of better-sqlite3's
 * API (`prepare(sql).all/get/run`, `?` placeholders), on SQLite directly and on PostgreSQL through
 * a worker thread (synckit), so that one test body checks both dialects.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createSyncFn } from 'synckit';
import { inject } from 'vitest';

export type TestDialect = 'sqlite' | 'postgres';

declare module 'vitest' {
  export interface ProvidedContext {
    galeTestPostgresUrl: string;
  }
}

export interface SyncStatement {
  all(...params: unknown[]): unknown[];
  get(...params: unknown[]): unknown;
  run(...params: unknown[]): { changes: number };
}

export interface SyncDb {
  prepare(sql: string): SyncStatement;
  close(): void;
}

type PgOp = { kind: 'query'; url: string; sql: string; params: unknown[] } | { kind: 'close'; url: string };
type PgResult = { rows: unknown[]; rowCount: number } | null;

let pgCall: ((op: PgOp) => PgResult) | null = null;
function pgSync(op: PgOp): PgResult {
  pgCall ??= createSyncFn(join(import.meta.dirname, 'pg-sync-worker.mjs'), { timeout: 60_000 }) as (
    op: PgOp,
  ) => PgResult;
  return pgCall(op);
}

export function testDialect(): TestDialect {
  return process.env.GALE_TEST_DB === 'postgres' ? 'postgres' : 'sqlite';
}

/** `?` placeholders (outside quoted strings) as PostgreSQL's `$1, $2, ...`. */
export function toPgPlaceholders(sql: string): string {
  let n = 0;
  let quoted = false;
  let out = '';
  for (const ch of sql) {
    if (ch === "'") quoted = !quoted;
    out += ch === '?' && !quoted ? `$${++n}` : ch;
  }
  return out;
}

function adminUrl(): string {
  const url = inject('galeTestPostgresUrl');
  if (!url) throw new Error('GALE_TEST_DB=postgres but no PostgreSQL server was started (globalSetup)');
  return url;
}

/** A new, empty database for one GALE_HOME; returns its URL (sqlite: a file in `home`). */
export function createTestDatabase(home: string): string {
  if (testDialect() === 'sqlite') return `sqlite://${join(home, 'gale.db')}`;
  const name = `gale_${randomBytes(6).toString('hex')}`;
  const admin = adminUrl();
  pgSync({ kind: 'query', url: admin, sql: `create database ${name}`, params: [] });
  return admin.replace(/\/postgres$/, `/${name}`);
}

export function dropTestDatabase(url: string): void {
  if (!url.startsWith('postgres')) return;
  pgSync({ kind: 'close', url });
  const name = url.slice(url.lastIndexOf('/') + 1);
  pgSync({ kind: 'query', url: adminUrl(), sql: `drop database if exists ${name} with (force)`, params: [] });
}

export function openSyncDb(url: string): SyncDb {
  if (url.startsWith('sqlite://')) {
    const db = new Database(url.slice('sqlite://'.length), { readonly: true, timeout: 10_000 });
    return {
      prepare: (sql) => {
        const statement = db.prepare(sql);
        return {
          all: (...params) => statement.all(...params),
          get: (...params) => statement.get(...params),
          run: (...params) => ({ changes: statement.run(...params).changes }),
        };
      },
      close: () => db.close(),
    };
  }
  return {
    prepare: (sql) => {
      const text = toPgPlaceholders(sql);
      const query = (params: unknown[]) =>
        pgSync({ kind: 'query', url, sql: text, params }) as { rows: unknown[]; rowCount: number };
      return {
        all: (...params) => query(params).rows,
        get: (...params) => query(params).rows[0],
        run: (...params) => ({ changes: query(params).rowCount }),
      };
    },
    close: () => pgSync({ kind: 'close', url }),
  };
}
