/** Setup/teardown graph rules and dependsOnPast, table-driven, as Airflow 3 decides them. */
import { describe, expect, it } from 'vitest';
import {
  type GraphTask,
  indirectSetups,
  type PastTask,
  runStateTasks,
  type TaskInstanceState,
  taskGraph,
  tasksToClear,
  tasksWaitingForPast,
} from '../../../src/models/index.js';

/** "s>w" edges; a task named s* is a setup, t* a teardown, T* a teardown with onFailureFailDagrun. */
function graph(edges: string, extra: string[] = []) {
  const ids = new Set(extra);
  const up = new Map<string, string[]>();
  for (const e of edges.split(' ').filter(Boolean)) {
    const [a, b] = e.split('>') as [string, string];
    ids.add(a).add(b);
    up.set(b, [...(up.get(b) ?? []), a]);
  }
  const tasks: GraphTask[] = [...ids].map((taskId) => ({
    taskId,
    upstream: up.get(taskId) ?? [],
    isSetup: taskId.startsWith('s'),
    isTeardown: taskId.startsWith('t') || taskId.startsWith('T'),
    onFailureFailDagrun: taskId.startsWith('T'),
  }));
  return taskGraph(tasks);
}

const sorted = (xs: Iterable<string>) => [...xs].sort();

describe('runStateTasks: the tasks that decide a run state', () => {
  it.each([
    ['a plain chain: its leaf', 'a>b b>c', ['c']],
    ['a teardown leaf is left out: the work task before it decides', 's>w w>t s>t', ['w']],
    ['onFailureFailDagrun keeps a teardown in', 's>w w>T s>T', ['T']],
    ['a task before a kept teardown is no leaf', 's>w w>T s>T w>x', ['T', 'x']],
    ['only teardowns: fall back to the leaves', 't1>t2', ['t2']],
    ['two leaves, one a teardown', 's>w w>t s>t w>v', ['v']],
  ])('%s', (_name, edges, expected) => {
    expect(sorted(runStateTasks(graph(edges)))).toEqual(expected);
  });
});

describe('indirectSetups: the setup constraint of work tasks', () => {
  it.each([
    ['a direct child of the setup has none', 's>w1 w1>w2 w2>t s>t', 'w1', []],
    ['a grandchild inside the scope waits for the setup', 's>w1 w1>w2 w2>t s>t', 'w2', ['s']],
    ['a task after the teardown is outside the scope', 's>w1 w1>t s>t t>after', 'after', []],
    ['a setup without teardown scopes everything below', 's>w1 w1>w2', 'w2', ['s']],
    ['a teardown has no indirect setups', 's>w1 w1>t s>t', 't', []],
  ])('%s', (_name, edges, task, expected) => {
    expect(sorted(indirectSetups(graph(edges), task))).toEqual(expected);
  });
});

describe('tasksToClear', () => {
  const g = graph('s>w1 w1>w2 w2>t s>t t>after pre>s');
  it.each<[string, string[], { upstream?: boolean; downstream?: boolean }, string[]]>([
    ['a work task takes its setup and teardown', ['w2'], {}, ['s', 't', 'w2']],
    ['a setup takes its teardowns', ['s'], {}, ['s', 't']],
    ['a teardown alone', ['t'], {}, ['t']],
    ['a task outside any scope alone', ['after'], {}, ['after']],
    ['downstream of w1', ['w1'], { downstream: true }, ['after', 's', 't', 'w1', 'w2']],
    ['upstream of w2', ['w2'], { upstream: true }, ['pre', 's', 't', 'w1', 'w2']],
  ])('%s', (_name, ids, include, expected) => {
    expect(sorted(tasksToClear(g, ids, include))).toEqual(expected);
  });
});

describe('tasksWaitingForPast', () => {
  const tasks: PastTask[] = [
    { taskId: 'a', dependsOnPast: true, waitForDownstream: false },
    { taskId: 'b', dependsOnPast: true, waitForDownstream: true },
    { taskId: 'free', dependsOnPast: false, waitForDownstream: false },
  ];
  const downstream = new Map([
    ['a', ['b']],
    ['b', ['c']],
    ['free', ['a']],
  ]);
  const prev = (states: Record<string, TaskInstanceState | TaskInstanceState[]>) =>
    Object.entries(states).flatMap(([task_id, s]) => [s].flat().map((state) => ({ task_id, state })));
  it.each<[string, Record<string, TaskInstanceState | TaskInstanceState[]>, string[]]>([
    ['no previous run: nothing waits', {}, []],
    ['previous instances succeeded and downstream done', { a: 'success', b: 'success', c: 'skipped' }, []],
    ['a failed before: a waits', { a: 'failed', b: 'success', c: 'success' }, ['a']],
    ['a still running before: a waits', { a: 'running', b: 'success', c: 'success' }, ['a']],
    ['b succeeded but its downstream c failed: b waits', { a: 'success', b: 'success', c: 'failed' }, ['b']],
    ['b succeeded, c never ran: b waits', { a: 'success', b: 'success' }, ['b']],
    ['one map index of a failed: a waits', { a: ['success', 'failed'], b: 'skipped', c: 'skipped' }, ['a']],
    ['the previous run did not have a: a is free', { b: 'success', c: 'success' }, []],
  ])('%s', (_name, states, expected) => {
    expect(sorted(tasksWaitingForPast(tasks, downstream, prev(states)))).toEqual(expected);
  });
});
