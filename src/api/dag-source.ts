/**
 * Reads a DAG file's source from disk for the API, when the database holds no copy of it. It only
 * ever reads a stored fileloc that lies inside one of the DAG folders, after resolving symbolic
 * links on both sides, so that a path in the database (or a link in the folder) can never make
 * the API server read another file of the machine. It never reads a path a caller names.
 */
import { readFile, realpath, stat } from 'node:fs/promises';
import { isAbsolute, relative } from 'node:path';

/** DAG files are code a person wrote; anything larger is not shown. */
export const MAX_DAG_SOURCE_BYTES = 4 * 1024 * 1024;

async function realOrNull(path: string): Promise<string | null> {
  try {
    return await realpath(path);
  } catch {
    return null;
  }
}

function isInside(folder: string, path: string): boolean {
  const rel = relative(folder, path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}

/**
 * The text of `fileloc` when it is a regular file inside one of `folders` (both after following
 * links) and no larger than MAX_DAG_SOURCE_BYTES; null otherwise, or when it cannot be read.
 */
export async function readDagSourceFile(fileloc: string, folders: readonly string[]): Promise<string | null> {
  if (!isAbsolute(fileloc)) return null;
  const file = await realOrNull(fileloc);
  if (file === null) return null;
  let isAllowed = false;
  for (const folder of folders) {
    const real = await realOrNull(folder);
    if (real !== null && isInside(real, file)) isAllowed = true;
  }
  if (!isAllowed) return null;
  try {
    const info = await stat(file);
    if (!info.isFile() || info.size > MAX_DAG_SOURCE_BYTES) return null;
    return await readFile(file, 'utf8');
  } catch {
    return null;
  }
}
