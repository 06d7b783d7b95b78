/**
 * The API's task instances, logs, outputs, pools, import errors, audit log and configuration, as a
 * script meets them through `gale standalone`: a failed task's tries and logs; following a running
 * try's log; marking a running try failed (its watchdog stops it), then success (its run resumes);
 * clearing a failed task so it runs again; pools managed by an Op and refused to a Viewer; every
 * change in the audit log; the configuration hidden unless api.expose_config, and then with its
 * secrets masked.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type Client, login } from '../support/api-client.js';
import { CLI, type GaleHome, isAlive, makeGaleHome, type Service, waitFor } from '../support/gale-home.js';

const DAGS = `
import { existsSync } from 'node:fs';
import { dag, shell, task } from 'gale/sdk';
const home = process.env.GALE_HOME;
const waitForFile = async (name: string) => {
  while (!existsSync(home + '/' + name)) await new Promise((r) => setTimeout(r, 50));
};
dag({ dagId: 'res_fail', schedule: null }, () => {
  const flaky = task({ taskId: 'flaky', retries: 1, retryDelay: '0s' }, (ctx) => {
    ctx.log.info('flaky try ' + ctx.tryNumber);
    if (!existsSync(home + '/let-it-pass')) throw new Error('not yet');
    return 'passed';
  });
  const after = task('after', (ctx, v: string) => v + ' and after');
  after(flaky());
  shell('greet', 'echo "hello {{ run_id }}"');
});
dag({ dagId: 'res_follow', schedule: null }, () => {
  task('slow', async (ctx) => {
    ctx.log.info('first line');
    await waitForFile('go-on');
    ctx.log.info('second line');
  })();
});
dag({ dagId: 'res_mark', schedule: null }, () => {
  const hang = task('hang', async (ctx) => {
    ctx.log.info('hanging');
    await waitForFile('never');
  });
  const next = task('next', () => 'ran');
  hang().then(next());
});
`;

interface Ti {
  task_id: string;
  dag_run_id: string;
  state: string | null;
  try_number: number;
  pid: number | null;
  pool: string;
  logical_date: string;
  error?: string | null;
}

interface TiList {
  task_instances: Ti[];
  total_entries: number;
}

interface Log {
  content: string;
  continuation_token: string | null;
}

async function startStandalone(
  g: GaleHome,
  env: NodeJS.ProcessEnv = {},
): Promise<{ base: string; password: string; s: Service }> {
  const s = g.start(['standalone'], env);
  const base = await waitFor(() => /"ui":"(http:\/\/localhost:\d+)"/.exec(s.output())?.[1], {
    what: 'the UI URL in the log',
    seen: () => s.output().slice(-2000),
  });
  const password = await waitFor(() => /^ {2}password: (\S+)$/m.exec(s.output())?.[1], {
    what: 'the admin password on stdout',
    seen: () => s.output().slice(-2000),
  });
  return { base, password, s };
}

async function trigger(api: Client, dagId: string): Promise<string> {
  const r = await api<{ dag_run_id: string }>('POST', `/api/v2/dags/${dagId}/dagRuns`, { conf: {} });
  expect(r.status, r.text).toBe(200);
  return r.body.dag_run_id;
}

async function runState(api: Client, dagId: string, runId: string): Promise<string> {
  return (await api<{ state: string }>('GET', `/api/v2/dags/${dagId}/dagRuns/${runId}`)).body.state;
}

function tiPath(dagId: string, runId: string, taskId = ''): string {
  return `/api/v2/dags/${dagId}/dagRuns/${encodeURIComponent(runId)}/taskInstances${taskId ? `/${taskId}` : ''}`;
}

describe('API resources', () => {
  let g: GaleHome;
  afterEach(() => g?.cleanup());

  it("a failed task's tries and logs, a running try's log followed, a running try marked failed then success, and a clear that runs a task again", async () => {
    g = makeGaleHome();
    g.writeDag('resources.ts', DAGS);
    const { base, password, s } = await startStandalone(g);
    const api = await login(base, 'admin', password);
    await waitFor(async () => (await api('GET', '/api/v2/dags/res_mark')).status === 200, {
      what: 'the DAGs in the API',
      seen: () => s.output().slice(-2000),
    });

    // a run with a task that fails both its tries, and a shell task that succeeds
    const runId = await trigger(api, 'res_fail');
    await waitFor(async () => (await runState(api, 'res_fail', runId)) === 'failed', {
      what: 'the res_fail run to fail',
      seen: () => s.output().slice(-2000),
    });
    const list = await api<TiList>('GET', `${tiPath('res_fail', runId)}?order_by=task_id`);
    expect(list.status, list.text).toBe(200);
    expect(list.body.total_entries).toBe(3);
    expect(list.body.task_instances.map((t) => [t.task_id, t.state, t.try_number])).toEqual([
      ['after', 'upstream_failed', 0],
      ['flaky', 'failed', 2],
      ['greet', 'success', 1],
    ]);
    expect(list.body.task_instances[1]).toMatchObject({
      dag_run_id: runId,
      pool: 'default_pool',
      note: null,
    });
    const failedOnly = await api<TiList>('GET', `${tiPath('res_fail', runId)}?state=failed,upstream_failed`);
    expect(failedOnly.body.task_instances.map((t) => t.task_id).sort()).toEqual(['after', 'flaky']);
    const everywhere = await api<TiList>('GET', `${tiPath('~', '~')}?task_display_name_pattern=FLA`);
    expect(everywhere.body.task_instances.map((t) => [t.task_id, t.dag_run_id])).toEqual([['flaky', runId]]);
    // the run's logical date filters rows and count alike
    const at = (await api<{ logical_date: string }>('GET', `/api/v2/dags/res_fail/dagRuns/${runId}`)).body
      .logical_date;
    const shifted = (ms: number) => encodeURIComponent(new Date(Date.parse(at) + ms).toISOString());
    for (const [query, expected] of [
      [`logical_date_gte=${shifted(0)}`, 3],
      [`logical_date_gte=${shifted(1000)}`, 0],
      [`logical_date_lte=${shifted(0)}`, 3],
      [`logical_date_lte=${shifted(-1000)}`, 0],
      [`logical_date_gte=${shifted(-1000)}&logical_date_lte=${shifted(1000)}&state=success`, 1],
    ] as const) {
      const page = await api<TiList>('GET', `${tiPath('res_fail', '~')}?${query}`);
      expect([query, page.body.total_entries, page.body.task_instances.length]).toEqual([
        query,
        expected,
        expected,
      ]);
    }
    expect((await api('GET', `${tiPath('res_fail', runId)}?order_by=nope`)).status).toBe(400);
    expect((await api('GET', tiPath('res_fail', 'no_such_run'))).status).toBe(404);

    const tries = await api<TiList>('GET', `${tiPath('res_fail', runId, 'flaky')}/tries`);
    expect(tries.body.task_instances.map((t) => [t.try_number, t.state])).toEqual([
      [1, 'up_for_retry'],
      [2, 'failed'],
    ]);
    expect(tries.body.task_instances[1]?.error).toContain('not yet');
    const second = await api<Ti>('GET', `${tiPath('res_fail', runId, 'flaky')}/tries/2`);
    expect(second.body).toMatchObject({ try_number: 2, state: 'failed' });
    expect((await api('GET', `${tiPath('res_fail', runId, 'flaky')}/tries/3`)).status).toBe(404);

    // a finished try's log: all of it at once, and nothing to follow
    const log = await api<Log>('GET', `${tiPath('res_fail', runId, 'flaky')}/logs/1`);
    expect(log.status, log.text).toBe(200);
    expect(log.body.content).toContain('flaky try 1');
    expect(log.body.continuation_token).toBeNull();
    const raw = await api('GET', `${tiPath('res_fail', runId, 'flaky')}/logs/2`, undefined, {
      accept: 'text/plain',
    });
    expect(raw.headers.get('content-type')).toContain('text/plain');
    expect(raw.text).toContain('flaky try 2');
    const noTry = await api('GET', `${tiPath('res_fail', runId, 'flaky')}/logs/3`);
    expect(noTry.status).toBe(404);

    // what the shell task rendered and returned
    const rendered = await api<{ rendered_fields: Record<string, unknown> }>(
      'GET',
      `${tiPath('res_fail', runId, 'greet')}/renderedFields`,
    );
    expect(rendered.status, rendered.text).toBe(200);
    expect(JSON.stringify(rendered.body.rendered_fields)).toContain(`hello ${runId}`);
    const xcoms = await api<{ xcom_entries: { key: string; task_id: string }[] }>(
      'GET',
      `${tiPath('res_fail', runId, '~')}/xcomEntries`,
    );
    expect(xcoms.body.xcom_entries.map((x) => [x.task_id, x.key])).toEqual([['greet', 'return_value']]);
    const xcom = await api<{ value: unknown }>(
      'GET',
      `${tiPath('res_fail', runId, 'greet')}/xcomEntries/return_value`,
    );
    expect(xcom.body.value).toBe(`hello ${runId}`);
    expect((await api('GET', `${tiPath('res_fail', runId, 'flaky')}/xcomEntries/return_value`)).status).toBe(
      404,
    );

    // clearing: a dry run (the default) lists the failed task instances and changes nothing
    const dry = await api<TiList>('POST', '/api/v2/dags/res_fail/clearTaskInstances', { dag_run_id: runId });
    expect(dry.status, dry.text).toBe(200);
    expect(dry.body.task_instances.map((t) => [t.task_id, t.state])).toEqual([
      ['after', 'upstream_failed'],
      ['flaky', 'failed'],
    ]);
    expect(await runState(api, 'res_fail', runId)).toBe('failed');
    writeFileSync(join(g.home, 'let-it-pass'), '');
    const cleared = await api<TiList>('POST', '/api/v2/dags/res_fail/clearTaskInstances', {
      dag_run_id: runId,
      dry_run: false,
      task_ids: ['flaky'],
      include_downstream: true,
    });
    // as they are now: cleared, or already picked up again by the scheduler
    expect(cleared.body.task_instances.map((t) => t.task_id)).toEqual(['after', 'flaky']);
    await waitFor(async () => (await runState(api, 'res_fail', runId)) === 'success', {
      what: 'the cleared run to succeed',
      seen: () => s.output().slice(-2000),
    });
    const again = await api<TiList>('GET', `${tiPath('res_fail', runId, 'flaky')}/tries`);
    expect(again.body.task_instances.map((t) => [t.try_number, t.state])).toEqual([
      [1, 'up_for_retry'],
      [2, 'failed'],
      [3, 'success'],
    ]);

    // following a running try's log: only what was appended since the last answer
    const followRun = await trigger(api, 'res_follow');
    const slowLog = `${tiPath('res_follow', followRun, 'slow')}/logs/1`;
    const first = await waitFor(
      async () => {
        const r = await api<Log>('GET', slowLog);
        return r.status === 200 && r.body.content.includes('first line') ? r.body : null;
      },
      { what: 'the first line of the running try', seen: () => s.output().slice(-2000) },
    );
    expect(first.continuation_token).not.toBeNull();
    const pool = await api<{ running_slots: number; occupied_slots: number }>(
      'GET',
      '/api/v2/pools/default_pool',
    );
    expect(pool.body.running_slots).toBeGreaterThanOrEqual(1);
    const nothingNew = await api<Log>('GET', `${slowLog}?continuation_token=${first.continuation_token}`);
    expect(nothingNew.body.content).not.toContain('first line');
    expect(nothingNew.body.continuation_token).not.toBeNull();
    writeFileSync(join(g.home, 'go-on'), '');
    let token = nothingNew.body.continuation_token;
    let followed = '';
    await waitFor(
      async () => {
        const r = await api<Log>('GET', `${slowLog}?continuation_token=${token}`);
        followed += r.body.content;
        token = r.body.continuation_token;
        return token === null; // the try has ended and all of its log was read
      },
      { what: 'the followed log to end', seen: () => ({ followed, out: s.output().slice(-1000) }) },
    );
    expect(followed).toContain('second line');
    expect(followed).not.toContain('first line');
    expect((await api<Log>('GET', `${slowLog}?full_content=true`)).body.content).toMatch(
      /first line[\s\S]*second line/,
    );
    expect((await api('GET', `${slowLog}?continuation_token=bogus`)).status).toBe(400);

    // marking a running try failed: it ends at once, its watchdog stops its process, and the run
    // fails; marking it success then resumes the downstream task, and the run succeeds
    const markRun = await trigger(api, 'res_mark');
    const hangPath = tiPath('res_mark', markRun, 'hang');
    const running = await waitFor(
      async () => {
        const r = await api<Ti>('GET', hangPath);
        return r.body.state === 'running' && r.body.pid ? r.body : null;
      },
      { what: 'hang to run', seen: () => s.output().slice(-2000) },
    );
    const dryMark = await api<TiList>('PATCH', hangPath, { new_state: 'failed', dry_run: true });
    expect(dryMark.body.task_instances[0]?.state).toBe('running');
    const marked = await api<TiList>('PATCH', hangPath, { new_state: 'failed' });
    expect(marked.status, marked.text).toBe(200);
    expect(marked.body.task_instances[0]?.state).toBe('failed');
    await waitFor(() => !isAlive(running.pid!), { what: 'the marked try to be stopped' });
    await waitFor(async () => (await runState(api, 'res_mark', markRun)) === 'failed', {
      what: 'the run to fail after the mark',
      seen: () => s.output().slice(-2000),
    });
    const markedTries = await api<TiList>('GET', `${hangPath}/tries`);
    expect(markedTries.body.task_instances.map((t) => [t.try_number, t.state])).toEqual([[1, 'failed']]);
    expect(markedTries.body.task_instances[0]?.error).toBe('marked failed by admin through the API');
    expect((await api<Ti>('GET', tiPath('res_mark', markRun, 'next'))).body.state).toBe('upstream_failed');
    const resumed = await api<TiList>('PATCH', hangPath, { new_state: 'success' });
    expect(resumed.body.task_instances[0]?.state).toBe('success');
    await waitFor(async () => (await runState(api, 'res_mark', markRun)) === 'success', {
      what: 'the run to resume after the mark',
      seen: () => s.output().slice(-2000),
    });
    expect((await api<Ti>('GET', tiPath('res_mark', markRun, 'next'))).body.state).toBe('success');
    const badMark = await api('PATCH', tiPath('res_mark', markRun, 'next'), { new_state: 'skipped' });
    expect(badMark.status).toBe(400);
    expect(badMark.text).toContain('cannot be marked skipped');

    // the audit log has the changes, by whom
    // (an API call is audited just after its answer)
    const events = await waitFor(
      async () => {
        const r = await api<{ event_logs: { event: string; owner: string }[]; total_entries: number }>(
          'GET',
          '/api/v2/eventLogs?dag_id=res_fail',
        );
        return r.body.total_entries >= 3 ? r : null;
      },
      { what: 'the audit entries of res_fail' },
    );
    expect(events.body.event_logs.map((e) => e.event)).toEqual([
      'api:POST /api/v2/dags/:dag_id/clearTaskInstances',
      'api:POST /api/v2/dags/:dag_id/clearTaskInstances',
      'api:POST /api/v2/dags/:dag_id/dagRuns',
    ]);
    expect(new Set(events.body.event_logs.map((e) => e.owner))).toEqual(new Set(['admin']));
    const markEvent = 'api:PATCH /api/v2/dags/:dag_id/dagRuns/:dag_run_id/taskInstances/:task_id';
    let lastMarks: unknown = null;
    const marks = await waitFor(
      async () => {
        const r = await api<{ total_entries: number; event_logs: { task_id: string }[] }>(
          'GET',
          `/api/v2/eventLogs?event=${encodeURIComponent(markEvent)}`,
        );
        lastMarks = r.body;
        return r.body.total_entries >= 3 ? r : null;
      },
      {
        what: 'the audit entries of the marks',
        seen: () => ({
          marks: lastMarks,
          errors: s
            .output()
            .split('\n')
            .filter((l) => l.includes('ERROR')),
        }),
      },
    );
    // the dry run and the two marks; the refused mark changed nothing
    expect(marks.body.total_entries).toBe(3);
    expect(marks.body.event_logs.map((e) => e.task_id)).toEqual(['hang', 'hang', 'hang']);
    await s.stop();
  });

  it('pools are managed by an Op and read by a Viewer; import errors; the audit log; config hidden by default', async () => {
    g = makeGaleHome();
    g.writeDag(
      'broken.ts',
      `import { dag } from 'gale/sdk';\ndag({ dagId: 'broken' }, () => {\n  oops(;\n});\n`,
    );
    const { base, password, s } = await startStandalone(g);
    const admin = await login(base, 'admin', password);
    const created = spawnSync(
      process.execPath,
      [CLI, 'users', 'create', '-u', 'v', '-r', 'Viewer', '--password-stdin'],
      {
        env: g.env,
        input: 'viewer-password\n',
        encoding: 'utf8',
      },
    );
    expect(created.status, created.stderr).toBe(0);
    const viewer = await login(base, 'v', 'viewer-password');

    const made = await admin('POST', '/api/v2/pools', {
      name: 'etl',
      slots: 3,
      description: 'nightly loads',
    });
    expect(made.status, made.text).toBe(201);
    expect(made.body).toMatchObject({
      name: 'etl',
      slots: 3,
      open_slots: 3,
      occupied_slots: 0,
      include_deferred: false,
    });
    expect((await admin('POST', '/api/v2/pools', { name: 'etl', slots: 1 })).status).toBe(409);
    expect((await admin('POST', '/api/v2/pools', { name: 'no spaces', slots: 1 })).status).toBe(422);
    const changed = await admin('PATCH', '/api/v2/pools/etl', { slots: 5 });
    expect(changed.body).toMatchObject({ slots: 5, description: 'nightly loads', open_slots: 5 });
    const masked = await admin('PATCH', '/api/v2/pools/etl?update_mask=description', {
      slots: 9,
      description: 'x',
    });
    expect(masked.body).toMatchObject({ slots: 5, description: 'x' });
    const pools = await viewer<{ pools: { name: string }[]; total_entries: number }>('GET', '/api/v2/pools');
    expect(pools.status).toBe(200);
    expect(pools.body.pools.map((p) => p.name)).toEqual(['default_pool', 'etl']);
    expect((await viewer('GET', '/api/v2/pools/etl')).body).toMatchObject({ name: 'etl', slots: 5 });
    for (const [method, path, body] of [
      ['POST', '/api/v2/pools', { name: 'mine', slots: 1 }],
      ['PATCH', '/api/v2/pools/etl', { slots: 1 }],
      ['DELETE', '/api/v2/pools/etl', undefined],
    ] as const) {
      const refused = await viewer(method, path, body);
      expect(refused.status, `${method} ${path}`).toBe(403);
      expect(refused.headers.get('content-type')).toContain('application/problem+json');
      expect(refused.body.detail).toContain('needs the Op role');
    }
    const keepDefault = await admin('DELETE', '/api/v2/pools/default_pool');
    expect(keepDefault.status).toBe(409);
    expect(keepDefault.body.detail).toContain('default_pool cannot be deleted');
    expect((await admin('DELETE', '/api/v2/pools/etl')).status).toBe(204);
    expect((await admin('GET', '/api/v2/pools/etl')).status).toBe(404);
    expect((await admin('DELETE', '/api/v2/pools/etl')).status).toBe(404);

    const errors = await waitFor(
      async () => {
        const r = await viewer<{
          import_errors: { import_error_id: number; filename: string; stack_trace: string }[];
          total_entries: number;
        }>('GET', '/api/v2/importErrors');
        return r.body.total_entries === 1 ? r.body.import_errors : null;
      },
      { what: 'the import error of broken.ts', seen: () => s.output().slice(-2000) },
    );
    expect(errors[0]?.filename).toMatch(/[\\/]dags[\\/]broken\.ts$/);
    expect(errors[0]?.stack_trace).toMatch(/broken\.ts:3:\d+/);
    const one = await viewer('GET', `/api/v2/importErrors/${errors[0]?.import_error_id}`);
    expect(one.body).toEqual(errors[0]);
    expect((await viewer('GET', '/api/v2/importErrors/999999')).status).toBe(404);

    const events = await waitFor(
      async () => {
        const r = await admin<{ event_logs: { event: string; owner: string }[]; total_entries: number }>(
          'GET',
          '/api/v2/eventLogs?owner=admin&limit=3',
        );
        return r.body.total_entries >= 4 ? r : null;
      },
      { what: 'the audit entries of the pool changes' },
    );
    expect(events.body.total_entries).toBe(4); // the refused and failed calls are not changes
    expect(events.body.event_logs.map((e) => e.event)).toEqual([
      'api:DELETE /api/v2/pools/:pool_name',
      'api:PATCH /api/v2/pools/:pool_name',
      'api:PATCH /api/v2/pools/:pool_name',
    ]);
    const cli = await admin<{ event_logs: { event: string; owner: string }[] }>(
      'GET',
      '/api/v2/eventLogs?event=user.create',
    );
    expect(cli.body.event_logs.map((e) => e.owner)).toEqual([expect.stringMatching(/^cli:/)]);
    expect((await viewer('GET', '/api/v2/eventLogs')).status).toBe(403);

    const hidden = await admin('GET', '/api/v2/config');
    expect(hidden.status).toBe(403);
    expect(hidden.body.detail).toContain('GALE__API__EXPOSE_CONFIG');
    await s.stop();
  });

  it('with api.expose_config, admins read every setting with its secrets masked', async () => {
    const secretKey = 'a-32-character-secret-key-for-the-test';
    g = makeGaleHome({
      GALE__API__EXPOSE_CONFIG: 'true',
      GALE__API__SECRET_KEY: secretKey,
      GALE__QUEUE__REDIS_URL: 'redis://:hunter2@127.0.0.1:6379/0',
    });
    const { base, password, s } = await startStandalone(g);
    const admin = await login(base, 'admin', password);
    const config = await admin<{
      sections: { name: string; options: { key: string; value: string; source: string }[] }[];
    }>('GET', '/api/v2/config');
    expect(config.status, config.text).toBe(200);
    const value = (section: string, key: string) =>
      config.body.sections.find((x) => x.name === section)?.options.find((o) => o.key === key);
    expect(value('api', 'expose_config')).toEqual({ key: 'expose_config', value: 'true', source: 'env' });
    expect(value('api', 'secret_key')?.value).toBe('***');
    expect(value('queue', 'redis_url')?.value).toBe('redis://:***@127.0.0.1:6379/0');
    expect(value('core', 'parallelism')?.source).toBe('default');
    expect(config.text).not.toContain('hunter2');
    expect(config.text).not.toContain(secretKey);
    const dbPassword = /^[a-z]+:\/\/[^:/@]*:([^@]+)@/.exec(g.dbUrl)?.[1];
    if (dbPassword) expect(config.text).not.toContain(dbPassword);
    const one = await admin<{ sections: { options: { value: string }[] }[] }>(
      'GET',
      '/api/v2/config/section/database/option/url',
    );
    expect(one.body.sections[0]?.options[0]?.value).not.toContain(dbPassword ?? '\u0000');
    expect((await admin('GET', '/api/v2/config?section=nope')).status).toBe(404);
    await s.stop();
  });
});
