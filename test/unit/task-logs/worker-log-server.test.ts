/**
 * A worker's log server: it answers byte ranges of the logs in its folder, only to a request whose
 * token names that very log, and never a file outside the folder, however the path is written.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSigner } from 'fast-jwt';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GaleError } from '../../../src/models/index.js';
import {
  LOG_SIZE_HEADER,
  LogTokens,
  logServerKey,
  servedLogUrl,
  startWorkerLogServer,
  type WorkerLogServer,
} from '../../../src/task-logs/index.js';

const SECRET = 'a-secret-key-of-the-log-server-test-0123456789';
const log = pino({ level: 'silent' });
const root = mkdtempSync(join(tmpdir(), 'gale-log-server-'));
const folder = join(root, 'logs');
const LOG = 'dag_id=d/run_id=manual__2026-01-01T00:00:00+00:00/task_id=t/attempt=1.log';
const tokens = new LogTokens(SECRET);

let server: WorkerLogServer;
beforeAll(async () => {
  mkdirSync(join(folder, 'dag_id=d/run_id=manual__2026-01-01T00:00:00+00:00/task_id=t'), { recursive: true });
  writeFileSync(join(folder, LOG), 'hello from the worker\n');
  writeFileSync(join(root, 'secret.log'), 'outside the log folder\n');
  symlinkSync(join(root, 'secret.log'), join(folder, 'escape.log'));
  symlinkSync(join(folder, LOG), join(folder, 'inside.log'));
  server = await startWorkerLogServer({
    host: '127.0.0.1',
    port: 0,
    baseFolder: folder,
    secretKey: SECRET,
    log,
  });
});
afterAll(async () => {
  await server?.close();
  rmSync(root, { recursive: true, force: true });
});

/** A raw GET of `path` exactly as written (fetch would normalize "..") with an optional token. */
function get(
  path: string,
  token: string | null,
  method = 'GET',
): Promise<{ status: number; body: string; size: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: server.port,
        path,
        method,
        headers: token ? { authorization: `Bearer ${token}` } : {},
      },
      (res) => {
        let body = '';
        res.on('data', (d: Buffer) => {
          body += d.toString();
        });
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body,
            size: res.headers[LOG_SIZE_HEADER] as string | undefined,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

const urlPath = (relativePath: string, offset = 0, maxBytes = 1024) =>
  servedLogUrl('', relativePath, offset, maxBytes);

describe('the worker log server', () => {
  it('answers a byte range of a log with its whole size', async () => {
    const all = await get(urlPath(LOG), tokens.sign(LOG));
    expect(all).toMatchObject({ status: 200, body: 'hello from the worker\n', size: '22' });
    const part = await get(urlPath(LOG, 6, 4), tokens.sign(LOG));
    expect(part).toMatchObject({ status: 200, body: 'from', size: '22' });
    const end = await get(urlPath(LOG, 50, 4), tokens.sign(LOG));
    expect(end).toMatchObject({ status: 200, body: '', size: '22' });
  });

  it('answers 404 for a log it does not have, and 404 outside /log/', async () => {
    const missing = 'dag_id=d/run_id=r/task_id=t/attempt=9.log';
    expect((await get(urlPath(missing), tokens.sign(missing))).status).toBe(404);
    expect((await get('/metrics', tokens.sign(LOG))).status).toBe(404);
  });

  it('answers 405 to anything but GET and HEAD', async () => {
    expect((await get(urlPath(LOG), tokens.sign(LOG), 'POST')).status).toBe(405);
    expect(await get(urlPath(LOG), tokens.sign(LOG), 'HEAD')).toMatchObject({
      status: 200,
      body: '',
      size: '22',
    });
  });

  it('answers 400 to an offset or max_bytes that is not a whole number in range', async () => {
    for (const query of ['offset=-1', 'offset=x', 'max_bytes=99999999', 'max_bytes=1.5']) {
      expect((await get(`/log/${encodeURIComponent(LOG)}?${query}`, tokens.sign(LOG))).status, query).toBe(
        400,
      );
    }
  });

  it('serves a link that stays inside the folder', async () => {
    expect(await get(urlPath('inside.log'), tokens.sign('inside.log'))).toMatchObject({ status: 200 });
  });
});

describe('the worker log server reads nothing outside its folder', () => {
  it.each([
    ['"..", encoded so that the URL keeps it', `/log/..%2Fsecret.log`, '../secret.log', 400],
    ['".." inside the path', `/log/dag_id=d%2F..%2F..%2Fsecret.log`, 'dag_id=d/../../secret.log', 400],
    [
      'an absolute path',
      `/log/%2F${encodeURIComponent(join(root, 'secret.log').slice(1))}`,
      join(root, 'secret.log'),
      400,
    ],
    ['an empty segment (a second "/")', `/log//secret.log`, '/secret.log', 400],
    ['a file that is not a log', `/log/dag_id=d%2Fx.txt`, 'dag_id=d/x.txt', 400],
    ['a symbolic link to a file outside', `/log/escape.log`, 'escape.log', 403],
  ])('refuses %s, even with a token for it', async (_name, path, claimed, status) => {
    const res = await get(path, tokens.sign(claimed));
    expect(res.status).toBe(status);
    expect(res.body).not.toContain('outside the log folder\n');
  });

  it('never answers "..", which the URL resolves before the server sees it, with a file outside', async () => {
    const res = await get('/log/../secret.log', tokens.sign('../secret.log'));
    expect(res.status).toBe(404);
  });
});

describe('the worker log server answers only to a valid token for the very log', () => {
  const otherKey = logServerKey('another-secret-key-of-32-characters-or-more');
  it.each([
    ['no token', () => null],
    ['a token for another log', () => tokens.sign('dag_id=d/run_id=r/task_id=t/attempt=2.log')],
    [
      'a token signed with another secret key',
      () => new LogTokens('another-secret-key-of-32-characters-xx').sign(LOG),
    ],
    ['an expired token', () => new LogTokens(SECRET, { now: () => Date.now() - 120_000 }).sign(LOG)],
    [
      'an API access token (signed with api.secret_key itself)',
      () =>
        createSigner({ key: SECRET, algorithm: 'HS256', expiresIn: 60_000 })({ sub: 'admin', filename: LOG }),
    ],
    [
      'a token with the right key but the wrong audience',
      () =>
        createSigner({ key: logServerKey(SECRET), algorithm: 'HS256', expiresIn: 60_000 })({ filename: LOG }),
    ],
    [
      'an unsigned token (alg none)',
      () =>
        `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(
          JSON.stringify({ filename: LOG, aud: 'gale:worker-log-server', exp: Date.now() / 1000 + 60 }),
        ).toString('base64url')}.`,
    ],
    ['garbage', () => 'not-a-jwt'],
    [
      'a token of another key derivation',
      () => createSigner({ key: otherKey, algorithm: 'HS256' })({ filename: LOG }),
    ],
  ])('refuses %s with 403', async (_name, token) => {
    const res = await get(urlPath(LOG), token());
    expect(res.status).toBe(403);
    expect(res.body).not.toContain('hello from the worker');
  });

  it('accepts a token from a clock up to 30 s ahead or behind', async () => {
    for (const skew of [-25_000, 25_000]) {
      const skewed = new LogTokens(SECRET, { now: () => Date.now() + skew });
      expect((await get(urlPath(LOG), skewed.sign(LOG))).status, `skew ${skew}`).toBe(200);
    }
  });
});

describe('LogTokens', () => {
  it('verifies its own token for the log it names, for 30 s and the clock grace', () => {
    let now = Date.now();
    const t = new LogTokens(SECRET, { now: () => now });
    const token = t.sign(LOG);
    expect(() => t.verify(token, LOG)).not.toThrow();
    expect(() => t.verify(token, `${LOG}x`)).toThrow(GaleError);
    now += 55_000;
    expect(() => t.verify(token, LOG)).not.toThrow();
    now += 10_000;
    expect(() => t.verify(token, LOG)).toThrow(/not valid/);
  });

  it('needs a secret key', () => {
    expect(() => new LogTokens('')).toThrow(expect.objectContaining({ code: 'GALE_ERR_SECRET_KEY_MISSING' }));
  });
});

describe('starting the worker log server', () => {
  it("reports this machine's hostname as its address when it listens on every interface", async () => {
    const s = await startWorkerLogServer({
      host: '0.0.0.0',
      port: 0,
      baseFolder: folder,
      secretKey: SECRET,
      log,
    });
    try {
      expect(s.url).toBe(`http://${hostname()}:${s.port}`);
    } finally {
      await s.close();
    }
  });

  it('fails with GALE_ERR_PORT_IN_USE naming the setting when its port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as { port: number }).port;
    try {
      const error = await startWorkerLogServer({
        host: '127.0.0.1',
        port,
        baseFolder: folder,
        secretKey: SECRET,
        log,
      }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'GALE_ERR_PORT_IN_USE' });
      expect((error as GaleError).hint).toContain('logging.worker_log_server_port');
    } finally {
      await new Promise((r) => blocker.close(r));
    }
  });

  it('closes with its connections, and closing twice is fine', async () => {
    const s = await startWorkerLogServer({
      host: '127.0.0.1',
      port: 0,
      baseFolder: folder,
      secretKey: SECRET,
      log,
    });
    await s.close();
    await s.close();
    await expect(fetch(`${s.url}/log/x.log`)).rejects.toThrow();
  });
});
