/**
 * Human-in-the-loop tasks with real processes (gale standalone: scheduler, triggerer, API): a
 * HITL task defers until someone answers with `gale hitl respond` or PATCH /api/v2/hitlDetails;
 * an approval lets the run go on, a rejection skips what is downstream; a HITL branch runs the
 * chosen task; an entry form refuses params that break their schema; at the timeout the default
 * outcome is the answer; who answered is recorded; Viewers cannot answer; assignees are enforced.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { login } from '../support/api-client.js';
import {
  type GaleHome,
  makeGaleHome,
  runsOf,
  type Service,
  taskStates,
  waitFor,
} from '../support/gale-home.js';

const FAST_TRIGGERER = { GALE__TRIGGERER__POLL_INTERVAL: '0.2', GALE__TRIGGERER__JOB_HEARTBEAT_SEC: '0.5' };

const DAGS = `import { approval, dag, hitlBranch, hitlEntry, param, task } from 'gale/sdk';
const fast = { pokeInterval: '200ms' };
dag({ dagId: 'hitl_approve' }, () => {
  const ok = approval('approve', { ...fast, subject: (ctx) => 'Ship ' + ctx.runId + '?', body: 'Check the report first' });
  ok.then(task('after', () => 'ran')());
});
dag({ dagId: 'hitl_branch' }, () => {
  const pick = hitlBranch('pick', { ...fast, subject: 'Which side?', options: ['left', 'right'] });
  pick.then(task('left', () => 'L')());
  pick.then(task('right', () => 'R')());
});
dag({ dagId: 'hitl_entry' }, () => {
  const form = hitlEntry('form', {
    ...fast,
    subject: 'How many?',
    params: { amount: param(1, { type: 'integer', minimum: 1 }), note: 'none' },
  });
  task('use', (_ctx, f: { amount: number }) => f.amount * 2)(form);
});
dag({ dagId: 'hitl_timeout' }, () => {
  const ok = approval('approve', { ...fast, subject: 'Quick!', timeout: '2s', defaultOutcome: 'Reject' });
  ok.then(task('after', () => 'ran')());
});
dag({ dagId: 'hitl_assigned' }, () => {
  approval('approve', { ...fast, subject: 'Only ann', assignees: ['ann'] });
});
`;

/** gale standalone, ready with the DAGs parsed: its API's URL and the admin's password (slow machines: long waits). */
async function standalone(g: GaleHome): Promise<{ s: Service; base: string; password: string }> {
  const s = g.start(['standalone']);
  const seen = () => s.output().slice(-2000);
  const base = await waitFor(() => /"ui":"(http:\/\/localhost:\d+)"/.exec(s.output())?.[1], {
    what: 'standalone to be ready',
    timeoutMs: 120_000,
    seen,
  });
  const password = await waitFor(() => /^ {2}password: (\S+)$/m.exec(s.output())?.[1], {
    what: 'the admin password on stdout',
    timeoutMs: 60_000,
    seen,
  });
  await waitFor(() => g.gale(['dags', 'list', '-o', 'json']).stdout.includes('"hitl_assigned"'), {
    what: 'the DAGs to be parsed',
    timeoutMs: 120_000,
    seen,
  });
  return { s, base, password };
}

function output(g: GaleHome, dagId: string, runId: string, taskId: string): unknown {
  const row = g
    .db()
    .prepare(
      "select value from xcom where dag_id = ? and run_id = ? and task_id = ? and key = 'return_value'",
    )
    .get(dagId, runId, taskId) as { value: string } | undefined;
  return row ? JSON.parse(row.value) : undefined;
}

function trigger(g: GaleHome, dagId: string): string {
  const r = g.gale(['dags', 'trigger', dagId, '-o', 'json']);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout).run_id as string;
}

/** Polls the database (not the CLI: each CLI call starts a process) until the task waits for an answer. */
async function waiting(g: GaleHome, dagId: string, runId: string, taskId: string): Promise<void> {
  await waitFor(
    () =>
      g
        .db()
        .prepare(
          "select 1 from hitl_detail h join task_instance ti on ti.id = h.ti_id where h.dag_id = ? and h.run_id = ? and h.task_id = ? and h.responded_at is null and ti.state = 'deferred'",
        )
        .get(dagId, runId, taskId) !== undefined,
    {
      what: `${dagId}.${taskId} to wait for an answer`,
      timeoutMs: 120_000,
      seen: () => taskStates(g.db(), dagId, runId),
    },
  );
}

async function finished(g: GaleHome, dagId: string, runId: string): Promise<Record<string, string>> {
  await waitFor(
    () => ['success', 'failed'].includes(runsOf(g.db(), dagId).find((r) => r.run_id === runId)?.state ?? ''),
    {
      what: `run ${runId} of ${dagId} to finish`,
      timeoutMs: 120_000,
      seen: () => taskStates(g.db(), dagId, runId),
    },
  );
  return taskStates(g.db(), dagId, runId);
}

