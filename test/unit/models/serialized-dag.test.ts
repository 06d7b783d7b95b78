import { describe, expect, it } from 'vitest';
import {
  effectivePriorities,
  type SerializedTask,
  type WeightRule,
} from '../../../src/models/serialized-dag.js';

function makeTask(
  taskId: string,
  upstream: string[],
  priorityWeight: number,
  weightRule: WeightRule,
): SerializedTask {
  return {
    taskId,
    kind: 'function',
    upstream,
    args: [],
    flow: null,
    taskGroup: null,
    triggerRule: 'all_success',
    isSetup: false,
    isTeardown: false,
    onFailureFailDagrun: false,
    dependsOnPast: false,
    waitForDownstream: false,
    maxActiveTisPerDag: null,
    maxActiveTisPerDagrun: null,
    retries: 0,
    retryDelayMs: 300_000,
    retryExponentialBackoff: false,
    maxRetryDelayMs: null,
    executionTimeoutMs: null,
    pool: 'default_pool',
    poolSlots: 1,
    priorityWeight,
    weightRule,
    queue: 'default',
    executor: null,
    freshProcess: false,
    owner: 'gale',
    doc: null,
  };
}

/**
 * A diamond with a tail, weights as powers of two so every sum names its members:
 *   a(1) -> b(2) -> d(8) -> e(16)
 *   a(1) -> c(4) -> d(8)
 */
function diamond(weightRule: WeightRule): SerializedTask[] {
  return [
    makeTask('a', [], 1, weightRule),
    makeTask('b', ['a'], 2, weightRule),
    makeTask('c', ['a'], 4, weightRule),
    makeTask('d', ['b', 'c'], 8, weightRule),
    makeTask('e', ['d'], 16, weightRule),
  ];
}

describe('effectivePriorities', () => {
  it.each([
    {
      weightRule: 'downstream',
      // own weight plus every task downstream, each counted once (d is reached twice from a)
      expected: { a: 1 + 2 + 4 + 8 + 16, b: 2 + 8 + 16, c: 4 + 8 + 16, d: 8 + 16, e: 16 },
    },
    {
      weightRule: 'upstream',
      // own weight plus every task upstream, each counted once (a is reached twice from d)
      expected: { a: 1, b: 1 + 2, c: 1 + 4, d: 1 + 2 + 4 + 8, e: 1 + 2 + 4 + 8 + 16 },
    },
    { weightRule: 'absolute', expected: { a: 1, b: 2, c: 4, d: 8, e: 16 } },
  ] as const)('sums priority weights under the $weightRule weight rule', ({ weightRule, expected }) => {
    expect(Object.fromEntries(effectivePriorities(diamond(weightRule)))).toEqual(expected);
  });

  it("applies each task's own weight rule, adding the others' own weights", () => {
    const tasks = [
      makeTask('a', [], 1, 'downstream'),
      makeTask('b', ['a'], 10, 'absolute'),
      makeTask('c', ['b'], 100, 'upstream'),
    ];
    expect(Object.fromEntries(effectivePriorities(tasks))).toEqual({ a: 111, b: 10, c: 111 });
  });

  it('keeps negative weights', () => {
    const tasks = [makeTask('a', [], -5, 'downstream'), makeTask('b', ['a'], 2, 'downstream')];
    expect(Object.fromEntries(effectivePriorities(tasks))).toEqual({ a: -3, b: 2 });
  });

  it('gives nothing for a DAG without tasks', () => {
    expect(effectivePriorities([]).size).toBe(0);
  });
});
