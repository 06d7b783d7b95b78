/** The grid's cell of a mapped task: the count of its instances and the state that matters most. */
import { describe, expect, it } from 'vitest';
import { groupState } from '../../../ui/src/components/graph-layout.js';
import { summarizeMapped } from '../../../ui/src/components/mapped-summary.js';

const tis = (...states: (string | null)[]) => states.map((state) => ({ state }));

describe('a mapped task in the grid', () => {
  it.each([
    [tis('success', 'success', 'success'), { count: 3, state: 'success', detail: '3 success' }],
    [tis('success', 'failed', 'success'), { count: 3, state: 'failed', detail: '2 success, 1 failed' }],
    [tis('success', 'running', null), { count: 3, state: 'running', detail: '1 success, 1 running, 1 none' }],
    [
      tis('up_for_retry', 'success'),
      { count: 2, state: 'up_for_retry', detail: '1 up_for_retry, 1 success' },
    ],
  ])('%j', (instances, expected) => {
    expect(summarizeMapped(instances, groupState)).toEqual(expected);
  });
});
