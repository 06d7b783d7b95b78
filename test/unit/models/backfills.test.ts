/**
 * Backfills with Airflow 3's meanings: which logical dates a range holds under each timetable
 * (only those whose data interval has ended, in order or backwards), what each reprocess behavior
 * does with an existing run, and the requests Airflow refuses. DAGs are serialized by the real SDK.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import {
  type BackfillRequest,
  backfillRunInfos,
  backfillSkipReason,
  type DagRunState,
  GaleError,
  type ReprocessBehavior,
  type SerializedDag,
  serializedDagSchema,
  validateBackfillRequest,
} from '../../../src/models/index.js';
import { type DagOptions, dag, takeDefinedDags, task } from '../../../src/sdk/index.js';
import { DAG_DEFAULTS } from '../sdk/dag-defaults.js';

beforeEach(() => {
  takeDefinedDags();
});

function serialized(options: Omit<DagOptions, 'dagId'>, taskOptions: { dependsOnPast?: boolean } = {}) {
  const d = dag({ dagId: 'bf', startDate: '2025-01-01T00:00:00Z', ...options }, () => {
    task({ taskId: 't', ...taskOptions }, () => 'ok')();
  });
  return serializedDagSchema.parse(d.serialize('dags/bf.ts', DAG_DEFAULTS)) as SerializedDag;
}

const NOW = new Date('2026-01-10T12:00:00Z');
const dates = (dag: SerializedDag, from: string, to: string, runBackwards = false) =>
  backfillRunInfos(dag, { from: new Date(from), to: new Date(to), runBackwards }, NOW).map((i) => [
    i.logicalDate.toISOString(),
    i.dataIntervalEnd.toISOString(),
  ]);

describe('backfillRunInfos', () => {
  it.each([
    {
      name: 'a daily trigger timetable: each midnight in the range, empty intervals',
      options: { schedule: '@daily' },
      from: '2026-01-01T00:00:00Z',
      to: '2026-01-03T00:00:00Z',
      want: [
        ['2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z'],
        ['2026-01-02T00:00:00.000Z', '2026-01-02T00:00:00.000Z'],
        ['2026-01-03T00:00:00.000Z', '2026-01-03T00:00:00.000Z'],
      ],
    },
    {
      name: 'a range that starts between ticks begins at the next tick',
      options: { schedule: '@daily' },
      from: '2026-01-01T06:00:00Z',
      to: '2026-01-03T06:00:00Z',
      want: [
        ['2026-01-02T00:00:00.000Z', '2026-01-02T00:00:00.000Z'],
        ['2026-01-03T00:00:00.000Z', '2026-01-03T00:00:00.000Z'],
      ],
    },
    {
      name: 'data intervals: logical date at the interval start, the interval must have ended',
      options: { schedule: '@daily', dataIntervals: true },
      from: '2026-01-08T00:00:00Z',
      to: '2026-01-12T00:00:00Z',
      // the interval of 01-10 ends 01-11, after NOW: not yet
      want: [
        ['2026-01-08T00:00:00.000Z', '2026-01-09T00:00:00.000Z'],
        ['2026-01-09T00:00:00.000Z', '2026-01-10T00:00:00.000Z'],
      ],
    },
    {
      name: 'a trigger timetable leaves out ticks after now',
      options: { schedule: '0 */12 * * *' },
      from: '2026-01-09T12:00:00Z',
      to: '2026-01-11T00:00:00Z',
      want: [
        ['2026-01-09T12:00:00.000Z', '2026-01-09T12:00:00.000Z'],
        ['2026-01-10T00:00:00.000Z', '2026-01-10T00:00:00.000Z'],
      ],
    },
    {
      name: 'an interval schedule counts from the range start',
      options: { schedule: '6h' },
      from: '2026-01-01T03:00:00Z',
      to: '2026-01-01T09:00:00Z',
      want: [
        ['2026-01-01T03:00:00.000Z', '2026-01-01T09:00:00.000Z'],
        ['2026-01-01T09:00:00.000Z', '2026-01-01T15:00:00.000Z'],
      ],
    },
    {
      name: 'a range with no tick in it holds nothing',
      options: { schedule: '@monthly' },
      from: '2026-01-02T00:00:00Z',
      to: '2026-01-09T00:00:00Z',
      want: [],
    },
  ])('$name', ({ options, from, to, want }) => {
    expect(dates(serialized(options), from, to)).toEqual(want);
  });

  it('runs backwards: the same dates, latest first', () => {
    const d = serialized({ schedule: '@daily' });
    const forwards = dates(d, '2026-01-01T00:00:00Z', '2026-01-04T00:00:00Z');
    expect(dates(d, '2026-01-01T00:00:00Z', '2026-01-04T00:00:00Z', true)).toEqual([...forwards].reverse());
    expect(forwards).toHaveLength(4);
  });

  it('refuses a range with more logical dates than it can take', () => {
    const d = serialized({ schedule: '1s' });
    expect(() => dates(d, '2025-01-01T00:00:00Z', '2026-01-01T00:00:00Z')).toThrow(/more than 10000/);
  });
});

