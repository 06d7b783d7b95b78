/**
 * A database.url whose SQLite file cannot be made or opened fails with a GaleError that names the
 * file and the setting, not with a Node.js stack (a folder that is a file, a file that is a folder).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../../src/db/index.js';
import { isGaleError } from '../../../src/models/index.js';

describe('opening a SQLite database that cannot be opened', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'gale-open-'));
    writeFileSync(join(dir, 'a-file'), 'not a folder');
    mkdirSync(join(dir, 'a-folder.db'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    ['its folder is a file', 'a-file/gale.db'],
    ['its folder is below a file', 'a-file/sub/gale.db'],
    ['the file is a folder', 'a-folder.db'],
  ])('%s: a clear error naming the file and database.url', (_name, relative) => {
    const path = join(dir, relative);
    let thrown: unknown;
    try {
      openDatabase(`sqlite:///${path}`);
    } catch (error) {
      thrown = error;
    }
    expect(isGaleError(thrown)).toBe(true);
    expect(thrown).toMatchObject({ code: 'GALE_ERR_DB_UNREACHABLE' });
    expect((thrown as Error).message).toContain(path);
    expect((thrown as { hint?: string }).hint).toContain('GALE__DATABASE__URL');
  });
});
