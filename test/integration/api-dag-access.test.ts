/**
 * Per-DAG access through `gale standalone`, as a script meets it: a user limited (by the CLI) to
 * the DAGs tagged finance sees only those in every list, with total_entries to match, and gets the
 * same 404 as for a DAG that does not exist for any other DAG (get, trigger, pause, clear, task
 * instance, log, output, source); import errors of other files stay hidden; an Admin sees all.
 * The limits are changed with `gale users update` and through /api/v2/users. Also: a body that is
 * not JSON is 400, a body that breaks the schema is 422 (as Airflow 3).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type Client, login } from '../support/api-client.js';
import { type GaleHome, makeGaleHome, waitFor } from '../support/gale-home.js';
import { startStandalone } from '../support/ui-session.js';

const dagFile = (ids: string[], tag: string) => `
import { dag, task } from 'gale/sdk';
${ids
  .map(
    (id) => `dag({ dagId: '${id}', schedule: null, tags: ['${tag}'] }, () => {
  task('work', (ctx) => { ctx.log.info('working in ${id}'); return '${id} done'; })();
});`,
  )
  .join('\n')}
`;

interface List {
  total_entries: number;
  [key: string]: unknown;
}

const PASSWORD = 'fiona-password';

/** The DAG ids in a list answer (`dags`, `dag_runs`, `task_instances`, `xcom_entries`). */
function dagIdsIn(body: List, field: string): string[] {
  return [...new Set((body[field] as { dag_id: string }[]).map((e) => e.dag_id))].sort();
}

async function trigger(api: Client, dagId: string): Promise<string> {
  const r = await api<{ dag_run_id: string }>('POST', `/api/v2/dags/${dagId}/dagRuns`, { conf: {} });
  expect(r.status, r.text).toBe(200);
  return r.body.dag_run_id;
}

