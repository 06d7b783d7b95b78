/**
 * The graph view's layout: every task a node once, task groups as boxes around their tasks, a
 * collapsed group one node standing for its tasks with the edges through it, and the nodes in
 * the order of the flow.
 */
import { describe, expect, it } from 'vitest';
import { groupState, type LayoutTask, layoutGraph } from '../../../ui/src/components/graph-layout.js';

function task(task_id: string, upstream: string[] = [], task_group_id: string | null = null): LayoutTask {
  return { task_id, task_group_id, upstream_task_ids: upstream };
}

// start → etl.extract → etl.parse.a → etl.parse.b → end, with a nested group etl.parse
const TASKS = [
  task('start'),
  task('etl.extract', ['start'], 'etl'),
  task('etl.parse.a', ['etl.extract'], 'etl.parse'),
  task('etl.parse.b', ['etl.parse.a'], 'etl.parse'),
  task('end', ['etl.parse.b', 'start']),
];

const inside = (inner: { x: number; y: number; width: number; height: number }, outer: typeof inner) =>
  inner.x >= outer.x &&
  inner.y >= outer.y &&
  inner.x + inner.width <= outer.x + outer.width &&
  inner.y + inner.height <= outer.y + outer.height;

describe('layoutGraph', () => {
  it.each([
    {
      what: 'all groups open',
      collapsed: [],
      nodes: ['start', 'etl.extract', 'etl.parse.a', 'etl.parse.b', 'end'],
      groups: ['etl', 'etl.parse'],
      edges: [
        'start>etl.extract',
        'etl.extract>etl.parse.a',
        'etl.parse.a>etl.parse.b',
        'etl.parse.b>end',
        'start>end',
      ],
    },
    {
      what: 'the inner group collapsed',
      collapsed: ['etl.parse'],
      nodes: ['start', 'etl.extract', 'group:etl.parse', 'end'],
      groups: ['etl'],
      edges: ['start>etl.extract', 'etl.extract>group:etl.parse', 'group:etl.parse>end', 'start>end'],
    },
    {
      what: 'the outer group collapsed (the inner one with it)',
      collapsed: ['etl', 'etl.parse'],
      nodes: ['start', 'group:etl', 'end'],
      groups: [],
      edges: ['start>group:etl', 'group:etl>end', 'start>end'],
    },
  ])('$what', ({ collapsed, nodes, groups, edges }) => {
    const graph = layoutGraph(TASKS, new Set(collapsed));
    expect(graph.nodes.map((n) => n.id).sort()).toEqual([...nodes].sort());
    expect(graph.groups.map((g) => g.id).sort()).toEqual([...groups].sort());
    expect(graph.edges.map((e) => `${e.from}>${e.to}`).sort()).toEqual([...edges].sort());
    for (const e of graph.edges) expect(e.points.length).toBeGreaterThan(1);
    // every node and box inside the drawing
    const canvas = { x: 0, y: 0, width: graph.width, height: graph.height };
    for (const box of [...graph.nodes, ...graph.groups]) expect(inside(box, canvas)).toBe(true);
  });

  it("draws a group's box around its tasks, nested boxes inside their outer one", () => {
    const graph = layoutGraph(TASKS, new Set());
    const box = (id: string) => graph.groups.find((g) => g.id === id)!;
    const node = (id: string) => graph.nodes.find((n) => n.id === id)!;
    expect(inside(node('etl.extract'), box('etl'))).toBe(true);
    expect(inside(node('etl.parse.a'), box('etl.parse'))).toBe(true);
    expect(inside(box('etl.parse'), box('etl'))).toBe(true);
    expect(inside(node('start'), box('etl'))).toBe(false);
    expect(node('etl.parse.a').label).toBe('a');
    expect(box('etl.parse').label).toBe('parse');
  });

  it('lists the nodes left to right, as the tasks flow', () => {
    const ids = layoutGraph(TASKS, new Set()).nodes.map((n) => n.id);
    expect(ids.indexOf('start')).toBeLessThan(ids.indexOf('etl.extract'));
    expect(ids.indexOf('etl.parse.b')).toBeLessThan(ids.indexOf('end'));
  });

  it('a collapsed group stands for its tasks', () => {
    const group = layoutGraph(TASKS, new Set(['etl'])).nodes.find((n) => n.id === 'group:etl');
    expect(group).toMatchObject({ kind: 'group', group: 'etl', label: 'etl' });
    expect(group?.taskIds.sort()).toEqual(['etl.extract', 'etl.parse.a', 'etl.parse.b']);
  });
});

describe("a collapsed group's state", () => {
  it.each([
    { states: ['success', 'failed', 'running'], expected: 'failed' },
    { states: ['success', 'running'], expected: 'running' },
    { states: ['success', 'none'], expected: 'none' },
    { states: ['success', 'skipped'], expected: 'success' },
    { states: ['skipped', 'skipped'], expected: 'skipped' },
    { states: [], expected: 'none' },
  ])('$states → $expected', ({ states, expected }) => {
    expect(groupState(states)).toBe(expected);
  });
});