describe('human-in-the-loop tasks', () => {
  let g: GaleHome;
  afterEach(() => g?.cleanup());

  it('approve, reject, branch, entry form and timeout, answered with gale hitl respond', {
    timeout: 600_000,
  }, async () => {
    g = makeGaleHome(FAST_TRIGGERER);
    g.writeDag('hitl.ts', DAGS);
    const { s } = await standalone(g);
    const yes = trigger(g, 'hitl_approve');
    const branch = trigger(g, 'hitl_branch');
    const entry = trigger(g, 'hitl_entry');
    const late = trigger(g, 'hitl_timeout');
    await waiting(g, 'hitl_approve', yes, 'approve');

    // approve: the run goes on; the answer and who gave it are the output
    const answered = g.gale([
      'hitl',
      'respond',
      'hitl_approve',
      yes,
      'approve',
      '--choose',
      'Approve',
      '--as',
      'ann',
    ]);
    expect(answered.code, answered.stderr).toBe(0);
    expect(answered.stdout).toContain(`Answered Approve to "Ship ${yes}?" as ann`);
    expect(await finished(g, 'hitl_approve', yes)).toEqual({ approve: 'success', after: 'success' });
    expect(output(g, 'hitl_approve', yes, 'approve')).toMatchObject({
      chosen: 'Approve',
      chosenOptions: ['Approve'],
      respondedBy: 'ann',
      timedOut: false,
    });
    // answered once only
    const again = g.gale(['hitl', 'respond', 'hitl_approve', yes, 'approve', '--choose', 'Reject']);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain('already answered by ann');

    // reject: the approval succeeds, what is downstream is skipped
    const no = trigger(g, 'hitl_approve');
    await waiting(g, 'hitl_approve', no, 'approve');
    const bad = g.gale(['hitl', 'respond', 'hitl_approve', no, 'approve', '--choose', 'Maybe']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('Not an option of this request: Maybe');
    expect(
      g.gale(['hitl', 'respond', 'hitl_approve', no, 'approve', '--choose', 'Reject', '--as', 'bob']).code,
    ).toBe(0);
    expect(await finished(g, 'hitl_approve', no)).toEqual({ approve: 'success', after: 'skipped' });
    expect(output(g, 'hitl_approve', no, 'approve')).toMatchObject({ chosen: 'Reject', respondedBy: 'bob' });

    // branch: the chosen task runs, the other is skipped
    await waiting(g, 'hitl_branch', branch, 'pick');
    expect(g.gale(['hitl', 'respond', 'hitl_branch', branch, 'pick', '--choose', 'right']).code).toBe(0);
    expect(await finished(g, 'hitl_branch', branch)).toEqual({
      pick: 'success',
      left: 'skipped',
      right: 'success',
    });

    // entry: params are checked against their schemas; the output is the filled form
    await waiting(g, 'hitl_entry', entry, 'form');
    const invalid = g.gale(['hitl', 'respond', 'hitl_entry', entry, 'form', '--params', '{"amount": 0}']);
    expect(invalid.code).not.toBe(0);
    expect(invalid.stderr).toContain('param "amount" = 0: value must be >= 1');
    expect(taskStates(g.db(), 'hitl_entry', entry).form).toBe('deferred');
    expect(g.gale(['hitl', 'respond', 'hitl_entry', entry, 'form', '--params', '{"amount": 5}']).code).toBe(
      0,
    );
    expect(await finished(g, 'hitl_entry', entry)).toEqual({ form: 'success', use: 'success' });
    expect(output(g, 'hitl_entry', entry, 'form')).toEqual({ amount: 5, note: 'none' });
    expect(output(g, 'hitl_entry', entry, 'use')).toBe(10);

    // timeout: nobody answers, the default outcome (Reject) applies
    expect(await finished(g, 'hitl_timeout', late)).toEqual({ approve: 'success', after: 'skipped' });
    expect(output(g, 'hitl_timeout', late, 'approve')).toMatchObject({
      chosen: 'Reject',
      respondedBy: null,
      timedOut: true,
    });

    // who answered is recorded
    const all = JSON.parse(g.gale(['hitl', 'list', '-o', 'json']).stdout) as Record<string, unknown>[];
    const by = Object.fromEntries(all.map((d) => [`${d.dag_id}/${d.dag_run_id}`, d.responded_by]));
    expect(by).toMatchObject({
      [`hitl_approve/${yes}`]: 'ann',
      [`hitl_approve/${no}`]: 'bob',
      [`hitl_timeout/${late}`]: null,
    });
    expect(JSON.parse(g.gale(['hitl', 'list', '--pending', '-o', 'json']).stdout)).toEqual([]);
    await s.stop();
  });

  it('gale dags test waits for an entry form, prints the command that answers it, and goes on once it is answered', {
    timeout: 180_000,
  }, async () => {
    g = makeGaleHome();
    g.writeDag('hitl.ts', DAGS);
    expect(g.gale(['db', 'migrate']).code).toBe(0);
    const test = g.start(['dags', 'test', 'hitl_entry']);
    const command = await waitFor(
      () => /form \| answer it from another terminal: (gale hitl respond .+)$/m.exec(test.output())?.[1],
      { what: 'dags test to print how to answer', timeoutMs: 60_000, seen: () => test.output() },
    );
    expect(test.output()).toContain(
      'form | waiting for an answer to "How many?"; options: OK; params: amount, note',
    );
    const [, dagId, runId, taskId] = /^gale hitl respond (\S+) (\S+) (\S+) --params/.exec(command) ?? [];
    expect([dagId, taskId]).toEqual(['hitl_entry', 'form']);
    const answered = g.gale(['hitl', 'respond', dagId!, runId!, taskId!, '--params', '{"amount": 21}']);
    expect(answered.code, answered.stderr).toBe(0);
    await waitFor(() => test.child.exitCode !== null, {
      what: 'dags test to end',
      timeoutMs: 60_000,
      seen: () => test.output(),
    });
    expect(test.child.exitCode, test.output()).toBe(0);
    expect(test.output()).toMatch(/use +\| success/);
    expect(output(g, 'hitl_entry', runId!, 'use')).toBe(42);
  });

  it('the API lists and answers requests as the logged-in user; Viewers cannot; assignees are enforced', {
    timeout: 600_000,
  }, async () => {
    g = makeGaleHome(FAST_TRIGGERER);
    g.writeDag('hitl.ts', DAGS);
    const { s, base, password } = await standalone(g);
    for (const [name, role] of [
      ['vera', 'Viewer'],
      ['ann', 'User'],
      ['bob', 'User'],
    ]) {
      const made = g.gale(
        ['users', 'create', '-u', name!, '-r', role!, '--password-stdin'],
        {},
        `${name}-password\n`,
      );
      expect(made.code, made.stderr).toBe(0);
    }
    const admin = await login(base, 'admin', password);
    const vera = await login(base, 'vera', 'vera-password');
    const bob = await login(base, 'bob', 'bob-password');
    const ann = await login(base, 'ann', 'ann-password');
    const runId = trigger(g, 'hitl_assigned');
    await waiting(g, 'hitl_assigned', runId, 'approve');
    const path = `/api/v2/hitlDetails/hitl_assigned/${encodeURIComponent(runId)}/approve`;

    const listed = await vera<{ hitl_details: Record<string, unknown>[]; total_entries: number }>(
      'GET',
      '/api/v2/hitlDetails?response_received=false',
    );
    expect(listed.status, listed.text).toBe(200);
    expect(listed.body.total_entries).toBe(1);
    expect(listed.body.hitl_details[0]).toMatchObject({
      dag_id: 'hitl_assigned',
      subject: 'Only ann',
      options: ['Approve', 'Reject'],
      assignees: ['ann'],
      response_received: false,
      ti_state: 'deferred',
    });
    expect((await vera('GET', path)).status).toBe(200);
    const missing = await vera('GET', `/api/v2/hitlDetails/hitl_assigned/${encodeURIComponent(runId)}/nope`);
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('GALE_ERR_HITL_NOT_FOUND');

    const viewer = await vera('PATCH', path, { chosen_options: ['Approve'] });
    expect(viewer.status).toBe(403);
    const notAssignee = await bob('PATCH', path, { chosen_options: ['Approve'] });
    expect(notAssignee.status).toBe(403);
    expect(notAssignee.body.code).toBe('GALE_ERR_HITL_NOT_ASSIGNEE');
    const wrong = await ann('PATCH', path, { chosen_options: ['Approve', 'Reject'] });
    expect(wrong.status).toBe(400);
    expect(String(wrong.body.detail)).toContain('takes one option');
    const done = await ann('PATCH', path, { chosen_options: ['Approve'] });
    expect(done.status, done.text).toBe(200);
    expect(done.body).toMatchObject({
      response_received: true,
      chosen_options: ['Approve'],
      responded_by: 'ann',
    });
    const twice = await admin('PATCH', path, { chosen_options: ['Reject'] });
    expect(twice.status).toBe(409);
    expect(await finished(g, 'hitl_assigned', runId)).toEqual({ approve: 'success' });

    const audit = g
      .db()
      .prepare("select owner from log where event like 'api:PATCH /api/v2/hitlDetails%'")
      .all() as { owner: string }[];
    expect(audit.map((a) => a.owner)).toContain('ann');
    await s.stop();
  });
});
