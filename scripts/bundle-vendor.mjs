/**
 * Bundles the libraries every Gale process loads at its start into one file each, in dist/vendor/,
 * which Gale's code imports as `#kysely` and `#zod` (package.json "imports"). Node.js resolves,
 * reads and compiles each ES module of a package on every process start: Kysely ships about 260,
 * zod about 95. That cost about 100 ms (Kysely) and 30-40 ms (zod) of CPU in each CLI command,
 * service and task process; one file each loads in a fraction of that. Types still come from the
 * packages (dist/vendor/<name>.d.ts re-exports them). zod keeps its registry and settings on
 * globalThis, and its `instanceof` checks a schema's traits, so schemas made by this copy work
 * with libraries that import the package itself (fastify-type-provider-zod).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));
const out = join(root, 'dist', 'vendor');
mkdirSync(out, { recursive: true });

/** The package's folder: the nearest folder above its entry that holds its package.json. */
function packageDir(name) {
  let dir = dirname(require.resolve(name));
  while (!isPackageOf(dir, name)) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`package.json of ${name} not found`);
    dir = parent;
  }
  return dir;
}

function isPackageOf(dir, name) {
  try {
    return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name === name;
  } catch {
    return false;
  }
}

for (const [name, title] of [
  ['kysely', 'Kysely'],
  ['zod', 'zod'],
]) {
  const pkgDir = packageDir(name);
  const { version } = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
  const license = readFileSync(join(pkgDir, 'LICENSE'), 'utf8').trim();
  buildSync({
    entryPoints: [name],
    absWorkingDir: root,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile: join(out, `${name}.js`),
    banner: { js: `/*! ${title} ${version}, bundled by scripts/bundle-vendor.mjs.\n${license}\n*/` },
    logLevel: 'warning',
  });
  writeFileSync(join(out, `${name}.d.ts`), `export * from '${name}';\n`);
}
