/**
 * Test support: Gale's own container image, built from the repository's Dockerfile with podman
 * (never pulling: the base image is made locally by ensurePodman()), and containers of it run
 * beside the tests on the host's network, each removed with its anonymous volumes afterwards.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { withCacheLock } from './cache-lock.js';
import { ensurePodman, hostCaBuildArgs, PODMAN_CACHE, podman, podmanOk } from './podman.js';

export const GALE_IMAGE = 'localhost/gale:test';
const ROOT = resolve(import.meta.dirname, '../..');

export interface BuiltImage {
  image: string;
  /** the OCI labels it was built with */
  version: string;
  revision: string;
  created: string;
  buildSeconds: number;
  sizeBytes: number;
}

/** The tag of the image built on a Node.js major: GALE_IMAGE for the default (22). */
export function galeImageTag(nodeMajor: number): string {
  return nodeMajor === 22 ? GALE_IMAGE : `${GALE_IMAGE}-node${nodeMajor}`;
}

/**
 * Builds the Dockerfile into GALE_IMAGE, or galeImageTag(nodeMajor) on another Node.js major
 * (layers cached between runs; minutes the first time, and again when package.json or the
 * sources change). One test file builds at a time; the image it replaces is removed unless a
 * container still uses it.
 */
export async function buildGaleImage(nodeMajor = 22): Promise<BuiltImage> {
  await ensurePodman(nodeMajor);
  return withCacheLock(PODMAN_CACHE, 'gale-image', () => build(nodeMajor, galeImageTag(nodeMajor)));
}

async function build(nodeMajor: number, tag: string): Promise<BuiltImage> {
  const before = await podman(['image', 'inspect', '--format', '{{.Id}}', tag]);
  const { version } = JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8')) as { version: string };
  const git = spawnSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, encoding: 'utf8' });
  const revision = git.status === 0 ? git.stdout.trim() : 'unknown';
  const created = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const started = Date.now();
  await podmanOk(
    [
      'build',
      '--pull=never',
      // HEALTHCHECK is part of Docker's image format only; podman's default (OCI) drops it
      '--format=docker',
      ...hostCaBuildArgs(),
      '--build-arg',
      `NODE_MAJOR=${nodeMajor}`,
      '--build-arg',
      `VERSION=${version}`,
      '--build-arg',
      `REVISION=${revision}`,
      '--build-arg',
      `CREATED=${created}`,
      '-t',
      tag,
      '.',
    ],
    { cwd: ROOT, timeoutMs: 1_200_000 },
  );
  const buildSeconds = Math.round((Date.now() - started) / 1000);
  const [id, size] = (await podmanOk(['image', 'inspect', '--format', '{{.Id}} {{.Size}}', tag]))
    .trim()
    .split(' ');
  const oldId = before.code === 0 ? before.stdout.trim() : '';
  if (oldId && oldId !== id) await podman(['rmi', oldId]);
  return { image: tag, version, revision, created, buildSeconds, sizeBytes: Number(size) };
}

export interface ContainerOptions {
  env?: Record<string, string | undefined>;
  /** host path → container path */
  mounts?: Record<string, string>;
  entrypoint?: string;
  /** default GALE_IMAGE */
  image?: string;
}

function runArgs(name: string, options: ContainerOptions): string[] {
  const args = [
    '--name',
    name,
    '--network=host',
    // only the image's declared volumes are writable: no tmpfs podman would add on its own
    '--read-only',
    '--read-only-tmpfs=false',
  ];
  for (const [key, value] of Object.entries(options.env ?? {})) {
    if (value !== undefined) args.push('-e', `${key}=${value}`);
  }
  for (const [host, inside] of Object.entries(options.mounts ?? {})) args.push('-v', `${host}:${inside}`);
  if (options.entrypoint) args.push('--entrypoint', options.entrypoint);
  return args;
}

/** Containers started by one test file, all removed (with their volumes) by removeAll(). */
export class Containers {
  readonly #prefix: string;
  readonly #names: string[] = [];

  constructor(prefix: string) {
    this.#prefix = prefix;
  }

  name(service: string): string {
    return `${this.#prefix}-${service}`;
  }

  /** Runs `gale <command...>` (or the entrypoint given) to its end; resolves with its result. */
  async run(service: string, command: string[], options: ContainerOptions = {}) {
    const name = this.name(service);
    this.#names.push(name);
    const image = options.image ?? GALE_IMAGE;
    const result = await podman(['run', ...runArgs(name, options), image, ...command], {
      timeoutMs: 300_000,
    });
    await podman(['rm', '-f', '-v', name]);
    return result;
  }

  /** Starts `gale <command...>` in the background. */
  async start(service: string, command: string[], options: ContainerOptions = {}): Promise<string> {
    const name = this.name(service);
    this.#names.push(name);
    await podmanOk(['run', '-d', ...runArgs(name, options), options.image ?? GALE_IMAGE, ...command]);
    return name;
  }

  /** The last lines of every container's output, for a failed test's report. */
  async logs(): Promise<string> {
    const parts: string[] = [];
    for (const name of this.#names) {
      const r = await podman(['logs', '--tail', '40', name]);
      parts.push(`--- ${name} ---\n${r.stdout}${r.stderr}`);
    }
    return parts.join('\n');
  }

  async removeAll(): Promise<void> {
    for (const name of this.#names.splice(0)) await podman(['rm', '-f', '-v', '-t', '2', name]);
  }
}
