/**
 * Node.js module hooks for DAG files: TypeScript (.ts .mts .cts) is compiled on the fly with
 * esbuild, `gale` and `gale/sdk` resolve to this installation's SDK wherever the DAG folder is,
 * and .js files in DAG folders load as ES modules. Gale's own built files load as they are.
 *
 * Two faces of the same rules, registered by loadDagModule(): asynchronous hooks for
 * module.register() (Node.js 20: they run in Node's hooks thread, so this file must stay small and
 * free of Gale's other modules), and synchronous ones for module.registerHooks() (Node.js 22.15
 * and later: they run in the importing thread, which spares each process a thread to start).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TransformOptions } from 'esbuild';

export interface HookData {
  sdkUrl: string;
  /** where compiled files are kept by content hash, so each version is compiled once */
  cacheDir: string | null;
  /** the URL of Gale's built code (dist/): ES modules already, never compiled */
  ownCodeUrl: string;
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
  conditions?: string[];
}
interface LoadResult {
  format: string;
  source?: string | ArrayBuffer | Uint8Array;
  shortCircuit?: boolean;
}

const TS = /\.(ts|mts|cts)$/;

const isGale = (specifier: string) => specifier === 'gale' || specifier === 'gale/sdk';

/**
 * What else a relative specifier that does not resolve may mean: TypeScript authors write
 * './helpers.js' for './helpers.ts', or leave the extension off. None for other specifiers.
 */
function alternatives(specifier: string, context: ResolveContext): string[] {
  const relative = specifier.startsWith('./') || specifier.startsWith('../');
  if (!relative || !context.parentURL?.startsWith('file:')) return [];
  return specifier.endsWith('.js')
    ? [specifier.replace(/\.js$/, '.ts'), specifier.replace(/\.js$/, '.mts')]
    : [`${specifier}.ts`, `${specifier}.mts`, `${specifier}/index.ts`];
}

/** The file behind `url` that these hooks may compile, or null when Node.js loads it itself. */
function candidate(url: string, data: HookData): { path: string; isTs: boolean } | null {
  if (!url.startsWith('file:') || url.includes('/node_modules/') || url.startsWith(data.ownCodeUrl)) {
    return null;
  }
  const bare = url.replace(/[?#].*$/, '');
  const isTs = TS.test(bare);
  if (!isTs && !/\.(js|mjs)$/.test(bare)) return null;
  return { path: fileURLToPath(bare), isTs };
}

/** Plain scripts (no import or export) load as Node.js would load them. */
const needsCompiling = (source: string, isTs: boolean) =>
  isTs || source.includes('import') || source.includes('export');

function cachePath(data: HookData, path: string, source: string): string | null {
  if (!data.cacheDir) return null;
  const key = createHash('sha256').update(path).update('\0').update(source).digest('hex').slice(0, 40);
  return join(data.cacheDir, `${key}.mjs`);
}

const transformOptions = (path: string, isTs: boolean): TransformOptions => ({
  loader: isTs ? 'ts' : 'js',
  format: 'esm',
  target: 'node20',
  sourcemap: 'inline',
  sourcefile: path,
});

// --- asynchronous face: module.register() -------------------------------------------------------

let state: HookData = { sdkUrl: '', cacheDir: null, ownCodeUrl: 'file:///\0' };
let compiler: Promise<typeof import('esbuild')> | null = null;

export function initialize(data: HookData): void {
  state = data;
  if (data.preloadCompiler) compiler = import('esbuild');
}

async function compile(path: string, source: string, isTs: boolean): Promise<string> {
  const cached = cachePath(state, path, source);
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
  const { code } = await transform(source, transformOptions(path, isTs));
  if (cached && state.cacheDir) {
    try {
      await mkdir(state.cacheDir, { recursive: true });
      const tmp = `${cached}.${process.pid}.tmp`;
      await writeFile(tmp, code);
      await rename(tmp, cached);
    } catch {
      // a cache that cannot be written only costs time
    }
  }
  return code;
}

export async function resolve(
  specifier: string,
  context: ResolveContext,
  next: (specifier: string, context: ResolveContext) => Promise<ResolveResult>,
): Promise<ResolveResult> {
  if (isGale(specifier)) return { url: state.sdkUrl, shortCircuit: true };
  try {
    return await next(specifier, context);
  } catch (error) {
    for (const other of alternatives(specifier, context)) {
      try {
        return await next(other, context);
      } catch {
        // try the next one
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
  const file = candidate(url, state);
  if (!file) return next(url, context);
  const source = await readFile(file.path, 'utf8');
  if (!needsCompiling(source, file.isTs)) return next(url, context);
  return { format: 'module', source: await compile(file.path, source, file.isTs), shortCircuit: true };
}

// --- synchronous face: module.registerHooks() ---------------------------------------------------

export interface SyncHooks {
  resolve(
    specifier: string,
    context: ResolveContext,
    next: (specifier: string, context: ResolveContext) => ResolveResult,
  ): ResolveResult;
  load(
    url: string,
    context: LoadContext,
    next: (url: string, context: LoadContext) => LoadResult,
  ): LoadResult;
}

export function syncHooks(data: HookData): SyncHooks {
  const compileSync = (path: string, source: string, isTs: boolean): string => {
    const cached = cachePath(data, path, source);
    if (cached) {
      try {
        return readFileSync(cached, 'utf8');
      } catch {
        // not compiled yet
      }
    }
    // esbuild's CommonJS entry: loaded at the first file to compile, as the asynchronous face
    const { transformSync } = createRequire(import.meta.url)('esbuild') as typeof import('esbuild');
    const { code } = transformSync(source, transformOptions(path, isTs));
    if (cached && data.cacheDir) {
      try {
        mkdirSync(data.cacheDir, { recursive: true });
        const tmp = `${cached}.${process.pid}.tmp`;
        writeFileSync(tmp, code);
        renameSync(tmp, cached);
      } catch {
        // a cache that cannot be written only costs time
      }
    }
    return code;
  };
  return {
    resolve(specifier, context, next) {
      if (isGale(specifier)) return { url: data.sdkUrl, shortCircuit: true };
      try {
        return next(specifier, context);
      } catch (error) {
        for (const other of alternatives(specifier, context)) {
          try {
            return next(other, context);
          } catch {
            // try the next one
          }
        }
        throw error;
      }
    },
    load(url, context, next) {
      // these hooks also see require(): what a DAG file requires loads as Node.js loads it
      // (the asynchronous hooks of Node.js 20 see only imports)
      if (context.conditions?.includes('require')) return next(url, context);
      const file = candidate(url, data);
      if (!file) return next(url, context);
      const source = readFileSync(file.path, 'utf8');
      if (!needsCompiling(source, file.isTs)) return next(url, context);
      return { format: 'module', source: compileSync(file.path, source, file.isTs), shortCircuit: true };
    },
  };
}
