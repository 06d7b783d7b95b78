/**
 * A private PostgreSQL server for the test suite and `npm run bench -- --db postgres`, started
 * from Debian's binaries in a temporary folder on a free loopback port (installed with apt-get
 * first when missing and this runs as root), tuned for speed over durability (fsync off), and
 * removed when stopped. Never for real data.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';

export interface PostgresServer {
  /** URL of the `postgres` maintenance database, as superuser `postgres` */
  adminUrl: string;
  /** URL of a database with `name` on this server */
  urlFor(name: string): string;
  stop(): void;
}

function findBinDir(): string | null {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(root, versions[0], 'bin') : null;
}

function installPostgres(): void {
  if (process.getuid?.() !== 0) {
    throw new Error('PostgreSQL is not installed: run "sudo apt-get install -y postgresql" and try again');
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'postgresql'], {
    env,
    stdio: 'ignore',
  });
}

export async function startPostgres(): Promise<PostgresServer> {
  let bin = findBinDir();
  if (!bin) {
    installPostgres();
    bin = findBinDir();
    if (!bin)
      throw new Error('apt-get installed postgresql but no /usr/lib/postgresql/*/bin/initdb is there');
  }
  const dir = mkdtempSync(join(tmpdir(), 'gale-pg-'));
  const data = join(dir, 'data');
  // PostgreSQL refuses to run as root: then it runs as the postgres user that Debian's package made.
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const pgUser = execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim();
    const pgGroup = execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim();
    chownSync(dir, Number(pgUser), Number(pgGroup));
  }
  const run = (cmd: string, args: string[]) => {
    const full = asRoot
      ? ['runuser', ['-u', 'postgres', '--', join(bin, cmd), ...args]]
      : [join(bin, cmd), args];
    const r = spawnSync(full[0] as string, full[1] as string[], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${cmd} failed (${r.status}): ${r.stderr}${r.stdout}`);
  };
  run('initdb', [
    '-D',
    data,
    '-U',
    'postgres',
    '-A',
    'trust',
    '-E',
    'UTF8',
    '--no-sync',
    '--no-instructions',
  ]);
  const port = await freePort();
  const options = [
    `-p ${port}`,
    `-k ${dir}`,
    '-c listen_addresses=127.0.0.1',
    '-c fsync=off',
    '-c synchronous_commit=off',
    '-c full_page_writes=off',
    '-c max_connections=600',
    '-c shared_buffers=64MB',
  ].join(' ');
  run('pg_ctl', ['-D', data, '-o', options, '-l', join(dir, 'server.log'), '-w', '-t', '60', 'start']);
  const urlFor = (name: string) => `postgresql://postgres@127.0.0.1:${port}/${name}`;
  return {
    adminUrl: urlFor('postgres'),
    urlFor,
    stop() {
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
