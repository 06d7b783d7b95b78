/**
 * The LogStore contract, which every log store passes: the local one, the one that reads from the
 * workers' log servers (against a real log server), and the fallback that chains them. Byte ranges
 * from an offset, the whole size, a log that grows while it is followed, null for a log that does
 * not exist, and no path outside the log folder. Then what is particular to reading from workers:
 * an unreachable or refusing worker is a clear GALE_ERR_LOG_UNAVAILABLE, stale registrations are
 * skipped. And chunks cut at a byte limit never end inside a UTF-8 character.
 */
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  completeUtf8Length,
  FallbackLogStore,
  LocalLogStore,
  type LogLocation,
  type LogStore,
} from '../../../src/api/log-store.js';
import { WorkerLogStore } from '../../../src/api/worker-log-store.js';
import { GaleError } from '../../../src/models/index.js';
import { startWorkerLogServer, type WorkerLogServer } from '../../../src/task-logs/index.js';

const SECRET = 'a-secret-key-of-the-log-store-test-0123456789';
const log = pino({ level: 'silent' });
const root = mkdtempSync(join(tmpdir(), 'gale-log-store-'));
const localFolder = join(root, 'api-logs');
const workerFolder = join(root, 'worker-logs');
const emptyFolder = join(root, 'empty');
for (const f of [localFolder, workerFolder, emptyFolder]) mkdirSync(f);

let server: WorkerLogServer;
/** a port where nothing listens: a worker that is gone */
let deadUrl: string;
beforeAll(async () => {
  server = await startWorkerLogServer({
    host: '127.0.0.1',
    port: 0,
    baseFolder: workerFolder,
    secretKey: SECRET,
    log,
  });
  const dead = await startWorkerLogServer({
    host: '127.0.0.1',
    port: 0,
    baseFolder: emptyFolder,
    secretKey: SECRET,
    log,
  });
  deadUrl = dead.url;
  await dead.close();
});
afterAll(async () => {
  await server?.close();
  rmSync(root, { recursive: true, force: true });
});

const onWorker = (relativePath: string): LogLocation => ({
  relativePath,
  hostname: 'worker-1',
  isOnWorker: true,
});
const workerStore = (urls: () => string[], secretKey = SECRET) =>
  new WorkerLogStore({ secretKey, logServersOn: async (host) => (host === 'worker-1' ? urls() : []) });

function writer(folder: string) {
  return (name: string, text: string, append = false): LogLocation => {
    const path = join(folder, name);
    mkdirSync(dirname(path), { recursive: true });
    if (append) appendFileSync(path, text);
    else writeFileSync(path, text);
    return onWorker(name);
  };
}

/** Each store, with a way to put a log where it reads. */
const stores: { name: string; store: () => LogStore; put: ReturnType<typeof writer> }[] = [
  { name: 'LocalLogStore', store: () => new LocalLogStore(localFolder), put: writer(localFolder) },
  { name: 'WorkerLogStore', store: () => workerStore(() => [server.url]), put: writer(workerFolder) },
  {
    name: 'FallbackLogStore (local, then workers)',
    store: () =>
      new FallbackLogStore([new LocalLogStore(emptyFolder), workerStore(() => [deadUrl, server.url])]),
    put: writer(workerFolder),
  },
];

