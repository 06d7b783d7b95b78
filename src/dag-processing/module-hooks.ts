/**
 * Node.js module hooks for DAG files: TypeScript (.ts .mts .cts) is compiled on the fly with
 * esbuild, `gale` and `gale/sdk` resolve to this installation's SDK wherever the DAG folder is,
 * and .js files in DAG folders load as ES modules. Registered by loadDagModule(); runs in Node's
 * hooks thread, so it must stay small and free of Gale's other modules.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

interface HookData {
  sdkUrl: string;
  /** where compiled files are kept by content hash, so each version is compiled once */
  cacheDir: string | null;
  /** load esbuild when the hooks start, not at the first file to compile (parse processes) */
  preloadCompiler?: boolean;
}

interface ResolveContext {
  parentURL?: string;
  conditions: string[];
}
interface ResolveResult {
  url: string;
  format?: string | null;
  shortCircuit?: boolean;
}
interface LoadContext {
  format?: string | null;
}
interface LoadResult {
  format: string;
  source?: string | ArrayBuffer | Uint8Array;
  shortCircuit?: boolean;
}

let sdkUrl = '';
let cacheDir: string | null = null;
let compiler: Promise<typeof import('esbuild')> | null = null;

export function initialize(data: HookData): void {
  sdkUrl = data.sdkUrl;
  cacheDir = data.cacheDir;
  if (data.preloadCompiler) compiler = import('esbuild');
}

async function compile(path: string, source: string, isTs: boolean): Promise<string> {
  const key = createHash('sha256').update(path).update('\0').update(source).digest('hex').slice(0, 40);
  const cached = cacheDir ? join(cacheDir, `${key}.mjs`) : null;
  if (cached) {
    try {
      return await readFile(cached, 'utf8');
    } catch {
      // not compiled yet
    }
  }
  // loaded on the first file to compile (unless preloaded): a task process finds its DAG file
  // compiled already
  compiler ??= import('esbuild');
  const { transform } = await compiler;
  const result = await transform(source, {
    loader: isTs ? 'ts' : 'js',
    format: 'esm',
    target: 'node20',
    sourcemap: 'inline',
    sourcefile: path,
  });
  if (cached && cacheDir) {
    try {
      await mkdir(cacheDir, { recursive: true });
      const tmp = `${cached}.${process.pid}.tmp`;
      await writeFile(tmp, result.code);
      await rename(tmp, cached);
    } catch {
      // a cache that cannot be written only costs time
    }
  }
  return result.code;
}

const TS = /\.(ts|mts|cts)$/;

export async function resolve(
  specifier: string,
  context: ResolveContext,
  next: (specifier: string, context: ResolveContext) => Promise<ResolveResult>,
): Promise<ResolveResult> {
  if (specifier === 'gale' || specifier === 'gale/sdk') return { url: sdkUrl, shortCircuit: true };
  try {
    return await next(specifier, context);
  } catch (error) {
    // TypeScript authors write './helpers.js' for './helpers.ts', or leave the extension off.
    const relative = specifier.startsWith('./') || specifier.startsWith('../');
    if (!relative || !context.parentURL?.startsWith('file:')) throw error;
    const candidates = specifier.endsWith('.js')
      ? [specifier.replace(/\.js$/, '.ts'), specifier.replace(/\.js$/, '.mts')]
      : [`${specifier}.ts`, `${specifier}.mts`, `${specifier}/index.ts`];
    for (const candidate of candidates) {
      try {
        return await next(candidate, context);
      } catch {
        // try the next candidate
      }
    }
    throw error;
  }
}

export async function load(
  url: string,
  context: LoadContext,
  next: (url: string, context: LoadContext) => Promise<LoadResult>,
): Promise<LoadResult> {
  if (!url.startsWith('file:') || url.includes('/node_modules/')) return next(url, context);
  const bare = url.replace(/[?#].*$/, '');
  const isTs = TS.test(bare);
  const isJs = /\.(js|mjs)$/.test(bare);
  if (!isTs && !isJs) return next(url, context);
  const path = fileURLToPath(bare);
  const source = await readFile(path, 'utf8');
  if (isJs && !source.includes('import') && !source.includes('export')) return next(url, context);
  return { format: 'module', source: await compile(path, source, isTs), shortCircuit: true };
}
