/**
 * Readiness in a mapped task group (decideRun): an unexpanded task of the group waits only for the
 * tasks outside the group (the group's input), so every task of the group is expanded once the
 * input is known; instance i of a task waits for, and follows the state of, instance i of the
 * group's task it depends on; the task after the group counts every instance of the group's last task.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { TaskInstanceState } from '../../../src/models/index.js';
import { decideRun, type TiForDecision } from '../../../src/scheduler/run-decisions.js';
import { dag, type GroupArgs, takeDefinedDags, task, taskGroup } from '../../../src/sdk/index.js';
import { DAG_DEFAULTS } from '../sdk/dag-defaults.js';

const numbers = task('numbers', (): number[] => [1, 2]);
const first = task('s', (_ctx, x: number) => x);
const second = task('t', (_ctx, x: number) => x);
const reduce = task('reduce', (_ctx, xs: number[]) => xs.length);

function shape() {
  takeDefinedDags();
  return dag({ dagId: 'mg' }, () => {
    reduce(taskGroup('g', ({ x }: GroupArgs<{ x: number }>) => second(first(x))).expand({ x: numbers() }));
  }).serialize('/dags/mg.ts', DAG_DEFAULTS);
}

const ti = (task_id: string, map_index: number, state: TaskInstanceState) =>
  ({
    id: `${task_id}[${map_index}]`,
    task_id,
    map_index,
    state,
    next_retry_at: null,
  }) satisfies TiForDecision;
const now = new Date('2026-01-01T00:00:00Z');
const movedTo = (d: ReturnType<typeof decideRun>, id: string) =>
  [...d.toState].find(([, ids]) => ids.includes(id))?.[0] ?? 'waits';

beforeEach(() => {
  takeDefinedDags();
});

describe('mapped task group readiness', () => {
  it("expands every task of the group once the group's input is done, not before", () => {
    const tis = (input: TaskInstanceState) => [
      ti('numbers', -1, input),
      ti('g.s', -1, 'none'),
      ti('g.t', -1, 'none'),
      ti('reduce', -1, 'none'),
    ];
    expect(decideRun(shape(), tis('running'), now).toExpand).toEqual([]);
    expect(decideRun(shape(), tis('success'), now).toExpand.map((e) => e.taskId)).toEqual(['g.s', 'g.t']);
  });

  it.each<[string, TaskInstanceState[], (TaskInstanceState | 'waits')[]]>([
    ['instance 0 of s succeeded, 1 still runs', ['success', 'running'], ['scheduled', 'waits']],
    ['instance 1 of s failed', ['success', 'failed'], ['scheduled', 'upstream_failed']],
    ['instance 0 of s skipped', ['skipped', 'success'], ['skipped', 'scheduled']],
  ])('instance i of t follows instance i of s: %s', (_name, sStates, expected) => {
    const tis = [
      ti('numbers', -1, 'success'),
      ...sStates.map((s, i) => ti('g.s', i, s)),
      ti('g.t', 0, 'none'),
      ti('g.t', 1, 'none'),
      ti('reduce', -1, 'none'),
    ];
    const decided = decideRun(shape(), tis, now);
    expect([movedTo(decided, 'g.t[0]'), movedTo(decided, 'g.t[1]')]).toEqual(expected);
  });

  it("an expanded t waits while s is not expanded yet, and follows s's state when s was skipped unexpanded", () => {
    const waiting = decideRun(
      shape(),
      [ti('numbers', -1, 'success'), ti('g.s', -1, 'none'), ti('g.t', 0, 'none'), ti('reduce', -1, 'none')],
      now,
    );
    expect(movedTo(waiting, 'g.t[0]')).toBe('waits');
    const failed = decideRun(
      shape(),
      [ti('numbers', -1, 'success'), ti('g.s', -1, 'failed'), ti('g.t', 0, 'none'), ti('reduce', -1, 'none')],
      now,
    );
    expect(movedTo(failed, 'g.t[0]')).toBe('upstream_failed');
  });

  it('the task after the group waits for every instance of its last task', () => {
    const tis = (last: TaskInstanceState) => [
      ti('numbers', -1, 'success'),
      ti('g.s', 0, 'success'),
      ti('g.s', 1, 'success'),
      ti('g.t', 0, 'success'),
      ti('g.t', 1, last),
      ti('reduce', -1, 'none'),
    ];
    expect(movedTo(decideRun(shape(), tis('running'), now), 'reduce[-1]')).toBe('waits');
    expect(movedTo(decideRun(shape(), tis('success'), now), 'reduce[-1]')).toBe('scheduled');
  });
});
