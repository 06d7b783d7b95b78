/**
 * Human in the loop in a real browser (Debian's Chromium driven by playwright-core) against
 * `gale standalone`: the Required actions page lists a waiting approval; its task instance's
 * panel shows the subject, body and a param field; clicking Approve answers it as the logged-in
 * user, and the run goes on.
 */
import { describe, expect, it } from 'vitest';
import { login } from '../support/api-client.js';
import { waitFor } from '../support/gale-home.js';
import { useBrowserSession } from '../support/ui-session.js';

const DAG = `import { approval, dag, param, task } from 'gale/sdk';
dag({ dagId: 'hitl_ui', schedule: null }, () => {
  const ok = approval('approve', {
    subject: 'Ship the release?',
    body: 'All checks are green.',
    params: { note: param('fine', { type: 'string' }) },
    pokeInterval: '200ms',
  });
  ok.then(task('after', () => 'shipped')());
});
`;

describe('web UI: human in the loop', () => {
  const session = useBrowserSession();

  it('approves a waiting task from its panel; the answer is recorded with the user', {
    timeout: 600_000,
  }, async () => {
    const g = session.makeHome({ GALE__TRIGGERER__POLL_INTERVAL: '0.2' });
    g.writeDag('hitl_ui.ts', DAG);
    const s = g.start(['standalone']);
    const seen = () => s.output().slice(-2000);
    const base = await waitFor(() => /"ui":"(http:\/\/localhost:\d+)"/.exec(s.output())?.[1], {
      what: 'standalone to be ready',
      timeoutMs: 180_000,
      seen,
    });
    const password = await waitFor(() => /^ {2}password: (\S+)$/m.exec(s.output())?.[1], {
      what: 'the admin password',
      timeoutMs: 60_000,
      seen,
    });
    const admin = await login(base, 'admin', password);
    const runId = await waitFor(
      async () => {
        const r = await admin<{ dag_run_id: string }>('POST', '/api/v2/dags/hitl_ui/dagRuns', { conf: {} });
        return r.status === 200 ? r.body.dag_run_id : null;
      },
      { what: 'a triggered run of hitl_ui', timeoutMs: 180_000 },
    );
    const detailPath = `/api/v2/hitlDetails/hitl_ui/${encodeURIComponent(runId)}/approve`;
    await waitFor(
      async () => (await admin<{ ti_state: string }>('GET', detailPath)).body?.ti_state === 'deferred',
      {
        what: 'the approval to wait',
        timeoutMs: 180_000,
      },
    );

    const browser = await session.openBrowser(g);
    const page = browser.pages()[0] ?? (await browser.newPage());
    page.setDefaultTimeout(60_000);
    await page.goto(`${base}/required-actions`);
    await page.waitForURL(/\/login/);
    await page.getByLabel('Username').fill('admin');
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(/\/required-actions$/);
    await page.getByText('Ship the release?').first().waitFor();

    // the task instance's panel: subject, body, the param's field, a button per option
    await page.goto(`${base}/dags/hitl_ui?run=${encodeURIComponent(runId)}&task=approve`);
    const form = page.locator('aside.ti-panel form.hitl-form[data-hitl="approve"]');
    await form.waitFor();
    expect(await form.locator('.hitl-subject').textContent()).toBe('Ship the release?');
    expect(await form.locator('.hitl-body').textContent()).toBe('All checks are green.');
    await form.getByLabel('note').fill('looks good');
    await form.locator('button[data-option="Approve"]').click();

    await waitFor(
      async () => {
        const r = await admin<{ state: string }>(
          'GET',
          `/api/v2/dags/hitl_ui/dagRuns/${encodeURIComponent(runId)}`,
        );
        return r.body?.state === 'success';
      },
      { what: 'the run to succeed', timeoutMs: 180_000 },
    );
    const detail = await admin('GET', detailPath);
    expect(detail.body).toMatchObject({
      chosen_options: ['Approve'],
      params_input: { note: 'looks good' },
      responded_by: 'admin',
    });
    await s.stop();
  });
});
