/**
 * The docker engine: containers through Docker's API with dockerode (Docker itself, or podman's
 * `podman system service`). Containers are addressed by name, so any process reaches the
 * container a try started. It never throws a raw API error: unreachable engines and refusals
 * become GALE_ERR_CONTAINER_ENGINE with what to check.
 */
import { PassThrough, type Readable } from 'node:stream';
import Docker from 'dockerode';
import tar from 'tar-stream';
import { type ContainerExit, GaleError } from '../models/index.js';
import { dockerConnection, dockerCreateOptions, dockerIgnoredFields } from './docker-spec.js';
import type { ContainerEngine, ContainerRef, ContainerSpec, ContainerState, LogLine } from './engine.js';
import { demuxLogBuffer, LineSplitter } from './log-lines.js';

interface ApiError {
  statusCode?: number;
  code?: string;
  json?: { message?: string } | null;
  message?: string;
}

function statusOf(error: unknown): number | undefined {
  return (error as ApiError)?.statusCode;
}

/** No such container: a 404, or podman's 500 for a container removed while it was asked about. */
function isGone(error: unknown): boolean {
  const e = error as ApiError;
  return statusOf(error) === 404 || /no such container/i.test(e?.json?.message ?? e?.message ?? '');
}

export class DockerEngine implements ContainerEngine {
  readonly kind = 'docker';
  readonly #docker: Docker;
  readonly #where: string;

  constructor(dockerHost: string, env: NodeJS.ProcessEnv = process.env) {
    const options = dockerConnection(dockerHost, env);
    this.#docker = new Docker(options);
    this.#where = options.socketPath ?? `${options.protocol}://${options.host}:${options.port}`;
  }

