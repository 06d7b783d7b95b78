/**
 * A service's SQLite checkpoints run in a thread of their own (src/db/wal-checkpoints.ts): its own
 * connection checkpoints only past a backstop, far above what these writes add to the log, so the
 * database file grows only when the thread copies the log into it.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sql } from '#kysely';
import { type GaleDb, openDatabase } from '../../../src/db/index.js';
import { BACKSTOP_PAGES } from '../../../src/db/wal-checkpoints.js';

describe('WAL checkpoints in a thread', () => {
  let dir: string;
  const opened: GaleDb[] = [];
  const open = (checkpointThread: boolean) => {
    const gdb = openDatabase(`sqlite:///${join(dir, `gale-${opened.length}.db`)}`, { checkpointThread });
    opened.push(gdb);
    return gdb;
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'gale-wal-'));
  });
  afterEach(async () => {
    for (const gdb of opened.splice(0)) await gdb.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Writes about 1.5 MB in 50 transactions; returns the database file's path. */
  async function write(gdb: GaleDb): Promise<string> {
    await sql`create table t (id integer primary key, body text)`.execute(gdb.db);
    for (let i = 0; i < 50; i++) {
      await gdb.db.transaction().execute(async (tx) => {
        for (let j = 0; j < 10; j++) await sql`insert into t (body) values (${'x'.repeat(3000)})`.execute(tx);
      });
    }
    return gdb.url.replace('sqlite:///', '');
  }

  it('copies the log into the database file beside the service connection', async () => {
    const gdb = open(true);
    const { rows } = await sql<{ wal_autocheckpoint: number }>`pragma wal_autocheckpoint`.execute(gdb.db);
    expect(rows[0]?.wal_autocheckpoint).toBe(BACKSTOP_PAGES);
    const file = await write(gdb);
    await expect.poll(() => statSync(file).size).toBeGreaterThan(1_000_000);
  });

  it("leaves a one-shot command's connection to SQLite's own checkpoints", async () => {
    const gdb = open(false);
    const { rows } = await sql<{ wal_autocheckpoint: number }>`pragma wal_autocheckpoint`.execute(gdb.db);
    expect(rows[0]?.wal_autocheckpoint).toBe(1000);
  });
});
