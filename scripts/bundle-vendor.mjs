/**
 * Bundles Kysely into one file, dist/vendor/kysely.js, which Gale's code imports as `#kysely`
 * (package.json "imports"). Kysely ships about 260 ES modules; Node.js resolves, reads and compiles
 * each on every process start, which cost about 100 ms of CPU in each CLI command, service and
 * task process. The one file loads in about 20 ms. Types still come from the kysely package
 * (tsconfig "paths"; dist/vendor/kysely.d.ts re-exports them for the built declarations).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));
// kysely/dist/cjs/index.js: its package folder is three levels up
const pkgDir = join(dirname(require.resolve('kysely')), '..', '..');
const { version } = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
const license = readFileSync(join(pkgDir, 'LICENSE'), 'utf8').trim();
const out = join(root, 'dist', 'vendor');
mkdirSync(out, { recursive: true });
buildSync({
  entryPoints: ['kysely'],
  absWorkingDir: root,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  outfile: join(out, 'kysely.js'),
  banner: { js: `/*! Kysely ${version}, bundled by scripts/bundle-kysely.mjs.\n${license}\n*/` },
  logLevel: 'warning',
});
writeFileSync(join(out, 'kysely.d.ts'), "export * from 'kysely';\n");
