/**
 * The commands an install runs before the services start (the Helm chart's jobs and init
 * containers), through the built `gale`: `gale db check --wait` waits for the migrations and for an
 * unreachable database, then fails with a clear message; `gale users create --if-not-exists` is a
 * no-op for a user that exists, so the create-user job can run on every upgrade.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../src/bench/services/index.js';
import { type GaleHome, makeGaleHome, waitFor } from '../support/gale-home.js';

describe('install commands', () => {
  let g: GaleHome;
  afterEach(() => g?.cleanup());

  it('db check --wait: waits until the database is migrated, then exits 0', {
    timeout: 120_000,
  }, async () => {
    g = makeGaleHome();
    const check = g.start(['db', 'check', '--wait', '90']);
    await waitFor(() => check.output().includes('Waiting for the database: Missing migrations'), {
      what: 'the check to wait for migrations',
      seen: () => check.output(),
    });
    expect(check.child.exitCode).toBeNull();
    expect(g.gale(['db', 'migrate']).code).toBe(0);
    await waitFor(() => check.child.exitCode !== null, {
      what: 'the check to end',
      seen: () => check.output(),
    });
    expect(check.child.exitCode).toBe(0);
    expect(check.output()).toContain('Database is up to date');
  });

  it('db check --wait: a database never migrated fails after the wait, naming the missing migrations', () => {
    g = makeGaleHome();
    const started = Date.now();
    const r = g.gale(['db', 'check', '--wait', '1']);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/The database was not ready after 1s \(\d+ tries\): Missing migrations/);
    expect(r.stderr).toContain('gale db migrate');
    // without --wait: one look
    const once = g.gale(['db', 'check']);
    expect(once.code).toBe(1);
    expect(once.stderr).toMatch(/^.*Missing migrations/);
    expect(once.stderr).not.toContain('Waiting');
  });

  it('db check --wait: an unreachable database fails after the wait, naming it', async () => {
    g = makeGaleHome();
    const url = `postgresql://gale:secret@127.0.0.1:${await freePort()}/gale`;
    const r = g.gale(['db', 'check', '--wait', '1'], { GALE__DATABASE__URL: url });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Waiting for the database: Cannot use the metadata database/);
    expect(r.stderr).toMatch(
      /The database was not ready after 1s \(\d+ tries\): Cannot use the metadata database/,
    );
    expect(r.stderr).not.toContain('secret');
    expect(r.stderr).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
    const bad = g.gale(['db', 'check', '--wait', 'soon']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('--wait takes a number of seconds');
  });

  it('users create --if-not-exists: creates a missing user, leaves an existing one as it is', () => {
    g = makeGaleHome();
    expect(g.gale(['db', 'migrate']).code).toBe(0);
    const create = (more: string[], password: string) =>
      g.gale(['users', 'create', '-u', 'admin', '--password-stdin', ...more], {}, `${password}\n`);
    const first = create(['-r', 'Admin', '--if-not-exists'], 'first-Password-1');
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain('User admin created with role Admin');
    const plain = create(['-r', 'Viewer'], 'second-Password-2');
    expect(plain.code).toBe(1);
    expect(plain.stderr).toContain('already exists');
    const again = create(['-r', 'Viewer', '--if-not-exists'], 'second-Password-2');
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('User admin already exists; left unchanged (--if-not-exists)');
    const users = JSON.parse(g.gale(['users', 'list', '-o', 'json']).stdout) as {
      username: string;
      role: string;
    }[];
    expect(users.map((u) => [u.username, u.role])).toEqual([['admin', 'Admin']]);
  });
});
