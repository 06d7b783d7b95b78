/**
 * The runs of several DAGs in one call, as the UI's DAG list reads a page's recent runs:
 * `/api/v2/dags/~/dagRuns` with `dag_ids` and `runs_per_dag` (each DAG's latest N runs by id),
 * through `gale standalone`, on each database dialect.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { login } from '../support/api-client.js';
import { type GaleHome, makeGaleHome } from '../support/gale-home.js';
import { startStandalone } from '../support/ui-session.js';

// paused: the triggered runs stay queued, so nothing runs meanwhile
const DAGS = `import { dag, task } from 'gale/sdk';
for (const dagId of ['rr_a', 'rr_b', 'rr_c']) dag({ dagId, schedule: null, paused: true }, () => { task('t', () => 1)(); });
`;
const RUNS = { rr_a: 4, rr_b: 2, rr_c: 3 } as const;

describe('recent runs of several DAGs in one call', () => {
  let g: GaleHome;
  afterEach(() => g?.cleanup());

  it('lists only the given DAGs, and with runs_per_dag only the latest runs of each', async () => {
    g = makeGaleHome();
    g.writeDag('rr.ts', DAGS);
    const { base, password } = await startStandalone(g);
    const api = await login(base, 'admin', password);
    await expect
      .poll(async () => (await api('GET', '/api/v2/dags/rr_c')).status, { timeout: 90_000 })
      .toBe(200);
    for (const [dagId, n] of Object.entries(RUNS))
      for (let i = 0; i < n; i++) {
        const r = await api('POST', `/api/v2/dags/${dagId}/dagRuns`, { dag_run_id: `${dagId}_${i}` });
        expect(r.status, r.text).toBe(200);
      }

    for (const [query, expected] of [
      ['dag_ids=rr_a,rr_b&runs_per_dag=2', ['rr_b_1', 'rr_b_0', 'rr_a_3', 'rr_a_2']],
      ['dag_ids=rr_a&dag_ids=rr_c&runs_per_dag=1', ['rr_c_2', 'rr_a_3']],
      ['dag_ids=rr_b', ['rr_b_1', 'rr_b_0']],
      ['dag_ids=rr_a,rr_b,rr_c&runs_per_dag=1&limit=2', ['rr_c_2', 'rr_b_1']],
    ] as const) {
      const r = await api<{ dag_runs: { dag_run_id: string }[]; total_entries: number }>(
        'GET',
        `/api/v2/dags/~/dagRuns?order_by=-id&${query}`,
      );
      expect(r.status, r.text).toBe(200);
      expect(
        r.body.dag_runs.map((run) => run.dag_run_id),
        query,
      ).toEqual(expected);
    }
    // on one DAG's list too, and the total counts what the filter keeps
    const one = await api<{ dag_runs: unknown[]; total_entries: number }>(
      'GET',
      '/api/v2/dags/rr_a/dagRuns?runs_per_dag=3',
    );
    expect([one.body.dag_runs.length, one.body.total_entries]).toEqual([3, 3]);
    const bad = await api('GET', '/api/v2/dags/~/dagRuns?runs_per_dag=0');
    expect(bad.status).toBe(422);
  }, 180_000);
});
