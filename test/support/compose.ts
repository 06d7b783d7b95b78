/**
 * Test support: a REAL Docker Compose (v2, the `docker compose` plugin's code, as the standalone
 * `docker-compose`), built from source through the Go module proxy at a pinned release (no GitHub
 * release download is reachable here), talking to podman's Docker API (startDockerApi()).
 * The binary is cached in ~/.cache/gale-test/compose/bin, keyed by version; the first build takes
 * a few minutes of CPU.
 *
 * podman 4.3 runs containers' health checks from systemd timers, and this machine has no systemd:
 * nothing would ever run them, and every `condition: service_healthy` would wait forever.
 * HealthcheckDriver stands in for those timers: it runs `podman healthcheck run` (the container's
 * own check, as defined in the compose file) for each container of a project at the interval that
 * container's health check declares. It never marks a container healthy by itself.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { withCacheLock } from './cache-lock.js';
import { type CommandResult, podman, podmanEnv, runCommand } from './podman.js';

export const COMPOSE_VERSION = '2.40.3';
const MODULE = 'github.com/docker/compose/v2';
const CACHE = join(homedir(), '.cache', 'gale-test', 'compose');
const BIN = join(CACHE, 'bin');
/** `docker-compose`, linked to the versioned binary */
export const COMPOSE_BIN = join(BIN, 'docker-compose');
const VERSIONED_BIN = join(BIN, `docker-compose-v${COMPOSE_VERSION}`);

function go(args: string[], cwd: string): string {
  const r = spawnSync('go', args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, CGO_ENABLED: '0' },
    timeout: 60 * 60_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT') {
    throw new Error(
      'Tests of docker-compose.yaml need Go (https://go.dev/dl/) on PATH to build Docker Compose',
    );
  }
  if (r.status !== 0) throw new Error(`go ${args.join(' ')} failed: ${(r.stderr || r.stdout).slice(-3000)}`);
  return r.stdout;
}

/**
 * Builds Compose in a copy of its module. Not `go install module/cmd@version`: Compose's go.mod has
 * `exclude` directives, which Go honours only in the main module, so it refuses that.
 */
function buildCompose(): void {
  const dir = mkdtempSync(join(tmpdir(), 'gale-compose-build-'));
  try {
    writeFileSync(join(dir, 'go.mod'), 'module probe\n');
    const { Dir } = JSON.parse(go(['mod', 'download', '-json', `${MODULE}@v${COMPOSE_VERSION}`], dir)) as {
      Dir: string;
    };
    const src = join(dir, 'src');
    cpSync(Dir, src, { recursive: true });
    spawnSync('chmod', ['-R', 'u+w', src]);
    mkdirSync(BIN, { recursive: true });
    const ldflags = `-s -w -X ${MODULE}/internal.Version=v${COMPOSE_VERSION}`;
    go(['build', '-trimpath', '-ldflags', ldflags, '-o', `${VERSIONED_BIN}.partial`, './cmd'], src);
    spawnSync('mv', [`${VERSIONED_BIN}.partial`, VERSIONED_BIN]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Builds docker-compose unless cached; resolves with the seconds the build took (0 when cached). */
export async function ensureCompose(): Promise<number> {
  const started = Date.now();
  if (!existsSync(VERSIONED_BIN)) {
    // about 10 minutes of CPU on 2 cores: a lock older than an hour is a dead one
    await withCacheLock(CACHE, 'build', () => existsSync(VERSIONED_BIN) || buildCompose(), 60 * 60_000);
  }
  rmSync(COMPOSE_BIN, { force: true });
  symlinkSync(VERSIONED_BIN, COMPOSE_BIN);
  return Math.round((Date.now() - started) / 1000);
}

export interface ComposeProject {
  name: string;
  /** the project directory: .env, ./dags, ./plugins are read from it */
  dir: string;
  /** runs `docker-compose -p <name> --project-directory <dir> -f <files...> <args>` */
  run(args: string[], options?: { timeoutMs?: number }): Promise<CommandResult>;
}

/** A compose project over `files`, talking to the Docker API at `dockerHost`. */
export function composeProject(
  name: string,
  dir: string,
  files: string[],
  dockerHost: string,
): ComposeProject {
  const base = ['-p', name, '--project-directory', dir, ...files.flatMap((f) => ['-f', f])];
  return {
    name,
    dir,
    run: (args, options = {}) =>
      runCommand(COMPOSE_BIN, [...base, ...args], {
        cwd: dir,
        env: podmanEnv({ DOCKER_HOST: dockerHost, COMPOSE_PROGRESS: 'plain', COMPOSE_ANSI: 'never' }),
        timeoutMs: options.timeoutMs ?? 600_000,
      }),
  };
}

interface InspectedHealth {
  Id: string;
  State?: { Running?: boolean };
  Config?: { Healthcheck?: { Test?: string[]; Interval?: number } };
}

/**
 * Runs the health checks of a compose project's containers, as systemd's timers would (see the
 * header). Each running container with a health check is checked every `Interval` it declares.
 */
export class HealthcheckDriver {
  readonly #project: string;
  readonly #due = new Map<string, number>();
  readonly #abort = new AbortController();
  readonly #inFlight = new Map<string, Promise<unknown>>();
  #loop: Promise<void> | undefined;
  /** how many checks ran, per container id */
  readonly runs = new Map<string, number>();

  constructor(project: string) {
    this.#project = project;
  }

  start(): void {
    this.#loop = this.#run();
  }

  async stop(): Promise<void> {
    this.#abort.abort();
    await this.#loop;
    await Promise.all(this.#inFlight.values());
  }

  async #run(): Promise<void> {
    const signal = this.#abort.signal;
    while (!signal.aborted) {
      await this.#tick();
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 1000);
        signal.addEventListener('abort', () => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  async #tick(): Promise<void> {
    const ps = await podman([
      'ps',
      '-q',
      '--no-trunc',
      '--filter',
      `label=com.docker.compose.project=${this.#project}`,
    ]);
    const ids = ps.stdout.split('\n').filter(Boolean);
    if (ids.length === 0) return;
    const inspected = await podman(['inspect', '--format', 'json', ...ids]);
    if (inspected.code !== 0) return; // a container went away between ps and inspect
    const now = Date.now();
    for (const c of JSON.parse(inspected.stdout) as InspectedHealth[]) {
      const test = c.Config?.Healthcheck?.Test ?? [];
      if (!c.State?.Running || test.length === 0 || test[0] === 'NONE') continue;
      const intervalMs = (c.Config?.Healthcheck?.Interval ?? 30e9) / 1e6;
      const due = this.#due.get(c.Id);
      if (due === undefined) this.#due.set(c.Id, now + intervalMs);
      if (due === undefined || due > now || this.#inFlight.has(c.Id)) continue;
      this.#due.set(c.Id, now + intervalMs);
      this.runs.set(c.Id, (this.runs.get(c.Id) ?? 0) + 1);
      // its exit code is the check's result, which podman records in the container's health log
      const check = podman(['healthcheck', 'run', c.Id], { timeoutMs: 60_000 }).finally(() =>
        this.#inFlight.delete(c.Id),
      );
      this.#inFlight.set(c.Id, check);
    }
  }
}
