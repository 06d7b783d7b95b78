/**
 * Gale on Node.js 24, the newer of the two LTS lines it supports (container-image.test.ts covers
 * 22): the real Dockerfile built with NODE_MAJOR=24 (its base made locally from the Node.js 24 npm
 * package, better-sqlite3 compiled against it), then, in a container of it with a read-only root
 * filesystem, the database migrated and an example DAG run end to end with `gale dags test`:
 * SQLite, the TypeScript DAG file compiled, each task run and its output handed on.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BuiltImage, buildGaleImage, Containers } from '../support/gale-image.js';

describe('the container image on Node.js 24', () => {
  let built: BuiltImage;
  const boxes = new Containers(`gale-e2e-node24-${process.pid}`);

  beforeAll(async () => {
    built = await buildGaleImage(24);
  }, 1_800_000);

  afterAll(async () => {
    await boxes.removeAll();
  });

  it('runs Node.js 24, migrates SQLite and runs an example DAG with gale dags test', {
    timeout: 300_000,
  }, async () => {
    const node = await boxes.run('node', ['--version'], { image: built.image, entrypoint: 'node' });
    expect(node.code, node.stderr).toBe(0);
    expect(node.stdout.trim()).toMatch(/^v24\./);
    const run = await boxes.run('dags-test', ['-c', 'gale db migrate && gale dags test example_etl'], {
      image: built.image,
      entrypoint: 'sh',
      // the root filesystem is read-only: the database goes to a volume of the image
      env: { GALE__DATABASE__URL: 'sqlite:////tmp/gale.db', GALE__CORE__LOAD_EXAMPLES: 'true' },
    });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/DAG run \S+: success/);
    expect(run.stdout).not.toMatch(/\| failed \|/);
  });
});
