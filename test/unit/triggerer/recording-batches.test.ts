import { describe, expect, it } from 'vitest';
import { chunked } from '../../../src/db/index.js';
import { isBatchFull, planRecording } from '../../../src/triggerer/recording-batches.js';
import type { TriggerOutcome } from '../../../src/triggerer/running-triggers.js';

const fired = (triggerId: number): TriggerOutcome => ({
  kind: 'fired',
  triggerId,
  classpath: 'c',
  event: triggerId,
});
const failed = (triggerId: number): TriggerOutcome => ({
  kind: 'failed',
  triggerId,
  classpath: 'c',
  error: 'x',
});
const ids = (outcomes: readonly TriggerOutcome[]) => outcomes.map((o) => o.triggerId);

describe('chunked', () => {
  it.each([
    { items: [], size: 2, chunks: [] },
    { items: [1], size: 2, chunks: [[1]] },
    { items: [1, 2], size: 2, chunks: [[1, 2]] },
    { items: [1, 2, 3, 4, 5], size: 2, chunks: [[1, 2], [3, 4], [5]] },
    { items: [1, 2, 3], size: 500, chunks: [[1, 2, 3]] },
  ])('$items in chunks of $size: $chunks', ({ items, size, chunks }) => {
    expect(chunked(items, size)).toEqual(chunks);
  });

  it.each([0, -1, 1.5])('rejects a chunk size of %s', (size) => {
    expect(() => chunked([1], size)).toThrow(RangeError);
  });
});

describe('planRecording', () => {
  it.each([
    { name: 'nothing settled', outcomes: [], size: 2, batches: [], failedIds: [] },
    { name: 'fewer than a batch', outcomes: [fired(1)], size: 2, batches: [[1]], failedIds: [] },
    {
      name: 'several batches, in the order they settled',
      outcomes: [fired(3), fired(1), fired(2), fired(5), fired(4)],
      size: 2,
      batches: [[3, 1], [2, 5], [4]],
      failedIds: [],
    },
    {
      name: 'failed ones apart, fired ones batched around them',
      outcomes: [fired(1), failed(2), fired(3), failed(4), fired(5)],
      size: 2,
      batches: [[1, 3], [5]],
      failedIds: [2, 4],
    },
    { name: 'only failed ones', outcomes: [failed(7)], size: 2, batches: [], failedIds: [7] },
  ])('$name', ({ outcomes, size, batches, failedIds }) => {
    const plan = planRecording(outcomes, size);
    expect(plan.firedBatches.map(ids)).toEqual(batches);
    expect(ids(plan.failed)).toEqual(failedIds);
  });

  it('batches 500 fired triggers a transaction by default', () => {
    const plan = planRecording(Array.from({ length: 1001 }, (_, i) => fired(i)));
    expect(plan.firedBatches.map((b) => b.length)).toEqual([500, 500, 1]);
  });
});

describe('isBatchFull', () => {
  it.each([
    { waiting: 0, size: 3, full: false },
    { waiting: 2, size: 3, full: false },
    { waiting: 3, size: 3, full: true },
    { waiting: 4, size: 3, full: true },
  ])('$waiting waiting, batches of $size: $full', ({ waiting, size, full }) => {
    expect(isBatchFull(waiting, size)).toBe(full);
  });
});