describe('backfillSkipReason', () => {
  const table: [DagRunState, ReprocessBehavior, string | null][] = [
    ['success', 'none', 'already exists'],
    ['failed', 'none', 'already exists'],
    ['success', 'failed', 'already exists'],
    ['failed', 'failed', null],
    ['success', 'completed', null],
    ['failed', 'completed', null],
    // a run in flight is never touched, whatever the behavior
    ['queued', 'completed', 'in flight'],
    ['running', 'completed', 'in flight'],
    ['running', 'failed', 'in flight'],
    ['queued', 'none', 'in flight'],
  ];
  it.each(table)('a %s run with reprocess %s: %s', (state, behavior, want) => {
    expect(backfillSkipReason(state, behavior)).toBe(want);
  });
});

describe('validateBackfillRequest', () => {
  const ok: BackfillRequest = {
    from: new Date('2026-01-01T00:00:00Z'),
    to: new Date('2026-01-03T00:00:00Z'),
    runBackwards: false,
    reprocessBehavior: 'none',
    maxActiveRuns: 10,
  };
  it.each([
    { name: 'from after to', dag: {}, request: { from: ok.to, to: ok.from }, error: /is after to/ },
    {
      name: 'only future dates',
      dag: {},
      request: { from: new Date('2026-02-01T00:00:00Z'), to: new Date('2026-03-01T00:00:00Z') },
      error: /future dates/,
    },
    { name: 'max active runs 0', dag: {}, request: { maxActiveRuns: 0 }, error: /whole number >= 1/ },
    {
      name: 'a manual-only DAG',
      dag: { schedule: null },
      request: {},
      error: /no periodic schedule \(none\)/,
    },
    { name: 'a @once DAG', dag: { schedule: '@once' }, request: {}, error: /no periodic schedule \(once\)/ },
    {
      name: 'dependsOnPast backwards',
      dag: { dependsOnPast: true },
      request: { runBackwards: true, reprocessBehavior: 'failed' as const },
      error: /cannot run backwards/,
    },
    {
      name: 'dependsOnPast without reprocessing',
      dag: { dependsOnPast: true },
      request: {},
      error: /must reprocess failed or completed/,
    },
  ])('refuses $name', ({ dag: spec, request, error }) => {
    const { dependsOnPast, ...options } = spec as { dependsOnPast?: boolean; schedule?: string | null };
    const d = serialized({ schedule: '@daily', ...options }, { dependsOnPast });
    let thrown: unknown;
    try {
      validateBackfillRequest(d, { ...ok, ...request }, NOW);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(GaleError);
    expect((thrown as GaleError).code).toBe('GALE_ERR_BACKFILL_INVALID');
    expect((thrown as GaleError).message).toMatch(error);
  });

  it('accepts a past range, and dependsOnPast forwards with reprocess failed', () => {
    expect(() => validateBackfillRequest(serialized({ schedule: '@daily' }), ok, NOW)).not.toThrow();
    const past = serialized({ schedule: '@daily' }, { dependsOnPast: true });
    expect(() => validateBackfillRequest(past, { ...ok, reprocessBehavior: 'failed' }, NOW)).not.toThrow();
  });
});
