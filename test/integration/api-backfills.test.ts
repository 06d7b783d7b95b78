/**
 * /api/v2/backfills as Airflow 3's public API shapes it, through `gale standalone`: a Viewer reads
 * but may not create, pause or cancel; bad requests answer problems (422 for a body that breaks the
 * schema or a request that cannot be a backfill, 404 for an unknown DAG or backfill, 409 for a
 * second active backfill or a change to a completed one); a dry run creates nothing; pause and
 * unpause answer PUT and POST; the scheduler runs the backfill to completion; the changes are in
 * the audit log.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { login } from '../support/api-client.js';
import { type GaleHome, makeGaleHome, waitFor } from '../support/gale-home.js';
import { startStandalone } from '../support/ui-session.js';

const DAGS = `
import { dag, task } from 'gale/sdk';
dag({ dagId: 'api_bf', schedule: '@daily', startDate: '2025-01-01T00:00:00Z', catchup: false }, () => {
  task('t', (ctx) => ctx.ds)();
});
dag({ dagId: 'api_manual', schedule: null }, () => {
  task('t', () => 'ok')();
});
`;

interface Backfill {
  id: number;
  dag_id: string;
  is_paused: boolean;
  completed_at: string | null;
  reprocess_behavior: string;
  max_active_runs: number;
}

describe('backfills API', () => {
  let g: GaleHome;
  afterEach(() => g?.cleanup());

  it('a Viewer reads backfills, a User creates, pauses and cancels them, and bad requests answer problems', async () => {
    g = makeGaleHome();
    g.writeDag('api.ts', DAGS);
    const { base, password, s } = await startStandalone(g);
    const admin = await login(base, 'admin', password);
    const created = g.gale(
      ['users', 'create', '-u', 'v', '-r', 'Viewer', '--password-stdin'],
      {},
      'viewer-password\n',
    );
    expect(created.code, created.stderr).toBe(0);
    const viewer = await login(base, 'v', 'viewer-password');
    await waitFor(async () => (await admin('GET', '/api/v2/dags/api_manual')).status === 200, {
      what: 'the DAGs in the API',
      timeoutMs: 90_000,
      seen: () => s.output().slice(-2000),
    });
    const body = { dag_id: 'api_bf', from_date: '2025-03-01T00:00:00Z', to_date: '2025-03-03T00:00:00Z' };

    const refused = await viewer('POST', '/api/v2/backfills', body);
    expect(refused.status).toBe(403);
    expect(refused.body.detail).toContain('needs the User role');
    expect((await viewer('POST', '/api/v2/backfills/dry_run', body)).status).toBe(403);

    for (const [request, status, code] of [
      [{ ...body, from_date: body.to_date, to_date: body.from_date }, 422, 'GALE_ERR_BACKFILL_INVALID'],
      [
        { ...body, from_date: '2099-01-01T00:00:00Z', to_date: '2099-02-01T00:00:00Z' },
        422,
        'GALE_ERR_BACKFILL_INVALID',
      ],
      [{ ...body, dag_id: 'api_manual' }, 422, 'GALE_ERR_BACKFILL_INVALID'],
      [{ ...body, dag_id: 'nope' }, 404, 'GALE_ERR_DAG_NOT_FOUND'],
      [{ ...body, reprocess_behavior: 'sometimes' }, 422, 'GALE_ERR_INVALID_REQUEST'],
      [{ ...body, max_active_runs: 0 }, 422, 'GALE_ERR_INVALID_REQUEST'],
      [{ ...body, from_date: 'yesterday' }, 422, 'GALE_ERR_INVALID_REQUEST'],
    ] as const) {
      const r = await admin('POST', '/api/v2/backfills', request);
      expect([r.status, r.body.code], JSON.stringify(request)).toEqual([status, code]);
      expect(r.headers.get('content-type')).toContain('application/problem+json');
    }

    const dry = await admin('POST', '/api/v2/backfills/dry_run', { ...body, run_backwards: true });
    expect(dry.status, dry.text).toBe(200);
    expect(dry.body).toEqual({
      backfills: ['2025-03-03', '2025-03-02', '2025-03-01'].map((d) => ({
        logical_date: `${d}T00:00:00.000Z`,
      })),
      total_entries: 3,
    });
    expect((await viewer('GET', '/api/v2/backfills')).body).toEqual({ backfills: [], total_entries: 0 });

    const made = await admin<Backfill>('POST', '/api/v2/backfills', {
      ...body,
      max_active_runs: 1,
      dag_run_conf: { a: 1 },
    });
    expect(made.status, made.text).toBe(200);
    expect(made.body).toMatchObject({
      dag_id: 'api_bf',
      from_date: '2025-03-01T00:00:00.000Z',
      to_date: '2025-03-03T00:00:00.000Z',
      dag_run_conf: { a: 1 },
      is_paused: false,
      reprocess_behavior: 'none',
      max_active_runs: 1,
      dag_display_name: 'api_bf',
    });
    const id = made.body.id;
    const twice = await admin('POST', '/api/v2/backfills', body);
    expect([twice.status, twice.body.code]).toEqual([409, 'GALE_ERR_BACKFILL_ACTIVE']);
    expect((await viewer('PUT', `/api/v2/backfills/${id}/cancel`)).status).toBe(403);

    expect((await admin<Backfill>('PUT', `/api/v2/backfills/${id}/pause`)).body.is_paused).toBe(true);
    expect((await viewer<Backfill>('GET', `/api/v2/backfills/${id}`)).body.is_paused).toBe(true);
    expect((await admin<Backfill>('POST', `/api/v2/backfills/${id}/unpause`)).body.is_paused).toBe(false);
    expect((await viewer('GET', '/api/v2/backfills/999999')).status).toBe(404);

    const done = await waitFor(
      async () => {
        const r = await viewer<Backfill>('GET', `/api/v2/backfills/${id}`);
        return r.body.completed_at ? r.body : null;
      },
      { what: 'the backfill to complete', timeoutMs: 90_000, seen: () => s.output().slice(-2000) },
    );
    expect(done.completed_at).toEqual(expect.any(String));
    const runs = await viewer<{ dag_runs: { run_type: string; state: string; conf: unknown }[] }>(
      'GET',
      '/api/v2/dags/api_bf/dagRuns?run_type=backfill',
    );
    expect(runs.body.dag_runs.map((r) => [r.run_type, r.state, r.conf])).toEqual(
      [1, 2, 3].map(() => ['backfill', 'success', { a: 1 }]),
    );
    const late = await admin('POST', `/api/v2/backfills/${id}/cancel`);
    expect([late.status, late.body.code]).toEqual([409, 'GALE_ERR_BACKFILL_COMPLETED']);

    const listed = await viewer<{ backfills: Backfill[]; total_entries: number }>(
      'GET',
      '/api/v2/backfills?dag_id=api_bf&limit=1&offset=0',
    );
    expect(listed.body.total_entries).toBe(1);
    expect(listed.body.backfills.map((b) => b.id)).toEqual([id]);
    expect((await viewer('GET', '/api/v2/backfills?dag_id=api_manual')).body).toEqual({
      backfills: [],
      total_entries: 0,
    });

    const events = await admin<{ event_logs: { event: string; owner: string }[] }>(
      'GET',
      '/api/v2/eventLogs?owner=admin&limit=100',
    );
    const backfillEvents = events.body.event_logs.map((e) => e.event).filter((e) => e.includes('backfills'));
    expect(backfillEvents).toEqual(
      expect.arrayContaining([
        'api:POST /api/v2/backfills',
        'api:PUT /api/v2/backfills/:backfill_id/pause',
        'api:POST /api/v2/backfills/:backfill_id/unpause',
      ]),
    );
    await s.stop();
  }, 300_000);
});
