/**
 * Gale runs on every Node.js LTS it supports, not only the one this repository was installed with
 * (20): the built CLI (dist/) run by real Node.js 22 and 24 binaries prints its version, migrates
 * a fresh SQLite metadata database and runs an example DAG with `gale dags test`, its tasks run
 * by that Node.js. SQLite's driver, better-sqlite3, is a native addon tied to one Node.js ABI: each
 * major gets the addon compiled for it (what `npm install` or `npm rebuild better-sqlite3` does on
 * that Node.js); the addon of another major is refused with a message that says how to fix it.
 * Both run DAG files' module hooks in the importing thread (module.registerHooks).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ensureNode,
  type GaleInstallation,
  installGaleFor,
  NODE_VERSIONS,
  type NodeMajor,
  type NodeRelease,
} from '../support/node-versions.js';

const ROOT = resolve(import.meta.dirname, '../..');
const { version: GALE_VERSION } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  version: string;
};

/**
 * A DAG whose task reports which Node.js runs it, and how many worker threads its process has:
 * none where Node.js runs module hooks in the importing thread (module.registerHooks, 22.15 and
 * later), where the DAG file's hooks would otherwise have started one.
 */
const WHICH_NODE_DAG = `
import { dag, task } from 'gale/sdk';
const which = task('which_node', () => ({
  node: process.versions.node,
  workers: process.report.getReport().workers.length,
}));
dag({ dagId: 'which_node', schedule: null }, () => { which(); });
`;

const majors = Object.keys(NODE_VERSIONS).map(Number) as NodeMajor[];

describe.each(majors)('Gale on Node.js %i', (major) => {
  let node: NodeRelease;
  let install: GaleInstallation;
  let home: string;

  const gale = (args: string[], cli = install.cli) => {
    const r = spawnSync(node.bin, [cli, ...args], {
      encoding: 'utf8',
      timeout: 180_000,
      env: {
        PATH: process.env.PATH,
        HOME: home,
        GALE_HOME: home,
        GALE__CORE__LOAD_EXAMPLES: 'true',
        GALE__CORE__DAGS_FOLDER: join(home, 'dags'),
      },
    });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), `gale-node${major}-home-`));
    mkdirSync(join(home, 'dags'));
    writeFileSync(join(home, 'dags', 'which_node.ts'), WHICH_NODE_DAG);
    node = await ensureNode(major);
    install = await installGaleFor(node);
    console.log(
      `Node.js ${node.version} (ABI ${node.abi}): binary ${node.setupSeconds} s, better-sqlite3 compiled in ${install.addonSeconds} s (0 = cached)`,
    );
  }, 1_200_000);

  afterAll(() => {
    install?.remove();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('is the Node.js asked for, with an ABI of its own', () => {
    expect(node.version.split('.')[0]).toBe(String(major));
    expect(node.abi).not.toBe(process.versions.modules);
  });

  it('prints its version', () => {
    const r = gale(['--version']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(GALE_VERSION);
  });

  it("refuses the repository's better-sqlite3 (built for another ABI), saying how to fix it", () => {
    const r = gale(['db', 'migrate'], join(ROOT, 'dist', 'cli', 'main.js'));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`NODE_MODULE_VERSION ${process.versions.modules}`);
    expect(r.stderr).toContain(`NODE_MODULE_VERSION ${node.abi}`);
    expect(r.stderr).toMatch(/npm rebuild/);
  });

  it('migrates a fresh SQLite database with better-sqlite3 built for it', () => {
    const r = gale(['db', 'migrate']);
    expect(r.code, r.stderr).toBe(0);
    const check = gale(['db', 'check']);
    expect(check.code, check.stderr + check.stdout).toBe(0);
  });

  it('runs the example DAG example_etl with `gale dags test`', () => {
    const r = gale(['dags', 'test', 'example_etl', '--logical-date', '2026-01-01T00:00:00Z']);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    for (const taskId of ['extract', 'transform', 'load']) {
      expect(r.stdout).toMatch(new RegExp(`^${taskId}\\s*\\|\\s*success\\s*\\|\\s*1`, 'm'));
    }
    expect(r.stdout).toMatch(/DAG run dags_test__2026-01-01T00:00:00\.000Z: success/);
  });

  it('runs its tasks on this Node.js', () => {
    const r = gale(['dags', 'test', 'which_node']);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toContain(`"node":"${node.version}"`);
  });

  it('loads DAG files with module hooks in the importing thread (no hooks thread to start)', () => {
    const r = gale(['dags', 'test', 'which_node']);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toContain('"workers":0');
  });
});
