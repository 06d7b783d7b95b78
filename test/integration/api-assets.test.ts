/**
 * /api/v2/assets and /api/v2/assets/events through `gale standalone`: assets listed with
 * pagination and their consumers, one asset by id, events filtered, and an event created by an
 * Op (audited) that triggers the consuming DAG; a Viewer reads but may not create one.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { login } from '../support/api-client.js';
import { type GaleHome, makeGaleHome, waitFor } from '../support/gale-home.js';

const DAGS = `import { asset, dag, task } from 'gale/sdk';
dag({ dagId: 'api_consumer', schedule: [asset('s3://api/a'), asset('s3://api/b')], paused: false }, () => {
  task('read', (ctx) => ctx.triggeringAssetEvents['s3://api/a']?.[0]?.extra ?? null)();
});
dag({ dagId: 'api_producer', paused: false }, () => {
  task({ taskId: 't', outlets: [asset('s3://api/c')] }, () => 1)();
});
`;

interface Asset {
  id: number;
  uri: string;
  consuming_dags: { dag_id: string }[];
  producing_tasks: { dag_id: string; task_id: string }[];
}
interface AssetEvent {
  id: number;
  asset_id: number;
  uri: string;
  extra: Record<string, unknown>;
  source_dag_id: string | null;
}

describe('assets API', () => {
  let g: GaleHome;
  afterEach(() => g?.cleanup());

  it('lists assets and events with pagination and filters; an Op creates an event that triggers a run; a Viewer may not', async () => {
    g = makeGaleHome();
    g.writeDag('assets.ts', DAGS);
    const s = g.start(['standalone']);
    const base = await waitFor(() => /"ui":"(http:\/\/localhost:\d+)"/.exec(s.output())?.[1], {
      what: 'the UI URL in the log',
      seen: () => s.output().slice(-2000),
    });
    const password = await waitFor(() => /^ {2}password: (\S+)$/m.exec(s.output())?.[1], {
      what: 'the admin password on stdout',
      seen: () => s.output().slice(-2000),
    });
    const admin = await login(base, 'admin', password);
    for (const [username, role] of [
      ['vera', 'Viewer'],
      ['otto', 'Op'],
    ] as const) {
      const made = await admin('POST', '/api/v2/users', {
        username,
        password: `${username}-password`,
        roles: [{ name: role }],
      });
      expect(made.status, made.text).toBe(201);
    }
    const viewer = await login(base, 'vera', 'vera-password');
    const op = await login(base, 'otto', 'otto-password');

    const all = await waitFor(
      async () => {
        const r = await viewer<{ assets: Asset[]; total_entries: number }>('GET', '/api/v2/assets');
        return r.body.total_entries === 3 ? r.body : null;
      },
      { what: 'three assets', timeoutMs: 60_000, seen: () => s.output().slice(-2000) },
    );
    expect(all.assets.map((a) => [a.uri, a.consuming_dags, a.producing_tasks])).toEqual([
      ['s3://api/a', [{ dag_id: 'api_consumer' }], []],
      ['s3://api/b', [{ dag_id: 'api_consumer' }], []],
      ['s3://api/c', [], [{ dag_id: 'api_producer', task_id: 't' }]],
    ]);
    const page = await viewer<{ assets: Asset[]; total_entries: number }>(
      'GET',
      '/api/v2/assets?limit=1&offset=1',
    );
    expect(page.body.total_entries).toBe(3);
    expect(page.body.assets.map((a) => a.uri)).toEqual(['s3://api/b']);
    const filtered = await viewer<{ assets: Asset[] }>('GET', '/api/v2/assets?uri_pattern=api/c');
    expect(filtered.body.assets.map((a) => a.uri)).toEqual(['s3://api/c']);
    const a = all.assets[0]!;
    const one = await viewer<Asset>('GET', `/api/v2/assets/${a.id}`);
    expect(one.status, one.text).toBe(200);
    expect(one.body.uri).toBe('s3://api/a');
    expect((await viewer('GET', '/api/v2/assets/999999')).status).toBe(404);

    // a Viewer may not create events; an Op may, by asset_id (Airflow's body) or by uri
    expect((await viewer('POST', '/api/v2/assets/events', { asset_id: a.id, extra: {} })).status).toBe(403);
    const byId = await op<AssetEvent>('POST', '/api/v2/assets/events', {
      asset_id: a.id,
      extra: { batch: 7 },
    });
    expect(byId.status, byId.text).toBe(200);
    expect(byId.body).toMatchObject({
      asset_id: a.id,
      uri: 's3://api/a',
      extra: { batch: 7 },
      source_dag_id: null,
    });
    expect((await op('POST', '/api/v2/assets/events', { uri: 's3://api/none', extra: {} })).status).toBe(404);
    expect((await op('POST', '/api/v2/assets/events', { extra: {} })).status).toBe(400);

    // only one of the two assets had an event: no run yet; the second one triggers it
    const runs = async () =>
      (
        await viewer<{ dag_runs: { run_type: string; state: string }[] }>(
          'GET',
          '/api/v2/dags/api_consumer/dagRuns',
        )
      ).body.dag_runs;
    expect(await runs()).toEqual([]);
    const byUri = await op<AssetEvent>('POST', '/api/v2/assets/events', { uri: 's3://api/b' });
    expect(byUri.status, byUri.text).toBe(200);
    await waitFor(
      async () => (await runs()).some((r) => r.run_type === 'asset_triggered' && r.state === 'success'),
      {
        what: 'an asset-triggered run of api_consumer',
        timeoutMs: 90_000,
        seen: () => s.output().slice(-2000),
      },
    );

    const events = await viewer<{ asset_events: AssetEvent[]; total_entries: number }>(
      'GET',
      '/api/v2/assets/events?order_by=-timestamp',
    );
    expect(events.body.total_entries).toBe(2);
    expect(events.body.asset_events.map((e) => e.uri)).toEqual(['s3://api/b', 's3://api/a']);
    const ofA = await viewer<{ asset_events: AssetEvent[]; total_entries: number }>(
      'GET',
      `/api/v2/assets/events?asset_id=${a.id}`,
    );
    expect(ofA.body.asset_events.map((e) => e.extra)).toEqual([{ batch: 7 }]);
    const paged = await viewer<{ asset_events: AssetEvent[]; total_entries: number }>(
      'GET',
      '/api/v2/assets/events?limit=1',
    );
    expect([paged.body.total_entries, paged.body.asset_events.length]).toEqual([2, 1]);
    expect((await viewer('GET', '/api/v2/assets/events?timestamp_gte=not-a-date')).status).toBe(422);

    const audit = await admin<{ event_logs: { event: string; owner: string }[] }>(
      'GET',
      '/api/v2/eventLogs?owner=otto&limit=100',
    );
    expect(audit.body.event_logs.filter((e) => e.event === 'api:POST /api/v2/assets/events')).toHaveLength(2);
    await s.stop();
  });
});
