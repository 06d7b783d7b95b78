import { describe, expect, it } from 'vitest';
import type { SerializedDag } from '../../../src/models/index.js';
import { deadlineOf } from '../../../src/scheduler/dag-callbacks.js';

const RUN = { logical_date: '2026-11-29T00:00:00.000Z', queued_at: '2026-11-29T06:00:00.000Z' };

describe("a run's deadline", () => {
  const cases: [
    string,
    SerializedDag['deadline'],
    typeof RUN | { logical_date: string; queued_at: null },
    string | null,
  ][] = [
    ['none without a deadline alert', null, RUN, null],
    [
      'interval after the logical date',
      { reference: 'logical_date', intervalMs: 3_600_000 },
      RUN,
      '2026-11-29T01:00:00.000Z',
    ],
    [
      'interval after the queue time',
      { reference: 'queued_at', intervalMs: 90_000 },
      RUN,
      '2026-11-29T06:01:30.000Z',
    ],
    [
      'none before a run is queued',
      { reference: 'queued_at', intervalMs: 1000 },
      { ...RUN, queued_at: null },
      null,
    ],
  ];
  it.each(cases)('%s', (_, deadline, run, expected) => {
    const at = deadlineOf({ deadline } as SerializedDag, run);
    expect(at === null ? null : new Date(at).toISOString()).toBe(expected);
  });
});
