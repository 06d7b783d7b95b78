import { beforeEach, describe, expect, it } from 'vitest';
import { chain, dag, group, takeDefinedDags, task } from '../../../src/sdk/index.js';

const step = task('step', () => 1);
const DEFAULTS = {
  catchup: false,
  dataIntervals: false,
  timezone: 'UTC',
  maxActiveRuns: 16,
  maxActiveTasks: 16,
};

function upstreamOf(d: ReturnType<typeof dag>): Record<string, string[]> {
  return Object.fromEntries(d.serialize('/x.ts', DEFAULTS).tasks.map((t) => [t.taskId, t.upstream]));
}

describe('task groups', () => {
  beforeEach(() => {
    takeDefinedDags();
  });

  it('prefixes the ids of the tasks inside, nested groups included, and records the group path', () => {
    const d = dag({ dagId: 'g' }, () => {
      group('extract', () => {
        step.override({ taskId: 'a' })();
        group('parse', () => {
          step.override({ taskId: 'b' })();
        });
      });
      step.override({ taskId: 'outside' })();
    });
    const tasks = d.serialize('/x.ts', DEFAULTS).tasks;
    expect(tasks.map((t) => [t.taskId, t.taskGroup])).toEqual([
      ['extract.a', 'extract'],
      ['extract.parse.b', 'extract.parse'],
      ['outside', null],
    ]);
  });

  it("applies the group's defaultArgs over the DAG's, and the task's own options over both", () => {
    const d = dag({ dagId: 'g', defaultArgs: { retries: 1, owner: 'dag' } }, () => {
      group({ groupId: 'heavy', defaultArgs: { retries: 3, pool: 'default_pool' } }, () => {
        step.override({ taskId: 'x' })();
        step.override({ taskId: 'y', retries: 5 })();
      });
    });
    const tasks = d.serialize('/x.ts', DEFAULTS).tasks;
    expect(tasks.map((t) => [t.taskId, t.retries, t.owner])).toEqual([
      ['heavy.x', 3, 'dag'],
      ['heavy.y', 5, 'dag'],
    ]);
  });

  it('a group depends on and is depended on through its first and last tasks', () => {
    const d = dag({ dagId: 'g' }, () => {
      const start = step.override({ taskId: 'start' })();
      const g = group('work', () => {
        const a = step.override({ taskId: 'a' })();
        const b = step.override({ taskId: 'b' })();
        const c = step.override({ taskId: 'c' })();
        a.then(c);
        b.then(c);
      });
      const end = step.override({ taskId: 'end' })();
      start.then(g);
      g.then(end);
    });
    expect(upstreamOf(d)).toEqual({
      start: [],
      'work.a': ['start'],
      'work.b': ['start'],
      'work.c': ['work.a', 'work.b'],
      end: ['work.c'],
    });
  });

  it('chain() takes groups too, and a repeated group id is an error', () => {
    const d = dag({ dagId: 'g' }, () => {
      const one = group('one', () => {
        step.override({ taskId: 'x' })();
      });
      const two = group('two', () => {
        step.override({ taskId: 'x' })();
      });
      chain(one, two);
    });
    expect(upstreamOf(d)).toEqual({ 'one.x': [], 'two.x': ['one.x'] });
    expect(() =>
      dag({ dagId: 'dup' }, () => {
        group('same', () => {
          step();
        });
        group('same', () => {
          step();
        });
      }),
    ).toThrow(/defines group "same" twice/);
  });
});
