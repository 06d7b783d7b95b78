/**
 * The API server as users meet it: `gale standalone` serves it with a first admin whose password
 * it prints once; scripts log in for a token, list and pause DAGs, trigger and watch runs; roles
 * limit what each user may do; the UI's cookie login needs the CSRF token to change anything;
 * errors are problem+json; `gale api-server` refuses to start without a secret key.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type GaleHome, makeGaleHome, type Service, waitFor } from '../support/gale-home.js';

const DAG = `
import { dag, param, task } from 'gale/sdk';
const first = task('first', () => 1);
const second = task('second', (ctx, n: number) => n + 1);
dag({ dagId: 'api_demo', schedule: null, tags: ['demo'], params: { n: param(1, { type: 'integer' }) } }, () => {
  second(first());
});
`;

async function startStandalone(g: GaleHome): Promise<{ base: string; password: string; s: Service }> {
  const s = g.start(['standalone']);
  const base = await waitFor(() => /"ui":"(http:\/\/localhost:\d+)"/.exec(s.output())?.[1], {
    what: 'the UI URL in the log',
    seen: () => s.output().slice(-2000),
  });
  const password = /^ {2}password: (\S+)$/m.exec(s.output())?.[1];
  expect(password).toBeTruthy();
  return { base, password: password!, s };
}

async function token(base: string, username: string, password: string): Promise<string> {
  const r = await fetch(`${base}/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  expect(r.status).toBe(201);
  return ((await r.json()) as { access_token: string }).access_token;
}

describe('API server', () => {
  let g: GaleHome;
  afterEach(() => g?.cleanup());

  it('standalone serves the API: login, list and pause DAGs, trigger a run and watch it succeed', async () => {
    g = makeGaleHome();
    g.writeDag('api_demo.ts', DAG);
    const { base, password, s } = await startStandalone(g);
    // the password is printed once
    expect(s.output().match(/password: /g)?.length).toBe(1);

    const anonymous = await fetch(`${base}/api/v2/dags`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('content-type')).toContain('application/problem+json');
    const wrong = await fetch(`${base}/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: 'not-it' }),
    });
    expect(wrong.status).toBe(401);

    const auth = { authorization: `Bearer ${await token(base, 'admin', password)}` };
    const json = { ...auth, 'content-type': 'application/json' };
    const dags = await waitFor(
      async () => {
        const body = (await (await fetch(`${base}/api/v2/dags?tags=demo`, { headers: auth })).json()) as {
          dags: { dag_id: string; tags: { name: string }[] }[];
          total_entries: number;
        };
        return body.total_entries === 1 ? body : null;
      },
      { what: 'the DAG in the API' },
    );
    expect(dags.dags[0]?.dag_id).toBe('api_demo');
    // tabs polling the same list share one answer (api.poll_cache_ttl)
    const tabs = await Promise.all(
      [1, 2, 3].map(async () => {
        const r = await fetch(`${base}/api/v2/dags?tags=demo&limit=7`, { headers: auth });
        return { cache: r.headers.get('x-gale-cache'), body: await r.text() };
      }),
    );
    expect(tabs.filter((t) => t.cache === 'hit').length).toBeGreaterThanOrEqual(1);
    expect(new Set(tabs.map((t) => t.body)).size).toBe(1);
    expect(JSON.parse(tabs[0]?.body ?? '{}')).toMatchObject({ total_entries: 1 });

    const paused = await fetch(`${base}/api/v2/dags/api_demo`, {
      method: 'PATCH',
      headers: json,
      body: JSON.stringify({ is_paused: true }),
    });
    expect(((await paused.json()) as { is_paused: boolean }).is_paused).toBe(true);
    await fetch(`${base}/api/v2/dags/api_demo`, {
      method: 'PATCH',
      headers: json,
      body: '{"is_paused":false}',
    });

    const badConf = await fetch(`${base}/api/v2/dags/api_demo/dagRuns`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ conf: { n: 'three' } }),
    });
    expect(badConf.status).toBe(400);
    expect(((await badConf.json()) as { detail: string }).detail).toContain('n');

    const triggered = await fetch(`${base}/api/v2/dags/api_demo/dagRuns`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ dag_run_id: 'from_api', conf: { n: 2 } }),
    });
    expect(triggered.status).toBe(200);
    const run = await waitFor(
      async () => {
        const r = (await (
          await fetch(`${base}/api/v2/dags/api_demo/dagRuns/from_api`, { headers: auth })
        ).json()) as {
          state: string;
          conf: Record<string, unknown>;
        };
        return r.state === 'success' ? r : null;
      },
      { what: 'the run to succeed', timeoutMs: 60_000 },
    );
    expect(run.conf).toEqual({ n: 2 });
    const again = await fetch(`${base}/api/v2/dags/api_demo/dagRuns`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ dag_run_id: 'from_api' }),
    });
    expect(again.status).toBe(409);

    const all = (await (
      await fetch(`${base}/api/v2/dags/~/dagRuns?state=success&order_by=-id`, { headers: auth })
    ).json()) as {
      dag_runs: { dag_run_id: string }[];
      total_entries: number;
    };
    expect(all.dag_runs.map((r) => r.dag_run_id)).toContain('from_api');

    const health = (await (await fetch(`${base}/api/v2/monitor/health`)).json()) as {
      metadatabase: { status: string };
      scheduler: { status: string };
    };
    expect(health.metadatabase.status).toBe('healthy');
    expect(health.scheduler.status).toBe('healthy');

    const spec = (await (await fetch(`${base}/openapi.json`)).json()) as { openapi: string; paths: object };
    expect(spec.openapi).toBe('3.1.0');
    expect(Object.keys(spec.paths)).toContain('/api/v2/dags/{dag_id}/dagRuns');
    const unknown = await fetch(`${base}/api/v2/nothing-here`, { headers: auth });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { code: string }).code).toBe('GALE_ERR_NOT_FOUND');

    // every change above is in the audit log, with who made it
    const audit = g.db().prepare("select event, owner from log where event like 'api:%'").all() as {
      event: string;
      owner: string;
    }[];
    expect(
      audit.some((a) => a.event === 'api:POST /api/v2/dags/:dag_id/dagRuns' && a.owner === 'admin'),
    ).toBe(true);
    expect(audit.some((a) => a.event === 'api:PATCH /api/v2/dags/:dag_id')).toBe(true);
  });

  it('roles limit users; the UI cookie needs the CSRF token; a deleted user loses access at once', async () => {
    g = makeGaleHome();
    g.writeDag('api_demo.ts', DAG);
    const { base } = await startStandalone(g);
    const create = (user: string, role: string) => {
      const r = g.gale(
        ['users', 'create', '-u', user, '-r', role, '--password-stdin'],
        {},
        'secret-pass-1\n',
      );
      expect(r.code, r.stderr).toBe(0);
    };
    create('viewer', 'Viewer');
    create('op', 'Op');
    const badRole = g.gale(['users', 'create', '-u', 'x', '-r', 'Superuser']);
    expect(badRole.code).toBe(1);
    expect(badRole.stderr).toContain('Admin');
    const listed = JSON.parse(g.gale(['users', 'list', '-o', 'json']).stdout) as { username: string }[];
    expect(listed.map((u) => u.username).sort()).toEqual(['admin', 'op', 'viewer']);
    expect(JSON.stringify(listed)).not.toContain('scrypt');

    const viewer = { authorization: `Bearer ${await token(base, 'viewer', 'secret-pass-1')}` };
    await waitFor(
      async () => (await fetch(`${base}/api/v2/dags/api_demo`, { headers: viewer })).status === 200,
      {
        what: 'the DAG to be readable',
      },
    );
    const forbidden = await fetch(`${base}/api/v2/dags/api_demo`, {
      method: 'PATCH',
      headers: { ...viewer, 'content-type': 'application/json' },
      body: '{"is_paused":true}',
    });
    expect(forbidden.status).toBe(403);
    expect(((await forbidden.json()) as { detail: string }).detail).toContain('User role');

    // the UI's way: cookies, and the CSRF token on every change
    const login = await fetch(`${base}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'op', password: 'secret-pass-1' }),
    });
    expect(login.status).toBe(200);
    const cookies = login.headers.getSetCookie();
    expect(cookies.find((c) => c.startsWith('gale_token='))).toMatch(/HttpOnly/i);
    const jar = cookies.map((c) => c.split(';')[0]).join('; ');
    const csrf = /gale_csrf=([^;]+)/.exec(jar)?.[1] ?? '';
    const patch = (headers: Record<string, string>) =>
      fetch(`${base}/api/v2/dags/api_demo`, {
        method: 'PATCH',
        headers: { cookie: jar, 'content-type': 'application/json', ...headers },
        body: '{"is_paused":true}',
      });
    expect((await fetch(`${base}/api/v2/auth/me`, { headers: { cookie: jar } })).status).toBe(200);
    expect((await patch({})).status).toBe(403);
    expect((await patch({ 'x-csrf-token': csrf })).status).toBe(200);

    expect(g.gale(['users', 'delete', 'viewer', '--yes']).code).toBe(0);
    expect((await fetch(`${base}/api/v2/dags`, { headers: viewer })).status).toBe(401);
    const reset = g.gale(['users', 'reset-password', 'op']);
    expect(reset.code).toBe(0);
    const newPassword = /password: (\S+)/.exec(reset.stdout)?.[1] ?? '';
    await token(base, 'op', newPassword);
    expect(g.gale(['roles', 'list']).stdout).toContain('Viewer');
  });

  it('gale api-server refuses to start without a secret key, and serves with one', async () => {
    g = makeGaleHome();
    expect(g.gale(['db', 'migrate']).code).toBe(0);
    const refused = g.gale(['api-server']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('GALE__API__SECRET_KEY');
    const api = g.start(['api-server'], { GALE__API__SECRET_KEY: 'k'.repeat(40) });
    const base = await waitFor(() => /API server on (http:\/\/localhost:\d+)/.exec(api.output())?.[1], {
      what: 'the API server to listen',
      seen: () => api.output(),
    });
    expect((await fetch(`${base}/api/v2/monitor/health`)).status).toBe(200);
    expect((await fetch(`${base}/health/live`)).status).toBe(200);
    expect(await (await fetch(`${base}/health/ready`)).json()).toEqual({ status: 'ok' });
    await api.stop();
    expect(api.child.exitCode).toBe(0);
  });
});
