/**
 * The LogStore contract, which every log store (the local one now, remote ones later) passes:
 * byte ranges from an offset, the whole size, null for a log that does not exist. And chunks cut
 * at a byte limit never end inside a UTF-8 character.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { completeUtf8Length, LocalLogStore, type LogStore } from '../../../src/api/log-store.js';

const dir = mkdtempSync(join(tmpdir(), 'gale-log-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Each store, with a way to put a log in it. */
const stores: { name: string; store: LogStore; put(name: string, text: string): string }[] = [
  {
    name: 'LocalLogStore',
    store: new LocalLogStore(),
    put(name, text) {
      const path = join(dir, name);
      writeFileSync(path, text);
      return path;
    },
  },
];

describe.each(stores)('$name', ({ store, put }) => {
  it('reads from an offset, at most maxBytes, and says the whole size', async () => {
    const path = put('a.log', 'line one\nline two\n');
    const all = await store.read(path, 0, 1024);
    expect(all?.data.toString()).toBe('line one\nline two\n');
    expect(all?.size).toBe(18);
    const part = await store.read(path, 5, 3);
    expect(part?.data.toString()).toBe('one');
    expect(part?.size).toBe(18);
  });

  it('gives nothing from the end or beyond it', async () => {
    const path = put('b.log', 'abc');
    expect((await store.read(path, 3, 10))?.data.length).toBe(0);
    expect((await store.read(path, 99, 10))?.data.length).toBe(0);
  });

  it('says null for a log that does not exist', async () => {
    expect(await store.read(join(dir, 'missing.log'), 0, 10)).toBeNull();
  });
});

describe('completeUtf8Length', () => {
  const bytes = (s: string) => Buffer.from(s, 'utf8');
  const euro = bytes('€'); // 3 bytes
  const smile = bytes('😀'); // 4 bytes
  it.each([
    ['empty', Buffer.alloc(0), 0],
    ['ASCII', bytes('abc'), 3],
    ['a whole 3-byte character', Buffer.concat([bytes('a'), euro]), 4],
    ['1 of 3 bytes', Buffer.concat([bytes('a'), euro.subarray(0, 1)]), 1],
    ['2 of 3 bytes', Buffer.concat([bytes('a'), euro.subarray(0, 2)]), 1],
    ['a whole 4-byte character', smile, 4],
    ['3 of 4 bytes', Buffer.concat([bytes('ab'), smile.subarray(0, 3)]), 2],
    ['stray continuation bytes', Buffer.from([0x80, 0x80, 0x80, 0x80]), 4],
  ])('%s', (_name, data, expected) => {
    expect(completeUtf8Length(data)).toBe(expected);
  });
});
