/**
 * Imports a DAG file in this process and returns the DAGs it defined. Only parse processes and
 * task runners call this: it runs user code.
 */
import { statSync } from 'node:fs';
import module from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { resolveGaleHome } from '../config/index.js';
import { GaleError } from '../models/index.js';
import { type Dag, takeDefinedDags } from '../sdk/index.js';
import { type HookData, type SyncHooks, syncHooks } from './module-hooks.js';

let registered = false;

type RegisterHooks = (hooks: SyncHooks) => unknown;

function registerHooks(preloadCompiler = false): void {
  if (registered) return;
  registered = true;
  process.setSourceMapsEnabled(true);
  const data: HookData = {
    sdkUrl: new URL('../sdk/index.js', import.meta.url).href,
    cacheDir: join(resolveGaleHome(process.env), 'cache', 'compiled'),
    ownCodeUrl: new URL('../', import.meta.url).href,
    preloadCompiler,
  };
  // Node.js 22.15 and later run hooks in this thread; Node.js 20 only in a thread of their own
  const inThread = (module as { registerHooks?: RegisterHooks }).registerHooks;
  if (inThread) inThread(syncHooks(data));
  else module.register(new URL('./module-hooks.js', import.meta.url), { data });
}

/**
 * Registers the module hooks now, and has their thread load the TypeScript compiler meanwhile:
 * a parse process compiles most files it imports. (A task process finds its file compiled, and
 * its hooks load the compiler only if they must.)
 */
export function prepareDagCompiler(): void {
  registerHooks(true);
}

export const DAG_FILE_EXTENSIONS = ['.ts', '.mts', '.js', '.mjs'] as const;

// A module is evaluated once per process; a changed file is imported again under a new URL.
const loaded = new Map<string, { mtimeMs: number; dags: Dag[] }>();
let freshLoads = 0;

export interface LoadDagModuleOptions {
  /**
   * Evaluate the file again under a URL of its own, whatever this process imported before: a parse
   * process imports many files, and one may be a module another DAG file already imported.
   */
  fresh?: boolean;
}

export async function loadDagModule(file: string, options: LoadDagModuleOptions = {}): Promise<Dag[]> {
  registerHooks();
  // a direct system call: in a warm task process this runs every try, and the thread pool's
  // round trip of the promise version costs more than the call
  const { mtimeMs } = statSync(file);
  const known = loaded.get(file);
  if (known && known.mtimeMs === mtimeMs && !options.fresh) return known.dags;
  takeDefinedDags();
  const query = options.fresh ? `?parse=${++freshLoads}` : known ? `?v=${mtimeMs}` : '';
  await import(`${pathToFileURL(file).href}${query}`);
  const dags = takeDefinedDags();
  const seen = new Set<string>();
  for (const d of dags) {
    if (seen.has(d.dagId)) {
      throw new GaleError('GALE_ERR_DAG_DUPLICATE_ID', `DAG id "${d.dagId}" is defined twice in ${file}`, {
        hint: 'Give each DAG its own dagId.',
      });
    }
    seen.add(d.dagId);
  }
  if (!options.fresh) loaded.set(file, { mtimeMs, dags });
  return dags;
}

/** Whether this process imported `file` already (then loadDag returns at once unless it changed). */
export function isDagModuleLoaded(file: string): boolean {
  return loaded.has(file);
}

export async function loadDag(file: string, dagId: string): Promise<Dag> {
  const dags = await loadDagModule(file);
  const found = dags.find((d) => d.dagId === dagId);
  if (!found) {
    throw new GaleError('GALE_ERR_DAG_NOT_FOUND', `${file} no longer defines DAG "${dagId}"`, {
      hint: 'The file changed since it was parsed; wait for the DAG processor to parse it again.',
    });
  }
  return found;
}
