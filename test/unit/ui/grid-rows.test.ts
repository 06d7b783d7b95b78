/** The grid's rows: task groups as rows of their own that collapse, and their state per run. */
import { describe, expect, it } from 'vitest';
import { groupState } from '../../../ui/src/components/graph-layout.js';
import {
  formatCollapsed,
  gridRows,
  parseCollapsed,
  toggleGroup,
} from '../../../ui/src/components/grid-rows.js';

const task = (task_id: string, task_group_id: string | null = null) => ({ task_id, task_group_id });
// listed as the API lists them: not grouped together ("etl.load" after "report")
const TASKS = [
  task('start'),
  task('etl.extract', 'etl'),
  task('etl.parse.a', 'etl.parse'),
  task('report'),
  task('etl.parse.b', 'etl.parse'),
  task('etl.load', 'etl'),
];

/** "<indent><kind> label", one a row, as the grid shows them */
const shown = (collapsed: string[]) =>
  gridRows(TASKS, new Set(collapsed)).map(
    (r) =>
      `${'  '.repeat(r.depth)}${r.kind === 'group' ? `${r.isExpanded ? 'v' : '>'} ${r.label}` : r.label}`,
  );

describe('the grid rows of a DAG with task groups', () => {
  it.each([
    {
      collapsed: [],
      rows: ['start', 'v etl', '  extract', '  v parse', '    a', '    b', '  load', 'report'],
    },
    { collapsed: ['etl'], rows: ['start', '> etl', 'report'] },
    { collapsed: ['etl.parse'], rows: ['start', 'v etl', '  extract', '  > parse', '  load', 'report'] },
    // an inner group collapsed inside a collapsed one stays hidden with it
    { collapsed: ['etl', 'etl.parse'], rows: ['start', '> etl', 'report'] },
    {
      collapsed: ['no-such-group'],
      rows: ['start', 'v etl', '  extract', '  v parse', '    a', '    b', '  load', 'report'],
    },
  ])('collapsed $collapsed', ({ collapsed, rows }) => {
    expect(shown(collapsed)).toEqual(rows);
  });

  it("a group's row stands for every task inside it, its inner groups' too", () => {
    const groups = gridRows(TASKS, new Set()).filter((r) => r.kind === 'group');
    expect(groups.map((g) => [g.id, g.kind === 'group' ? g.taskIds : []])).toEqual([
      ['etl', ['etl.extract', 'etl.parse.a', 'etl.parse.b', 'etl.load']],
      ['etl.parse', ['etl.parse.a', 'etl.parse.b']],
    ]);
  });

  it('a DAG without groups has a row per task, in order', () => {
    expect(gridRows([task('b'), task('a')], new Set()).map((r) => r.id)).toEqual(['b', 'a']);
  });
});

describe("a group's state in a run, as Airflow 3's grid (the first of its priority list)", () => {
  it.each([
    { states: ['success', 'success'], expected: 'success' },
    { states: ['success', 'failed', 'running'], expected: 'failed' },
    { states: ['success', 'running'], expected: 'running' },
    { states: ['queued', 'running'], expected: 'running' },
    { states: ['running', 'up_for_reschedule'], expected: 'up_for_reschedule' },
    { states: ['success', 'none'], expected: 'none' },
    { states: ['scheduled', 'none'], expected: 'scheduled' },
    { states: ['success', 'skipped'], expected: 'success' },
    { states: ['skipped', 'removed'], expected: 'skipped' },
  ])('$states → $expected', ({ states, expected }) => {
    expect(groupState(states)).toBe(expected);
  });
});

describe('the collapsed groups in the address', () => {
  it.each([
    { text: null, groups: [] },
    { text: '', groups: [] },
    { text: 'etl', groups: ['etl'] },
    { text: 'etl,etl.parse', groups: ['etl', 'etl.parse'] },
    { text: 'etl,,x', groups: ['etl', 'x'] },
  ])('$text', ({ text, groups }) => {
    expect([...parseCollapsed(text)]).toEqual(groups);
  });

  it('toggling a group twice gives the address back; none collapsed is no parameter', () => {
    const once = toggleGroup(parseCollapsed('etl'), 'etl.parse');
    expect(formatCollapsed(once)).toBe('etl,etl.parse');
    expect(formatCollapsed(toggleGroup(once, 'etl.parse'))).toBe('etl');
    expect(formatCollapsed(toggleGroup(parseCollapsed('etl'), 'etl'))).toBeNull();
  });
});
