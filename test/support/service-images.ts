/**
 * Test support: local stand-ins for the PostgreSQL and Redis images docker-compose.yaml names
 * (postgres:17-bookworm, redis:7.4-bookworm on Docker Hub), for a machine where no registry is
 * reachable. Each is built with podman FROM the locally made Debian bookworm base (ensurePodman())
 * with Debian's own packages (PostgreSQL 15, Redis 7.0) installed by apt during the build, and an
 * entrypoint that honours what the official image offers and the compose file relies on
 * (POSTGRES_USER/PASSWORD/DB, initdb on an empty volume, pg_isready; redis-server options,
 * redis-cli, /data). Their build contexts are test/support/service-images/<name>/.
 *
 * They carry names of their own (localhost/gale-test/...), never the Docker Hub names: their
 * versions differ from the real images', and a test's compose override file points the services
 * at them. Each image is labelled with a hash of its build context and rebuilt only when that
 * changes; a lock keeps two test files from building at once. Never pulls.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { withCacheLock } from './cache-lock.js';
import { ensurePodman, PODMAN_CACHE, podman, podmanOk } from './podman.js';

const CONTEXTS = resolve(import.meta.dirname, 'service-images');
const LABEL = 'gale.test.context-hash';

export const SERVICE_IMAGES = {
  postgres: 'localhost/gale-test/postgres:15-bookworm',
  redis: 'localhost/gale-test/redis:7.0-bookworm',
} as const;
export type ServiceImageName = keyof typeof SERVICE_IMAGES;

export interface ServiceImage {
  image: string;
  /** 0 when the image was cached */
  buildSeconds: number;
}

function contextHash(dir: string, base: string): string {
  const hash = createHash('sha256').update(base);
  for (const file of readdirSync(dir).sort()) hash.update(file).update(readFileSync(join(dir, file)));
  return hash.digest('hex').slice(0, 16);
}

async function build(name: ServiceImageName, base: string): Promise<ServiceImage> {
  const image = SERVICE_IMAGES[name];
  const context = join(CONTEXTS, name);
  const hash = contextHash(context, base);
  const have = await podman([
    'image',
    'inspect',
    '--format',
    `{{.Id}} {{ index .Labels "${LABEL}" }}`,
    image,
  ]);
  const [oldId, oldHash] = have.code === 0 ? have.stdout.trim().split(' ') : [];
  if (oldHash === hash) return { image, buildSeconds: 0 };
  const started = Date.now();
  await podmanOk(
    [
      'build',
      '--pull=never',
      // apt-get reaches Debian's mirror as the host does
      '--network=host',
      '--build-arg',
      `BASE=${base}`,
      '--label',
      `${LABEL}=${hash}`,
      '-f',
      join(context, 'Containerfile'),
      '-t',
      image,
      context,
    ],
    { timeoutMs: 900_000 },
  );
  // the image it replaced is left dangling: remove it (podman refuses while a container uses it)
  if (oldId) await podman(['rmi', oldId]);
  return { image, buildSeconds: Math.round((Date.now() - started) / 1000) };
}

/** Builds (unless cached) the PostgreSQL and Redis stand-ins; resolves with their names and build times. */
export async function buildServiceImages(): Promise<Record<ServiceImageName, ServiceImage>> {
  const base = await ensurePodman();
  return withCacheLock(PODMAN_CACHE, 'service-images', async () => ({
    postgres: await build('postgres', base),
    redis: await build('redis', base),
  }));
}
