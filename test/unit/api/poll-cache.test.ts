/**
 * The shared poll cache on a real Fastify app: tabs of one user polling the same URL cost one
 * handler call per interval, concurrent polls wait for the one being answered, users never see
 * each other's answers, errors are never shared, and a user's change empties the cache.
 */
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { PollCache, registerPollCache } from '../../../src/api/poll-cache.js';
import { ALL_DAGS } from '../../../src/models/index.js';

async function serve(ttlMs: number) {
  let now = 0;
  const calls: string[] = [];
  let release: () => void = () => {};
  let gate: Promise<void> | null = null;
  const app = Fastify();
  app.decorateRequest('caller', null);
  app.addHook('onRequest', async (request) => {
    const user = request.headers['x-user'];
    request.caller =
      typeof user === 'string' ? { username: user, role: 'Viewer', dagAccess: ALL_DAGS } : null;
  });
  registerPollCache(app, new PollCache(ttlMs, { now: () => now }));
  app.get('/api/v2/dags', async (request) => {
    calls.push(String(request.headers['x-user']));
    if (gate) await gate;
    if (request.headers['x-fail']) throw new Error('boom');
    return { n: calls.length };
  });
  app.get('/api/v2/dags/:dag_id/dagRuns/:dag_run_id/taskInstances/:task_id/logs/:try_number', async () => {
    calls.push('log');
    return { content: 'x' };
  });
  app.post('/api/v2/dags', async () => ({ changed: true }));
  app.post('/execution/v1/heartbeat', async () => ({}));
  await app.ready();
  const get = (url: string, user = 'ann', extra: Record<string, string> = {}) =>
    app.inject({ url, headers: { 'x-user': user, ...extra } });
  return {
    app,
    calls,
    get,
    advance: (ms: number) => {
      now += ms;
    },
    hold: () => {
      gate = new Promise((r) => {
        release = r;
      });
      return () => {
        gate = null;
        release();
      };
    },
  };
}

describe('the shared poll cache', () => {
  it('answers the tabs of one user from one handler call per interval', async () => {
    const s = await serve(1000);
    const first = await s.get('/api/v2/dags?limit=5');
    const second = await s.get('/api/v2/dags?limit=5');
    expect(first.headers['x-gale-cache']).toBe('miss');
    expect(second.headers['x-gale-cache']).toBe('hit');
    expect(second.json()).toEqual(first.json());
    expect(second.headers['content-type']).toContain('application/json');
    expect(s.calls).toHaveLength(1);
    await s.get('/api/v2/dags?limit=6');
    expect(s.calls).toHaveLength(2);
    s.advance(1000);
    expect((await s.get('/api/v2/dags?limit=5')).headers['x-gale-cache']).toBe('miss');
    expect(s.calls).toHaveLength(3);
  });

  it('makes polls that arrive while one is answered wait for it', async () => {
    const s = await serve(1000);
    const release = s.hold();
    const answers = Promise.all([s.get('/api/v2/dags'), s.get('/api/v2/dags'), s.get('/api/v2/dags')]);
    await expect.poll(() => s.calls.length).toBe(1);
    release();
    const got = await answers;
    expect(got.map((r) => r.json())).toEqual([{ n: 1 }, { n: 1 }, { n: 1 }]);
    expect(s.calls).toHaveLength(1);
  });

  it('never serves one user the answer of another', async () => {
    const s = await serve(1000);
    await s.get('/api/v2/dags', 'ann');
    const bob = await s.get('/api/v2/dags', 'bob');
    expect(bob.headers['x-gale-cache']).toBe('miss');
    expect(s.calls).toEqual(['ann', 'bob']);
  });

  it('never shares an error, and leaves routes that are not polled alone', async () => {
    const s = await serve(1000);
    expect((await s.get('/api/v2/dags', 'ann', { 'x-fail': '1' })).statusCode).toBe(500);
    expect((await s.get('/api/v2/dags')).statusCode).toBe(200);
    expect(s.calls).toHaveLength(2);
    const log = '/api/v2/dags/d/dagRuns/r/taskInstances/t/logs/1';
    await s.get(log);
    await s.get(log);
    expect(s.calls.filter((c) => c === 'log')).toHaveLength(2);
  });

  it("is emptied by a user's change, not by a task's call to the execution API", async () => {
    const s = await serve(1000);
    await s.get('/api/v2/dags');
    await s.app.inject({ method: 'POST', url: '/execution/v1/heartbeat', headers: { 'x-user': 'ann' } });
    expect((await s.get('/api/v2/dags')).headers['x-gale-cache']).toBe('hit');
    await s.app.inject({ method: 'POST', url: '/api/v2/dags', headers: { 'x-user': 'ann' } });
    expect((await s.get('/api/v2/dags')).headers['x-gale-cache']).toBe('miss');
  });

  it('is off with a TTL of 0', async () => {
    const s = await serve(0);
    await s.get('/api/v2/dags');
    const again = await s.get('/api/v2/dags');
    expect(again.headers['x-gale-cache']).toBeUndefined();
    expect(s.calls).toHaveLength(2);
  });
});
