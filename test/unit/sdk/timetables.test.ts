/**
 * Typed schedules: what cronTrigger(), cronDataIntervals(), every(), events(), assets and
 * assetOrTime() compile to, and the runs the timetables give (Airflow 3's timetables).
 */
import { describe, expect, it } from 'vitest';
import {
  type AssetCondition,
  type DagRunInfo,
  nextDagRunInfo,
  type ScheduleSpec,
} from '../../../src/models/index.js';
import {
  asset,
  assetAll,
  assetAny,
  assetOrTime,
  cronDataIntervals,
  cronTrigger,
  dag,
  events,
  every,
  type Schedule,
  takeDefinedDags,
  task,
} from '../../../src/sdk/index.js';

const DEFAULTS = {
  catchup: false,
  dataIntervals: false,
  timezone: 'UTC',
  maxActiveRuns: 16,
  maxActiveTasks: 16,
};

function serialize(schedule: Schedule, startDate: string | null = '2026-01-01') {
  const d = dag({ dagId: 'd', schedule, startDate: startDate ?? undefined }, () => {
    task('t', () => 1)();
  });
  takeDefinedDags();
  return d.serialize('/dags/d.ts', DEFAULTS);
}

const A = { type: 'asset', uri: 's3://a' } as const;
const B = { type: 'asset', uri: 's3://b' } as const;
const both: AssetCondition = { type: 'all', items: [A, B] };

describe('compiling a schedule', () => {
  const a = asset('s3://a');
  const b = asset('s3://b', { name: 'b', group: 'raw', extra: { owner: 'x' } });
  const cases: {
    name: string;
    schedule: Schedule;
    spec: ScheduleSpec;
    text: string | null;
    assets: string[];
  }[] = [
    {
      name: 'text cron',
      schedule: '0 6 * * *',
      spec: { type: 'cron', expression: '0 6 * * *', dataIntervals: false },
      text: '0 6 * * *',
      assets: [],
    },
    {
      name: 'cronTrigger with a time zone',
      schedule: cronTrigger('@daily', { timezone: 'Europe/Berlin' }),
      spec: { type: 'cron', expression: '0 0 * * *', dataIntervals: false, timezone: 'Europe/Berlin' },
      text: '@daily',
      assets: [],
    },
    {
      name: 'cronDataIntervals',
      schedule: cronDataIntervals('0 * * * *'),
      spec: { type: 'cron', expression: '0 * * * *', dataIntervals: true },
      text: '0 * * * *',
      assets: [],
    },
    {
      name: 'every',
      schedule: every('30m'),
      spec: { type: 'delta', ms: 1_800_000 },
      text: '30m',
      assets: [],
    },
    {
      name: 'events, sorted and deduplicated',
      schedule: events(['2026-03-02T00:00:00Z', new Date('2026-03-01T00:00:00Z'), '2026-03-02T00:00:00Z']),
      spec: { type: 'events', dates: ['2026-03-01T00:00:00.000Z', '2026-03-02T00:00:00.000Z'] },
      text: 'events (2)',
      assets: [],
    },
    {
      name: 'one asset',
      schedule: a,
      spec: { type: 'assets', condition: A },
      text: 's3://a',
      assets: ['s3://a'],
    },
    {
      name: 'a list: all of them',
      schedule: [a, b],
      spec: {
        type: 'assets',
        condition: both,
      },
      text: 's3://a & s3://b',
      assets: ['s3://a', 's3://b'],
    },
    {
      name: 'assetAny',
      schedule: assetAny(a, b),
      spec: {
        type: 'assets',
        condition: {
          type: 'any',
          items: [A, B],
        },
      },
      text: 's3://a | s3://b',
      assets: ['s3://a', 's3://b'],
    },
    {
      name: 'a.and(b.or(a))',
      schedule: a.and(b.or(a)),
      spec: {
        type: 'assets',
        condition: {
          type: 'all',
          items: [
            A,
            {
              type: 'any',
              items: [B, A],
            },
          ],
        },
      },
      text: 's3://a & (s3://b | s3://a)',
      assets: ['s3://a', 's3://b'],
    },
    {
      name: 'assetOrTime',
      schedule: assetOrTime({ timetable: cronTrigger('0 6 * * *'), assets: assetAll(a, b) }),
      spec: {
        type: 'asset_or_time',
        condition: both,
        timetable: { type: 'cron', expression: '0 6 * * *', dataIntervals: false },
      },
      text: '0 6 * * * or s3://a & s3://b',
      assets: ['s3://a', 's3://b'],
    },
  ];
  for (const t of cases) {
    it(t.name, () => {
      const s = serialize(t.schedule);
      expect(s.schedule).toEqual(t.spec);
      expect(s.scheduleText).toBe(t.text);
      expect((s.scheduleAssets ?? []).map((x) => x.uri)).toEqual(t.assets);
    });
  }

  it("keeps an asset's name, group and extra", () => {
    expect(serialize(b).scheduleAssets).toEqual([
      { uri: 's3://b', name: 'b', group: 'raw', extra: { owner: 'x' } },
    ]);
  });

  it('a schedule on assets or events needs no startDate; every() does', () => {
    expect(serialize(a, null).schedule.type).toBe('assets');
    expect(serialize(events(['2026-03-01']), null).schedule.type).toBe('events');
    expect(() => serialize(every('1h'), null)).toThrow(/no startDate/);
    expect(() => serialize(assetOrTime({ timetable: every('1h'), assets: [a] }), null)).toThrow(
      /no startDate/,
    );
  });

  const invalid: { name: string; make: () => unknown; code: string }[] = [
    {
      name: 'every() with a cron expression',
      make: () => every('0 * * * *'),
      code: 'GALE_ERR_SCHEDULE_INVALID',
    },
    {
      name: 'cronTrigger() with an interval',
      make: () => cronTrigger('30m'),
      code: 'GALE_ERR_SCHEDULE_INVALID',
    },
    {
      name: 'cronTrigger() with an unknown time zone',
      make: () => cronTrigger('@daily', { timezone: 'Mars/Base' }),
      code: 'GALE_ERR_SCHEDULE_INVALID',
    },
    {
      name: 'events() with a bad date',
      make: () => events(['not a date']),
      code: 'GALE_ERR_SCHEDULE_INVALID',
    },
    { name: 'events() with no dates', make: () => events([]), code: 'GALE_ERR_SCHEDULE_INVALID' },
    { name: 'assetAll() with nothing', make: () => assetAll(), code: 'GALE_ERR_ASSET_INVALID' },
    {
      name: 'an outlet that is not an asset',
      make: () => serializeWithOutlets(['s3://x']),
      code: 'GALE_ERR_ASSET_INVALID',
    },
  ];
  for (const t of invalid) {
    it(`${t.name} fails with ${t.code}`, () => {
      expect(t.make).toThrow(expect.objectContaining({ code: t.code }));
    });
  }
});

