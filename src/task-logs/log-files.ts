/**
 * Task log files in a log folder (logging.base_log_folder), read in byte ranges. A log is named by
 * its path relative to the folder, '/'-separated ("dag_id=d/run_id=r/task_id=t/attempt=1.log"),
 * and nothing outside the folder is ever read, whatever that path says: no `..`, no absolute path,
 * no symbolic link that leads out. Shared by the API server (its own folder) and each worker's log
 * server (the worker's folder). It never writes.
 */
import { constants } from 'node:fs';
import { open, realpath } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { GaleError } from '../models/index.js';

export interface LogChunk {
  /** at most the bytes asked for, from the offset asked for */
  data: Buffer;
  /** the log's whole size in bytes when it was read */
  size: number;
}

const MAX_PATH_LENGTH = 4096;

/** Whether `path` is `folder` itself or inside it (both absolute and normalized). */
function isInside(folder: string, path: string): boolean {
  const rel = relative(folder, path);
  return rel !== '' && !rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel);
}

/**
 * The segments of a log's path relative to the log folder; throws for a path that is not one:
 * empty, absolute, with an empty, `.` or `..` segment or a NUL byte, or not a `.log` file.
 */
export function logPathSegments(relativePath: string): string[] {
  const segments = relativePath.split('/');
  const isBad =
    relativePath.length === 0 ||
    relativePath.length > MAX_PATH_LENGTH ||
    relativePath.includes('\0') ||
    isAbsolute(relativePath) ||
    !relativePath.endsWith('.log') ||
    segments.some((s) => s === '' || s === '.' || s === '..');
  if (isBad) {
    throw new GaleError(
      'GALE_ERR_INVALID_REQUEST',
      `"${relativePath.slice(0, 200)}" is not the path of a log inside the log folder`,
      {
        hint: 'Name a log by its path relative to logging.base_log_folder, without ".." or a leading "/": dag_id=<dag>/run_id=<run>/task_id=<task>/attempt=<n>.log',
      },
    );
  }
  return segments;
}

/** The absolute path of a log in `baseFolder`, without following links; throws for an unsafe path. */
export function logFilePath(baseFolder: string, relativePath: string): string {
  const base = resolve(baseFolder);
  const path = resolve(base, ...logPathSegments(relativePath));
  if (!isInside(base, path)) {
    // logPathSegments rules this out; kept so that a change there cannot open the whole disk
    throw new GaleError('GALE_ERR_INVALID_REQUEST', 'The log path leads outside the log folder');
  }
  return path;
}

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/**
 * Up to `maxBytes` bytes of the log at `relativePath` in `baseFolder`, from byte `offset`, and the
 * log's size; null when there is no such log. A symbolic link is followed only when it ends inside
 * the folder (GALE_ERR_FORBIDDEN otherwise).
 */
export async function readLogFile(
  baseFolder: string,
  relativePath: string,
  offset: number,
  maxBytes: number,
): Promise<LogChunk | null> {
  const path = logFilePath(baseFolder, relativePath);
  let real: string;
  let realBase: string;
  try {
    realBase = await realpath(resolve(baseFolder));
    real = await realpath(path);
  } catch (error) {
    if (isMissing(error)) return null;
    throw error;
  }
  if (!isInside(realBase, real)) {
    throw new GaleError(
      'GALE_ERR_FORBIDDEN',
      `The log "${relativePath}" links to a file outside the log folder`,
      {
        hint: 'Logs are read only from inside logging.base_log_folder; remove the symbolic link.',
      },
    );
  }
  let file: Awaited<ReturnType<typeof open>>;
  try {
    // O_NOFOLLOW: the resolved file cannot have been swapped for a link since realpath
    file = await open(real, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (error) {
    if (isMissing(error)) return null;
    throw error;
  }
  try {
    const stat = await file.stat();
    if (!stat.isFile()) return null;
    const { size } = stat;
    const start = Math.max(0, offset);
    const length = Math.max(0, Math.min(maxBytes, size - start));
    if (length === 0) return { data: Buffer.alloc(0), size };
    const data = Buffer.alloc(length);
    const { bytesRead } = await file.read(data, 0, length, start);
    return { data: data.subarray(0, bytesRead), size };
  } finally {
    await file.close();
  }
}
