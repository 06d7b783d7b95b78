/**
 * A private Redis server for tests and `npm run bench -- --executor queue`: Debian's redis-server
 * (installed with apt-get first when missing and this runs as root), on a free loopback port,
 * without persistence, so that a restart loses everything the broker held, the worst case Gale
 * must survive.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createConnection } from 'node:net';
import { freePort } from './free-port.js';

const BINARY = '/usr/bin/redis-server';

function ensureInstalled(): void {
  if (existsSync(BINARY)) return;
  if (process.getuid?.() !== 0) {
    throw new Error('Redis is not installed: run "sudo apt-get install -y redis-server" and try again');
  }
  execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'redis-server'], {
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    stdio: 'ignore',
  });
}

async function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' }, () => {
      socket.write('PING\r\n');
    });
    socket.once('data', (d) => {
      socket.destroy();
      resolve(d.toString().startsWith('+PONG'));
    });
    socket.once('error', () => resolve(false));
  });
}

export interface RedisServer {
  url: string;
  port: number;
  /** kill -9 and wait until it is gone */
  kill(): Promise<void>;
  /** start again on the same port, empty */
  start(): Promise<void>;
}

export async function startRedis(): Promise<RedisServer> {
  ensureInstalled();
  const port = await freePort();
  let child: ChildProcess | null = null;
  const server: RedisServer = {
    url: `redis://127.0.0.1:${port}/0`,
    port,
    async start() {
      child = spawn(
        BINARY,
        [
          '--port',
          String(port),
          '--bind',
          '127.0.0.1',
          '--save',
          '',
          '--appendonly',
          'no',
          '--daemonize',
          'no',
        ],
        { stdio: 'ignore' },
      );
      const deadline = Date.now() + 15_000;
      while (!(await answers(port))) {
        if (Date.now() > deadline) throw new Error(`redis-server did not answer on port ${port}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async kill() {
      const c = child;
      child = null;
      if (!c || c.exitCode !== null) return;
      const gone = new Promise((r) => c.once('exit', r));
      c.kill('SIGKILL');
      await gone;
    },
  };
  await server.start();
  return server;
}