function serializeWithOutlets(outlets: unknown[]) {
  try {
    dag({ dagId: 'o' }, () => {
      task({ taskId: 't', outlets: outlets as never }, () => 1)();
    });
  } finally {
    takeDefinedDags();
  }
}

describe('outlets', () => {
  it("a task's outlets are serialized once each", () => {
    const out = asset('s3://out', { extra: { k: 1 } });
    const d = dag({ dagId: 'p' }, () => {
      task({ taskId: 't', outlets: [out, out] }, () => 1)();
    });
    takeDefinedDags();
    expect(d.serialize('/x.ts', DEFAULTS).tasks[0]?.outlets).toEqual([
      { uri: 's3://out', name: 's3://out', group: 'asset', extra: { k: 1 } },
    ]);
  });
});

describe('nextDagRunInfo for the new timetables', () => {
  const at = (iso: string) => new Date(iso);
  const run = (iso: string): DagRunInfo => ({
    logicalDate: at(iso),
    dataIntervalStart: at(iso),
    dataIntervalEnd: at(iso),
    runAfter: at(iso),
  });
  const dates = ['2026-03-01T00:00:00.000Z', '2026-03-02T00:00:00.000Z', '2026-03-03T00:00:00.000Z'];
  const eventsSpec: ScheduleSpec = { type: 'events', dates };
  const cases: {
    name: string;
    schedule: ScheduleSpec;
    catchup: boolean;
    lastRun: DagRunInfo | null;
    now: string;
    next: string | null;
  }[] = [
    {
      name: 'events: the first, before any is due',
      schedule: eventsSpec,
      catchup: false,
      lastRun: null,
      now: '2026-02-01T00:00:00Z',
      next: dates[0]!,
    },
    {
      name: 'events with catchup: the first past one',
      schedule: eventsSpec,
      catchup: true,
      lastRun: null,
      now: '2026-03-02T12:00:00Z',
      next: dates[0]!,
    },
    {
      name: 'events without catchup: the latest past one',
      schedule: eventsSpec,
      catchup: false,
      lastRun: null,
      now: '2026-03-02T12:00:00Z',
      next: dates[1]!,
    },
    {
      name: 'events: after the last run',
      schedule: eventsSpec,
      catchup: true,
      lastRun: run(dates[1]!),
      now: '2026-03-02T12:00:00Z',
      next: dates[2]!,
    },
    {
      name: 'events: none after the last',
      schedule: eventsSpec,
      catchup: true,
      lastRun: run(dates[2]!),
      now: '2026-04-01T00:00:00Z',
      next: null,
    },
    {
      name: 'assets: never a timed run',
      schedule: { type: 'assets', condition: A },
      catchup: true,
      lastRun: null,
      now: '2026-03-02T00:00:00Z',
      next: null,
    },
    {
      name: 'asset_or_time: its timetable',
      schedule: {
        type: 'asset_or_time',
        condition: A,
        timetable: { type: 'cron', expression: '0 6 * * *', dataIntervals: false },
      },
      catchup: false,
      lastRun: null,
      now: '2026-03-02T07:00:00Z',
      next: '2026-03-02T06:00:00.000Z',
    },
    {
      name: 'cron read in its own time zone',
      schedule: { type: 'cron', expression: '0 6 * * *', dataIntervals: false, timezone: 'Europe/Berlin' },
      catchup: false,
      lastRun: null,
      now: '2026-03-02T07:00:00Z',
      next: '2026-03-02T05:00:00.000Z',
    },
  ];
  for (const t of cases) {
    it(t.name, () => {
      const info = nextDagRunInfo({
        schedule: t.schedule,
        startDate: at('2026-01-01T00:00:00Z'),
        endDate: null,
        catchup: t.catchup,
        timezone: 'UTC',
        lastRun: t.lastRun,
        now: at(t.now),
      });
      expect(info?.logicalDate.toISOString() ?? null).toBe(t.next);
      if (info)
        expect(info.dataIntervalStart).toEqual(
          t.schedule.type === 'events' ? info.logicalDate : info.dataIntervalStart,
        );
    });
  }
});
