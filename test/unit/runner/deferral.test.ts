/** The runner's side of deferral: what a try records when it defers, and what a resumed try runs. */
import { beforeEach, describe, expect, it } from 'vitest';
import { TRIGGER_CLASSPATHS } from '../../../src/models/index.js';
import { deferralOf, resumeFunctionOf } from '../../../src/runner/deferral.js';
import {
  type Dag,
  dag,
  TaskDeferred,
  type TaskNode,
  takeDefinedDags,
  task,
  timeDeltaTrigger,
} from '../../../src/sdk/index.js';

let d: Dag;
let node: TaskNode;
const done = () => 'done';

beforeEach(() => {
  takeDefinedDags();
  d = dag({ dagId: 'd' }, () => {
    task({ taskId: 'wait', executionTimeout: '1h', resume: { done } }, () => 1)();
  });
  node = d.getTask('wait');
});

describe('deferralOf', () => {
  it("records the trigger, method and kwargs, with the deferral's timeout and the task's executionTimeout", () => {
    const deferred = new TaskDeferred(timeDeltaTrigger('5s'), {
      method: 'done',
      kwargs: { n: 1 },
      timeout: '1m',
    });
    expect(deferralOf(deferred, node)).toEqual({
      trigger: { classpath: TRIGGER_CLASSPATHS.timeDelta, kwargs: { delta_ms: 5_000 } },
      method: 'done',
      kwargs: { n: 1 },
      timeoutMs: 60_000,
      executionTimeoutMs: 3_600_000,
    });
  });

  it.each([
    {
      name: 'kwargs that are not JSON',
      deferred: () => {
        const loop: Record<string, unknown> = {};
        loop.self = loop;
        return new TaskDeferred(timeDeltaTrigger('1s'), { kwargs: loop });
      },
      code: 'GALE_ERR_DAG_INVALID',
    },
    {
      name: 'a trigger made by hand without a classpath',
      deferred: () => new TaskDeferred({ classpath: '', kwargs: {} }),
      code: 'GALE_ERR_TRIGGER_INVALID',
    },
  ])('refuses $name, so the try fails saying why', ({ deferred, code }) => {
    expect(() => deferralOf(deferred(), node)).toThrow(expect.objectContaining({ code }));
  });
});

describe('resumeFunctionOf', () => {
  it.each([
    { name: "a try's first run", resume: null, runs: 'the task' },
    {
      name: 'a resume with "execute"',
      resume: { method: 'execute', event: 1, kwargs: {} },
      runs: 'the task',
    },
    {
      name: 'a resume with a resume function',
      resume: { method: 'done', event: 1, kwargs: {} },
      runs: 'done',
    },
  ])('on $name runs $runs', ({ resume, runs }) => {
    const fn = resumeFunctionOf(node, resume);
    expect(fn === null ? 'the task' : fn === done ? 'done' : 'other').toBe(runs);
  });

  it('fails a resume with a function the task no longer has, naming it', () => {
    expect(() => resumeFunctionOf(node, { method: 'gone', event: 1, kwargs: {} })).toThrow(/"gone"/);
  });
});
