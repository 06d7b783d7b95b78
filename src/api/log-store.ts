/**
 * Where the API reads task logs from. Logs are read in byte ranges so that a client can follow a
 * running try (it asks again from where the last answer ended) and a huge log is never read whole.
 * The local store reads the files that executors write under logging.base_log_folder; remote
 * stores (object storage) implement the same interface. A store only reads; it never writes logs.
 */
import { open } from 'node:fs/promises';

export interface LogChunk {
  /** at most the bytes asked for, from the offset asked for */
  data: Buffer;
  /** the log's whole size in bytes when it was read */
  size: number;
}

export interface LogStore {
  /** Up to `maxBytes` bytes of the log at `path` from byte `offset`; null when there is no such log. */
  read(path: string, offset: number, maxBytes: number): Promise<LogChunk | null>;
}

/** Logs as files on this machine (or a volume that every task process writes to). */
export class LocalLogStore implements LogStore {
  async read(path: string, offset: number, maxBytes: number): Promise<LogChunk | null> {
    let file: Awaited<ReturnType<typeof open>>;
    try {
      file = await open(path, 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
    try {
      const { size } = await file.stat();
      const length = Math.max(0, Math.min(maxBytes, size - offset));
      if (length === 0) return { data: Buffer.alloc(0), size };
      const data = Buffer.alloc(length);
      const { bytesRead } = await file.read(data, 0, length, offset);
      return { data: data.subarray(0, bytesRead), size };
    } finally {
      await file.close();
    }
  }
}

/**
 * The length of the longest prefix of `data` that does not end inside a UTF-8 character, so that
 * a chunk cut at a byte limit (or read while the writer is mid-character) decodes cleanly; the
 * cut bytes come with the next chunk.
 */
export function completeUtf8Length(data: Uint8Array): number {
  const end = data.length;
  let start = end - 1;
  // step back over continuation bytes (10xxxxxx) to the last character's first byte
  while (start >= 0 && end - start < 4 && ((data[start] ?? 0) & 0xc0) === 0x80) start--;
  if (start < 0) return end;
  const lead = data[start] ?? 0;
  const needed = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
  return end - start < needed ? start : end;
}