  #fail(what: string, error: unknown): GaleError {
    if (error instanceof GaleError) return error;
    const e = error as ApiError;
    const message = e?.json?.message ?? e?.message ?? String(error);
    const unreachable = ['ENOENT', 'ECONNREFUSED', 'EACCES', 'ETIMEDOUT', 'EHOSTUNREACH'].includes(
      e?.code ?? '',
    );
    return new GaleError(
      'GALE_ERR_CONTAINER_ENGINE',
      `Docker engine at ${this.#where}: ${what}: ${message}`,
      {
        hint: unreachable
          ? 'Start Docker (or `podman system service`), or point containers.docker_host (GALE__CONTAINERS__DOCKER_HOST) at its socket.'
          : "See the engine's message; `docker` (or `podman`) inspects the same containers and images.",
        cause: error,
      },
    );
  }

  ignoredFields(spec: ContainerSpec): string[] {
    return dockerIgnoredFields(spec);
  }

  async ensureImage(image: string, policy: ContainerSpec['imagePullPolicy'], log: (line: string) => void) {
    if (policy !== 'Always') {
      try {
        await this.#docker.getImage(image).inspect();
        return;
      } catch (error) {
        if (statusOf(error) !== 404) throw this.#fail(`inspect image ${image}`, error);
      }
      if (policy === 'Never') {
        throw new GaleError(
          'GALE_ERR_CONTAINER_ENGINE',
          `Image ${image} is not on the engine, and imagePullPolicy is Never`,
          { hint: 'Pull or build the image on the engine first, or use imagePullPolicy IfNotPresent.' },
        );
      }
    }
    log(`Pulling image ${image}`);
    try {
      const stream = await this.#docker.pull(image);
      await new Promise<void>((resolve, reject) => {
        this.#docker.modem.followProgress(stream, (error) => (error ? reject(error) : resolve()));
      });
    } catch (error) {
      throw this.#fail(`pull image ${image}`, error);
    }
  }

  async start(spec: ContainerSpec): Promise<void> {
    const options = dockerCreateOptions(spec);
    try {
      const container = await this.#docker.createContainer(options);
      await container.start();
    } catch (error) {
      throw this.#fail(`start container ${spec.ref.name} from ${spec.image}`, error);
    }
  }

  async inspect(ref: ContainerRef): Promise<ContainerState | null> {
    let info: Docker.ContainerInspectInfo;
    try {
      info = await this.#docker.getContainer(ref.name).inspect();
    } catch (error) {
      if (isGone(error)) return null;
      throw this.#fail(`inspect container ${ref.name}`, error);
    }
    const s = info.State;
    // Only exited (or dead) is an end: created, paused, restarting, and podman's stopping are on
    // their way; a container being removed is gone (podman shows exit code 0 while it removes).
    if (s.Status === 'removing') return null;
    if (s.Status !== 'exited' && s.Status !== 'dead') return { running: true };
    const exit: ContainerExit = {
      exitCode: s.ExitCode,
      oomKilled: s.OOMKilled,
      reason: s.OOMKilled ? 'OOMKilled' : s.ExitCode === 0 ? 'Completed' : s.Error || 'Error',
    };
    return { running: false, exit };
  }

  async logs(ref: ContainerRef, onLine: LogLine, options: { follow: boolean; signal?: AbortSignal }) {
    const container = this.#docker.getContainer(ref.name);
    const out = new LineSplitter((l) => onLine(l, 'stdout'));
    const err = new LineSplitter((l) => onLine(l, 'stderr'));
    try {
      if (!options.follow) {
        const buffer = (await container.logs({ follow: false, stdout: true, stderr: true })) as Buffer;
        for (const frame of demuxLogBuffer(buffer)) (frame.stream === 'stdout' ? out : err).push(frame.data);
        return;
      }
      const stream = (await container.logs({
        follow: true,
        stdout: true,
        stderr: true,
        abortSignal: options.signal,
      })) as Readable;
      const stdout = new PassThrough();
      const stderr = new PassThrough();
      stdout.on('data', (d: Buffer) => out.push(d));
      stderr.on('data', (d: Buffer) => err.push(d));
      this.#docker.modem.demuxStream(stream, stdout, stderr);
      await new Promise<void>((resolve, reject) => {
        stream.once('end', () => resolve());
        stream.once('close', () => resolve());
        stream.once('error', (e) => (options.signal?.aborted ? resolve() : reject(e)));
      });
    } catch (error) {
      if (options.signal?.aborted) return;
      throw this.#fail(`read the output of container ${ref.name}`, error);
    } finally {
      out.flush();
      err.flush();
    }
  }

  async wait(ref: ContainerRef, signal?: AbortSignal): Promise<ContainerExit> {
    try {
      await this.#docker.getContainer(ref.name).wait({ abortSignal: signal });
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      throw this.#fail(`wait for container ${ref.name}`, error);
    }
    const state = await this.inspect(ref);
    if (!state) throw this.#fail(`wait for container ${ref.name}`, new Error('it was removed'));
    if (state.running) throw this.#fail(`wait for container ${ref.name}`, new Error('it still runs'));
    return state.exit;
  }

  async readFile(ref: ContainerRef, path: string): Promise<Buffer | null> {
    let archive: Readable;
    try {
      archive = (await this.#docker.getContainer(ref.name).getArchive({ path })) as unknown as Readable;
    } catch (error) {
      if (statusOf(error) === 404) return null;
      throw this.#fail(`read ${path} from container ${ref.name}`, error);
    }
    return new Promise<Buffer | null>((resolve, reject) => {
      const extract = tar.extract();
      let found: Buffer | null = null;
      extract.on('entry', (header, stream, next) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: unknown) => {
          if (!Buffer.isBuffer(c)) return;
          if (header.type === 'file' && found === null) chunks.push(c);
        });
        stream.on('end', () => {
          if (header.type === 'file' && found === null) found = Buffer.concat(chunks);
          next();
        });
        stream.resume();
      });
      extract.on('finish', () => resolve(found));
      extract.on('error', reject);
      archive.on('error', reject);
      archive.pipe(extract);
    });
  }

  async stop(ref: ContainerRef, graceMs: number): Promise<void> {
    try {
      await this.#docker.getContainer(ref.name).stop({ t: Math.max(0, Math.floor(graceMs / 1000)) });
    } catch (error) {
      // 304: already stopped; 404: gone
      if (statusOf(error) === 304 || isGone(error)) return;
      throw this.#fail(`stop container ${ref.name}`, error);
    }
  }

  async remove(ref: ContainerRef): Promise<void> {
    try {
      await this.#docker.getContainer(ref.name).remove({ force: true, v: true });
    } catch (error) {
      if (isGone(error)) return;
      throw this.#fail(`remove container ${ref.name}`, error);
    }
  }
}