describe.each(stores)('$name', ({ name, store, put }) => {
  const dir = `dag_id=${name.split(' ')[0]}/run_id=r/task_id=t`;

  it('reads from an offset, at most maxBytes, and says the whole size', async () => {
    const at = put(`${dir}/attempt=1.log`, 'line one\nline two\n');
    const all = await store().read(at, 0, 1024);
    expect(all?.data.toString()).toBe('line one\nline two\n');
    expect(all?.size).toBe(18);
    const part = await store().read(at, 5, 3);
    expect(part?.data.toString()).toBe('one');
    expect(part?.size).toBe(18);
  });

  it('gives nothing from the end or beyond it', async () => {
    const at = put(`${dir}/attempt=2.log`, 'abc');
    expect((await store().read(at, 3, 10))?.data.length).toBe(0);
    expect((await store().read(at, 99, 10))?.data.length).toBe(0);
  });

  it('follows a log that grows: asked again from where it ended, it gives what was added', async () => {
    const at = put(`${dir}/attempt=3.log`, 'first\n');
    const first = await store().read(at, 0, 1024);
    put(`${dir}/attempt=3.log`, 'second\n', true);
    const next = await store().read(at, first?.size ?? 0, 1024);
    expect(next?.data.toString()).toBe('second\n');
    expect(next?.size).toBe(13);
  });

  it('keeps bytes as they are (a chunk may end inside a character)', async () => {
    const at = put(`${dir}/attempt=4.log`, 'a€b');
    expect((await store().read(at, 0, 2))?.data).toEqual(Buffer.from('a€b').subarray(0, 2));
  });

  it('says null for a log that does not exist', async () => {
    expect(await store().read(onWorker(`${dir}/attempt=99.log`), 0, 10)).toBeNull();
  });

  it.each(['../outside.log', '/etc/passwd.log', 'a/../../outside.log', 'dag_id=d/not-a-log.txt'])(
    'refuses %s: nothing outside the log folder is read',
    async (path) => {
      await expect(store().read(onWorker(path), 0, 10)).rejects.toMatchObject({
        code: 'GALE_ERR_INVALID_REQUEST',
      });
    },
  );
});

describe('WorkerLogStore', () => {
  const put = writer(workerFolder);

  it('answers null, asking no worker, for a try that did not run on one', async () => {
    let asked = 0;
    const store = new WorkerLogStore({
      secretKey: SECRET,
      logServersOn: async () => {
        asked++;
        return [server.url];
      },
    });
    const at = put('dag_id=w/run_id=r/task_id=t/attempt=1.log', 'x');
    expect(await store.read({ ...at, isOnWorker: false }, 0, 10)).toBeNull();
    expect(await store.read({ ...at, hostname: null }, 0, 10)).toBeNull();
    expect(asked).toBe(0);
  });

  it('says "Could not read served logs" with the reason when the worker is unreachable', async () => {
    const at = put('dag_id=w/run_id=r/task_id=t/attempt=2.log', 'x');
    const error = await workerStore(() => [deadUrl])
      .read(at, 0, 10)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GaleError);
    expect(error).toMatchObject({ code: 'GALE_ERR_LOG_UNAVAILABLE' });
    expect((error as GaleError).message).toMatch(
      /^Could not read served logs from the worker on host "worker-1"/,
    );
    expect((error as GaleError).message).toContain('ECONNREFUSED');
    expect((error as GaleError).hint).toContain('logging.worker_log_server_port');
  });

  it('says so when no running worker on the host has a log server', async () => {
    const at = put('dag_id=w/run_id=r/task_id=t/attempt=3.log', 'x');
    await expect(workerStore(() => []).read(at, 0, 10)).rejects.toMatchObject({
      code: 'GALE_ERR_LOG_UNAVAILABLE',
      message: expect.stringContaining('no running worker on host "worker-1"'),
    });
  });

  it('says the worker refused (HTTP 403) when the secret keys differ', async () => {
    const at = put('dag_id=w/run_id=r/task_id=t/attempt=4.log', 'x');
    await expect(
      workerStore(() => [server.url], 'another-secret-key-of-32-characters-or-more').read(at, 0, 10),
    ).rejects.toMatchObject({
      code: 'GALE_ERR_LOG_UNAVAILABLE',
      message: expect.stringMatching(/HTTP 403: The log token is not valid/),
    });
  });

  it('skips stale registrations: a gone worker before the live one, or after it', async () => {
    const at = put('dag_id=w/run_id=r/task_id=t/attempt=5.log', 'live');
    expect((await workerStore(() => [deadUrl, server.url]).read(at, 0, 10))?.data.toString()).toBe('live');
    const missing = onWorker('dag_id=w/run_id=r/task_id=t/attempt=6.log');
    // the live worker says it has no such log (yet): that is the answer, not the gone one's silence
    expect(await workerStore(() => [server.url, deadUrl]).read(missing, 0, 10)).toBeNull();
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
