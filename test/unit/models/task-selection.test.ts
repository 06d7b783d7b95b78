import { describe, expect, it } from 'vitest';
import { isAsked, splitTaskIds } from '../../../src/models/index.js';

describe('splitTaskIds', () => {
  it.each([
    ['task ids only', ['a', 'b'], ['a', 'b'], {}],
    ['one instance of a mapped task', [['m', 2]], ['m'], { m: [2] }],
    ['several instances of one task', [['m', 2], ['m', 0], 'a'], ['a', 'm'], { m: [0, 2] }],
    ['a bare task id wins over its map indexes', [['m', 2], 'm'], ['m'], {}],
    ['repeats collapse', ['a', 'a', ['m', 1], ['m', 1]], ['a', 'm'], { m: [1] }],
  ] as const)('%s', (_name, items, taskIds, mapIndexes) => {
    const split = splitTaskIds(items);
    expect([...split.taskIds].sort()).toEqual([...taskIds].sort());
    expect(Object.fromEntries([...split.mapIndexes].map(([k, v]) => [k, [...v].sort()]))).toEqual(mapIndexes);
  });
});

describe('isAsked', () => {
  const { mapIndexes } = splitTaskIds([['m', 1], 'a']);
  it.each([
    ['a task named by its id, any map index', { task_id: 'a', map_index: 3 }, true],
    ['the named instance of a mapped task', { task_id: 'm', map_index: 1 }, true],
    ['another instance of that task', { task_id: 'm', map_index: 0 }, false],
    ['a task not named at all (chosen by the caller)', { task_id: 'z', map_index: -1 }, true],
  ])('%s', (_name, ti, expected) => {
    expect(isAsked(mapIndexes, ti)).toBe(expected);
  });
  it('takes every instance when no map index was named', () => {
    expect(isAsked(undefined, { task_id: 'm', map_index: 0 })).toBe(true);
  });
});
