/** Which DAGs a limited user may see: by id, by tag, either, or every DAG. */
import { describe, expect, it } from 'vitest';
import {
  ALL_DAGS,
  canSeeDag,
  type DagAccess,
  describeDagAccess,
  parseNameList,
} from '../../../src/models/index.js';

const finance = { dagId: 'ledger', tags: ['finance', 'daily'] };
const untagged = { dagId: 'cleanup', tags: [] };

describe('canSeeDag', () => {
  const cases: [string, DagAccess, { dagId: string; tags: string[] }, boolean][] = [
    ['unrestricted sees a tagged DAG', ALL_DAGS, finance, true],
    ['unrestricted sees an untagged DAG', ALL_DAGS, untagged, true],
    ['by tag: a DAG with the tag', { dagIds: null, dagTags: ['finance'] }, finance, true],
    ['by tag: a DAG without it', { dagIds: null, dagTags: ['finance'] }, untagged, false],
    ['by tag: tags match whole, not in part', { dagIds: null, dagTags: ['fin'] }, finance, false],
    ['by id: the DAG named', { dagIds: ['cleanup'], dagTags: null }, untagged, true],
    ['by id: another DAG', { dagIds: ['cleanup'], dagTags: null }, finance, false],
    ['ids and tags: either suffices (id)', { dagIds: ['cleanup'], dagTags: ['finance'] }, untagged, true],
    ['ids and tags: either suffices (tag)', { dagIds: ['cleanup'], dagTags: ['finance'] }, finance, true],
    ['empty lists: no DAG at all', { dagIds: [], dagTags: [] }, finance, false],
    ['an empty id list with null tags: no DAG', { dagIds: [], dagTags: null }, untagged, false],
  ];
  it.each(cases)('%s', (_name, access, dag, expected) => {
    expect(canSeeDag(access, dag)).toBe(expected);
  });
});

describe('parseNameList and describeDagAccess', () => {
  it.each([
    ['a,b', ['a', 'b']],
    [' a , b ,a,', ['a', 'b']],
    ['', []],
    [',,', []],
  ])('parses %j as %j', (text, list) => {
    expect(parseNameList(text)).toEqual(list);
  });

  it.each([
    [ALL_DAGS, 'all'],
    [{ dagIds: ['a', 'b'], dagTags: null }, 'ids: a,b'],
    [{ dagIds: null, dagTags: ['finance'] }, 'tags: finance'],
    [{ dagIds: [], dagTags: ['x'] }, 'ids: -; tags: x'],
  ] as [DagAccess, string][])('describes %j as %j', (access, text) => {
    expect(describeDagAccess(access)).toBe(text);
  });
});
