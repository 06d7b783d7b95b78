/**
 * Assets with the real CLI and scheduler: a producer's successful try emits an event (with the
 * extra it set) that creates an asset-triggered run of the consumer, whose task and templates see
 * it; all/any conditions; an event created with `gale assets event create`; assetOrTime runs both
 * by its timetable and on events.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type GaleHome, makeGaleHome, runsOf, waitFor } from '../support/gale-home.js';

const POLL = { intervalMs: 250, timeoutMs: 90_000 } as const;

interface RunRow {
  run_id: string;
  run_type: string;
  state: string;
}

function runs(g: GaleHome, dagId: string): RunRow[] {
  return runsOf(g.db(), dagId) as unknown as RunRow[];
}

function output(g: GaleHome, dagId: string, taskId: string): unknown {
  const row = g
    .db()
    .prepare("select value from xcom where dag_id = ? and task_id = ? and key = 'return_value'")
    .get(dagId, taskId) as { value: string } | undefined;
  return row ? JSON.parse(row.value) : undefined;
}

const DAGS = `import { asset, assetAny, assetOrTime, cronTrigger, dag, shell, task } from 'gale/sdk';
const raw = asset('s3://bucket/raw', { name: 'raw' });
const other = asset('s3://bucket/other');
const third = asset('s3://bucket/third');

dag({ dagId: 'producer', paused: false }, () => {
  task({ taskId: 'write', outlets: [raw] }, (ctx) => {
    ctx.outletEvents(raw).extra = { rows: 42 };
    return 'written';
  })();
});

dag({ dagId: 'consumer', schedule: raw, paused: false }, () => {
  task('read', (ctx) => ctx.triggeringAssetEvents)();
  shell('echo_rows', "echo rows={{ triggering_asset_events['s3://bucket/raw'][0].extra.rows }}");
});

dag({ dagId: 'needs_both', schedule: [raw, other], paused: false }, () => {
  task('read', (ctx) => Object.keys(ctx.triggeringAssetEvents).sort())();
});

dag({ dagId: 'either', schedule: assetAny(other, third), paused: false }, () => {
  task('read', (ctx) => ctx.triggeringAssetEvents['s3://bucket/other']?.[0]?.extra ?? null)();
});

dag({
  dagId: 'asset_or_time',
  schedule: assetOrTime({ timetable: cronTrigger('0 0 1 1 *'), assets: [third] }),
  startDate: '2025-06-01',
  paused: false,
}, () => {
  task('t', (ctx) => ctx.runId)();
});
`;

describe('assets', () => {
  let g: GaleHome;
  afterEach(() => g?.cleanup());

  it("a producer's event triggers its consumers with its extra; all/any conditions, CLI events and assetOrTime", async () => {
    g = makeGaleHome();
    g.writeDag('assets.ts', DAGS);
    const standalone = g.start(['standalone']);
    const seen = () => standalone.output().slice(-3000);
    await waitFor(() => g.db().prepare("select 1 from dag where dag_id = 'asset_or_time'").get(), {
      ...POLL,
      what: 'the DAGs to be parsed',
      seen,
    });

    // assetOrTime: its timetable alone gives the scheduled run of the latest tick
    await waitFor(() => runs(g, 'asset_or_time').some((r) => r.run_type === 'scheduled'), {
      ...POLL,
      what: 'the timed run of asset_or_time',
      seen: () => runs(g, 'asset_or_time'),
    });

    const listed = g.gale(['assets', 'list', '-o', 'json']);
    expect(listed.code, listed.stderr).toBe(0);
    const assets = JSON.parse(listed.stdout) as {
      uri: string;
      name: string;
      consuming_dags: string[];
      producing_tasks: string[];
    }[];
    expect(assets.map((a) => [a.uri, a.consuming_dags, a.producing_tasks])).toEqual([
      ['s3://bucket/other', ['either', 'needs_both'], []],
      ['s3://bucket/raw', ['consumer', 'needs_both'], ['producer.write']],
      ['s3://bucket/third', ['asset_or_time', 'either'], []],
    ]);

    expect(g.gale(['dags', 'trigger', 'producer']).code).toBe(0);
    await waitFor(() => runs(g, 'consumer')[0]?.state === 'success', {
      ...POLL,
      what: 'the consumer run to succeed',
      seen: () => ({ producer: runs(g, 'producer'), consumer: runs(g, 'consumer'), out: seen() }),
    });
    expect(runs(g, 'consumer').map((r) => r.run_type)).toEqual(['asset_triggered']);
    const read = output(g, 'consumer', 'read') as Record<
      string,
      { extra: unknown; sourceDagId: string; sourceTaskId: string }[]
    >;
    expect(Object.keys(read)).toEqual(['s3://bucket/raw']);
    expect(read['s3://bucket/raw']?.[0]).toMatchObject({
      extra: { rows: 42 },
      sourceDagId: 'producer',
      sourceTaskId: 'write',
    });
    expect(output(g, 'consumer', 'echo_rows')).toBe('rows=42');

    // needs_both waits for other; either has nothing of its own yet
    expect(runs(g, 'needs_both')).toEqual([]);
    expect(runs(g, 'either')).toEqual([]);

    const created = g.gale([
      'assets',
      'event',
      'create',
      's3://bucket/other',
      '--extra',
      '{"from": "cli"}',
      '-o',
      'json',
    ]);
    expect(created.code, created.stderr).toBe(0);
    expect(JSON.parse(created.stdout)).toEqual([
      expect.objectContaining({ uri: 's3://bucket/other', extra: { from: 'cli' } }),
    ]);
    await waitFor(
      () => runs(g, 'needs_both')[0]?.state === 'success' && runs(g, 'either')[0]?.state === 'success',
      {
        ...POLL,
        what: 'needs_both and either to run',
        seen: () => ({ needs_both: runs(g, 'needs_both'), either: runs(g, 'either') }),
      },
    );
    expect(output(g, 'needs_both', 'read')).toEqual(['s3://bucket/other', 's3://bucket/raw']);
    expect(output(g, 'either', 'read')).toEqual({ from: 'cli' });

    // the consumed events left the queues: an event for third runs asset_or_time and either, not needs_both
    const third = g.gale(['assets', 'event', 'create', 's3://bucket/third']);
    expect(third.code, third.stderr).toBe(0);
    await waitFor(
      () => runs(g, 'asset_or_time').some((r) => r.run_type === 'asset_triggered' && r.state === 'success'),
      {
        ...POLL,
        what: 'an asset-triggered run of asset_or_time',
        seen: () => runs(g, 'asset_or_time'),
      },
    );
    await waitFor(() => runs(g, 'either').length === 2, {
      ...POLL,
      what: 'a second run of either',
      seen: () => runs(g, 'either'),
    });
    expect(runs(g, 'needs_both')).toHaveLength(1);

    const events = g.gale(['assets', 'events', '--uri', 's3://bucket/raw', '-o', 'json']);
    expect(events.code, events.stderr).toBe(0);
    expect(JSON.parse(events.stdout)).toEqual([
      expect.objectContaining({
        uri: 's3://bucket/raw',
        source_dag_id: 'producer',
        source_task_id: 'write',
        extra: { rows: 42 },
      }),
    ]);

    const unknown = g.gale(['assets', 'event', 'create', 's3://bucket/nope']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('No asset has the URI "s3://bucket/nope"');
    await standalone.stop();
  });
});