describe('per-DAG access', () => {
  let g: GaleHome;
  afterEach(() => g?.cleanup());

  it('a user limited to a tag sees only its DAGs everywhere, and 404 for the others; an Admin sees all', async () => {
    g = makeGaleHome();
    g.writeDag('finance.ts', dagFile(['fin_a', 'fin_b'], 'finance'));
    g.writeDag('ops.ts', dagFile(['ops_a'], 'ops'));
    g.writeDag('broken.ts', 'throw new Error("broken on purpose");\n');
    const { base, password } = await startStandalone(g);
    const admin = await login(base, 'admin', password);

    // the CLI creates the limited user and shows its limits
    const made = g.gale(
      ['users', 'create', '-u', 'fiona', '-r', 'User', '--dag-tags', 'finance', '--password-stdin'],
      {},
      `${PASSWORD}\n`,
    );
    expect(made.code, made.stderr).toBe(0);
    expect(made.stdout).toContain('DAGs: tags: finance');
    const listed = g.gale(['users', 'list', '-o', 'json']);
    expect(JSON.parse(listed.stdout)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ username: 'admin', dag_access: 'all (Admin)' }),
        expect.objectContaining({ username: 'fiona', dag_access: 'tags: finance' }),
      ]),
    );
    const fiona = await login(base, 'fiona', PASSWORD);

    await waitFor(
      async () =>
        (await admin<List>('GET', '/api/v2/dags')).body.total_entries === 3 &&
        (await admin<List>('GET', '/api/v2/importErrors')).body.total_entries === 1,
      { what: 'three DAGs and one import error', timeoutMs: 60_000 },
    );
    const runs: Record<string, string> = {};
    for (const dagId of ['fin_a', 'ops_a']) runs[dagId] = await trigger(admin, dagId);
    for (const dagId of ['fin_a', 'ops_a']) {
      await waitFor(
        async () =>
          (await admin<{ state: string }>('GET', `/api/v2/dags/${dagId}/dagRuns/${runs[dagId]}`)).body
            .state === 'success',
        { what: `the run of ${dagId} to succeed`, timeoutMs: 60_000 },
      );
    }

    // every list: only the finance DAGs, and total_entries counts only them
    const lists: [string, string, string[], string[]][] = [
      ['/api/v2/dags', 'dags', ['fin_a', 'fin_b'], ['fin_a', 'fin_b', 'ops_a']],
      ['/api/v2/dags/~/dagRuns', 'dag_runs', ['fin_a'], ['fin_a', 'ops_a']],
      ['/api/v2/dags/~/dagRuns/~/taskInstances', 'task_instances', ['fin_a'], ['fin_a', 'ops_a']],
      ['/api/v2/dags/~/dagRuns/~/taskInstances/~/xcomEntries', 'xcom_entries', ['fin_a'], ['fin_a', 'ops_a']],
    ];
    for (const [path, field, hers, all] of lists) {
      const mine = await fiona<List>('GET', path);
      expect(mine.status, mine.text).toBe(200);
      expect(dagIdsIn(mine.body, field), path).toEqual(hers);
      expect(mine.body.total_entries, path).toBe((mine.body[field] as unknown[]).length);
      const everything = await admin<List>('GET', path);
      expect(dagIdsIn(everything.body, field), path).toEqual(all);
    }
    // a page of one still counts every visible entry
    expect((await fiona<List>('GET', '/api/v2/dags?limit=1')).body.total_entries).toBe(2);
    // the broken file defines none of her DAGs: its error is not hers to see
    expect((await fiona<List>('GET', '/api/v2/importErrors')).body.total_entries).toBe(0);

    // her own DAG answers; another DAG answers exactly as one that does not exist
    const ti = (dagId: string) => `/api/v2/dags/${dagId}/dagRuns/${runs[dagId]}/taskInstances/work`;
    expect((await fiona('GET', `${ti('fin_a')}/logs/1`)).status).toBe(200);
    expect((await fiona('GET', `${ti('fin_a')}/xcomEntries/return_value`)).status).toBe(200);
    const missing = await fiona('GET', '/api/v2/dags/no_such_dag');
    expect(missing.status).toBe(404);
    const hidden: [string, string, unknown?][] = [
      ['GET', '/api/v2/dags/ops_a'],
      ['GET', '/api/v2/dags/ops_a/details'],
      ['GET', '/api/v2/dags/ops_a/tasks'],
      ['PATCH', '/api/v2/dags/ops_a', { is_paused: true }],
      ['GET', '/api/v2/dagSources/ops_a'],
      ['GET', '/api/v2/dags/ops_a/dagRuns'],
      ['GET', `/api/v2/dags/ops_a/dagRuns/${runs.ops_a}`],
      ['POST', '/api/v2/dags/ops_a/dagRuns', { conf: {} }],
      ['POST', '/api/v2/dags/ops_a/clearTaskInstances', { dry_run: false, only_failed: false }],
      ['GET', `/api/v2/dags/ops_a/dagRuns/${runs.ops_a}/taskInstances`],
      ['GET', ti('ops_a')],
      ['PATCH', ti('ops_a'), { new_state: 'failed' }],
      ['GET', `${ti('ops_a')}/logs/1`],
      ['GET', `${ti('ops_a')}/tries`],
      ['GET', `${ti('ops_a')}/xcomEntries`],
      ['GET', `${ti('ops_a')}/xcomEntries/return_value`],
      // even a bad body does not reveal the DAG
      ['POST', '/api/v2/dags/ops_a/dagRuns', { nonsense: 1 }],
    ];
    for (const [method, path, body] of hidden) {
      const r = await fiona(method, path, body);
      expect(r.status, `${method} ${path}: ${r.text}`).toBe(404);
      expect(r.body, `${method} ${path}`).toEqual({
        ...(missing.body as object),
        detail: String(missing.body.detail).replace('no_such_dag', 'ops_a'),
      });
    }
    // nothing happened to the hidden DAG
    expect((await admin<{ is_paused: boolean }>('GET', '/api/v2/dags/ops_a')).body.is_paused).toBe(false);
    expect((await admin<List>('GET', '/api/v2/dags/ops_a/dagRuns')).body.total_entries).toBe(1);
    expect((await admin<{ state: string }>('GET', ti('ops_a'))).body.state).toBe('success');

    // the CLI adds a DAG by id (either suffices), then lifts the limits
    const updated = g.gale(['users', 'update', 'fiona', '--dag-ids', 'ops_a']);
    expect(updated.code, updated.stderr).toBe(0);
    expect(updated.stdout).toContain('DAGs: ids: ops_a; tags: finance');
    expect(dagIdsIn((await fiona<List>('GET', '/api/v2/dags')).body, 'dags')).toEqual([
      'fin_a',
      'fin_b',
      'ops_a',
    ]);
    expect(g.gale(['users', 'update', 'fiona', '--all-dags', '--dag-ids', 'x']).code).not.toBe(0);
    expect(g.gale(['users', 'update', 'fiona', '--all-dags']).code).toBe(0);
    expect((await fiona<List>('GET', '/api/v2/importErrors')).body.total_entries).toBe(1);

    // the API sets them too (Admins only), and shows them
    const patched = await admin('PATCH', '/api/v2/users/fiona', { dag_ids: ['fin_b'] });
    expect(patched.status, patched.text).toBe(200);
    expect(patched.body).toMatchObject({ dag_ids: ['fin_b'], dag_tags: null });
    expect(dagIdsIn((await fiona<List>('GET', '/api/v2/dags')).body, 'dags')).toEqual(['fin_b']);
    expect((await fiona<List>('GET', '/api/v2/dags/~/dagRuns')).body.total_entries).toBe(0);
    expect((await fiona('PATCH', '/api/v2/users/fiona', { dag_ids: null })).status).toBe(403);
    const victor = await admin('POST', '/api/v2/users', {
      username: 'victor',
      password: 'victor-password',
      roles: [{ name: 'Viewer' }],
      dag_tags: ['ops'],
    });
    expect(victor.status, victor.text).toBe(201);
    expect(victor.body).toMatchObject({ dag_ids: null, dag_tags: ['ops'] });
    const viewer = await login(base, 'victor', 'victor-password');
    expect(dagIdsIn((await viewer<List>('GET', '/api/v2/dags')).body, 'dags')).toEqual(['ops_a']);
    // an Admin sees every DAG, whatever limits are stored for it
    expect((await admin('PATCH', '/api/v2/users/victor', { roles: [{ name: 'Admin' }] })).status).toBe(200);
    expect((await viewer<List>('GET', '/api/v2/dags')).body.total_entries).toBe(3);
  });

  it('a body that is not JSON is 400; a body that breaks the schema is 422', async () => {
    g = makeGaleHome();
    const { base, password } = await startStandalone(g);
    const admin = await login(base, 'admin', password);
    const token = await fetch(`${base}/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"username": "admin",',
    });
    expect(token.status).toBe(400);
    expect(token.headers.get('content-type')).toContain('application/problem+json');
    const invalid = await admin('POST', '/api/v2/pools', { name: 'p', slots: 'many' });
    expect(invalid.status, invalid.text).toBe(422);
    expect(invalid.body).toMatchObject({ code: 'GALE_ERR_INVALID_REQUEST', status: 422 });
    expect(String(invalid.body.detail)).toContain('slots');
    expect((await admin('GET', '/api/v2/dags?limit=0')).status).toBe(422);
    // a request the schema allows but that cannot be done as asked stays 400
    expect((await admin('GET', '/api/v2/dags?order_by=nope')).status).toBe(400);
  });
});
