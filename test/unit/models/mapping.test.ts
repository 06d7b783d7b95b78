/** Dynamic task mapping's expansion: lengths and each map index's arguments, as Airflow's. */
import { describe, expect, it } from 'vitest';
import {
  checkMapLength,
  type ExpandSource,
  expandedArgs,
  expansionLength,
  GaleError,
  type MappingSpec,
  type OutputSource,
} from '../../../src/models/index.js';

type ListSource = Extract<ExpandSource, { type: 'literal' | 'output' }>;
const lit = (...values: unknown[]): ListSource => ({ type: 'literal', values });
const out = (taskId: string): ListSource => ({ type: 'output', taskId, key: 'return_value' });
const expand = (...pairs: [string, ExpandSource][]): MappingSpec => ({
  type: 'expand',
  partial: {},
  expand: pairs.map(([name, source]) => ({ name, source })),
});
const kwargs = (source: ExpandSource): MappingSpec => ({ type: 'expand_kwargs', partial: {}, source });
const outputs: Record<string, unknown> = {
  files: ['a', 'b', 'c'],
  none: [],
  dict: { x: 1, y: 2 },
  rows: [{ a: 1 }, { a: 2, b: 'two' }],
  scalar: 42,
};
const resolve = (s: OutputSource) => outputs[s.taskId];
const all = (spec: MappingSpec) =>
  Array.from({ length: expansionLength(spec, resolve, 't') }, (_, i) => expandedArgs(spec, i, resolve, 't'));

describe('expansion', () => {
  it.each<[string, MappingSpec, Record<string, unknown>[]]>([
    ['one literal list', expand(['x', lit(1, 2, 3)]), [{ x: 1 }, { x: 2 }, { x: 3 }]],
    [
      'a cross product, the last name varying fastest',
      expand(['x', lit(1, 2)], ['y', lit('a', 'b', 'c')]),
      [
        { x: 1, y: 'a' },
        { x: 1, y: 'b' },
        { x: 1, y: 'c' },
        { x: 2, y: 'a' },
        { x: 2, y: 'b' },
        { x: 2, y: 'c' },
      ],
    ],
    ['an upstream output', expand(['f', out('files')]), [{ f: 'a' }, { f: 'b' }, { f: 'c' }]],
    [
      'an object, as its [key, value] pairs',
      expand(['kv', out('dict')]),
      [{ kv: ['x', 1] }, { kv: ['y', 2] }],
    ],
    ['an empty list', expand(['x', lit()]), []],
    ['a cross product with an empty list', expand(['x', lit(1, 2)], ['y', out('none')]), []],
    [
      'a zip, as long as the shortest',
      expand(['p', { type: 'zip', sources: [lit(1, 2, 3), out('files')], fill: null }]),
      [{ p: [1, 'a'] }, { p: [2, 'b'] }, { p: [3, 'c'] }],
    ],
    [
      'a zip with a fill value, as long as the longest',
      expand(['p', { type: 'zip', sources: [lit(1), out('files')], fill: { value: 0 } }]),
      [{ p: [1, 'a'] }, { p: [0, 'b'] }, { p: [0, 'c'] }],
    ],
    ['expandKwargs over a literal list', kwargs(lit({ a: 1 }, { a: 2 })), [{ a: 1 }, { a: 2 }]],
    ['expandKwargs over an upstream output', kwargs(out('rows')), [{ a: 1 }, { a: 2, b: 'two' }]],
    ['expandKwargs over an empty list', kwargs(out('none')), []],
  ])('%s', (_name, spec, expected) => {
    expect(all(spec)).toEqual(expected);
  });

  it.each<[string, MappingSpec, string]>([
    ['an output that is not a list', expand(['x', out('scalar')]), 'cannot expand over 42'],
    ['a missing output', expand(['x', out('nothing')]), 'cannot expand over a missing output'],
    ['expandKwargs over a list of non-objects', kwargs(lit(1)), 'element 0 is 1'],
  ])('%s fails with GALE_ERR_MAP_INPUT_INVALID', (_name, spec, message) => {
    const error = (() => {
      try {
        expansionLength(spec, resolve, 'DAG "d", mapped task "t"');
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(GaleError);
    expect((error as GaleError).code).toBe('GALE_ERR_MAP_INPUT_INVALID');
    expect((error as GaleError).message).toContain(message);
  });

  it('a map index past the input fails', () => {
    expect(() => expandedArgs(expand(['x', lit(1)]), 1, resolve, 't')).toThrow(/map index 1/);
  });
});

describe('max map length', () => {
  it.each([
    [3, 3, false],
    [4, 3, true],
    [1024, 1024, false],
    [0, 1, false],
  ])('%i instances with core.max_map_length %i fails: %s', (length, max, fails) => {
    const check = () => checkMapLength(length, max, 'DAG "d", mapped task "t"');
    if (fails) expect(check).toThrow(/more than core.max_map_length/);
    else expect(check).not.toThrow();
  });
});
