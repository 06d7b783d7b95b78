/**
 * Readiness of mapped tasks (decideRun): an unexpanded mapped task is handed to expansion when its
 * trigger rule passes; each expanded instance is decided alone; a downstream task's trigger rule
 * counts every instance of a mapped upstream, as Airflow's.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { TaskInstanceState, TriggerRule } from '../../../src/models/index.js';
import { decideRun, type TiForDecision } from '../../../src/scheduler/run-decisions.js';
import { dag, takeDefinedDags, task } from '../../../src/sdk/index.js';
import { DAG_DEFAULTS } from '../sdk/dag-defaults.js';

const up = task('up', () => [1, 2]);
const mapped = task({ taskId: 'mapped', retries: 1 }, (_ctx, { x }: { x: number }) => x);
const down = task('down', (_ctx, xs: number[]) => xs.length);

function shape(rule: TriggerRule) {
  takeDefinedDags();
  return dag({ dagId: 'm' }, () => {
    down.override({ triggerRule: rule })(mapped.expand({ x: up() }));
  }).serialize('/dags/m.ts', DAG_DEFAULTS);
}

const ti = (
  task_id: string,
  map_index: number,
  state: TaskInstanceState,
  next_retry_at: string | null = null,
) => ({ id: `${task_id}[${map_index}]`, task_id, map_index, state, next_retry_at }) satisfies TiForDecision;
const now = new Date('2026-01-01T00:00:00Z');

beforeEach(() => {
  takeDefinedDags();
});

describe('mapped task readiness', () => {
  it('an unexpanded mapped task waits for its upstream, then is expanded rather than scheduled', () => {
    const d = shape('all_success');
    const waiting = decideRun(
      d,
      [ti('up', -1, 'running'), ti('mapped', -1, 'none'), ti('down', -1, 'none')],
      now,
    );
    expect(waiting.toExpand).toEqual([]);
    const ready = decideRun(
      d,
      [ti('up', -1, 'success'), ti('mapped', -1, 'none'), ti('down', -1, 'none')],
      now,
    );
    expect(ready.toExpand).toEqual([{ tiId: 'mapped[-1]', taskId: 'mapped' }]);
    expect([...ready.toState.values()].flat()).toEqual([]);
    expect(ready.runState).toBeNull();
  });

  it.each<[string, TriggerRule, TaskInstanceState[], TaskInstanceState | 'waits']>([
    ['all instances succeeded', 'all_success', ['success', 'success'], 'scheduled'],
    ['one instance still runs', 'all_success', ['success', 'running'], 'waits'],
    ['one instance failed', 'all_success', ['success', 'failed'], 'upstream_failed'],
    ['one instance failed, all_done', 'all_done', ['success', 'failed'], 'scheduled'],
    ['one instance waits for its retry', 'all_done', ['success', 'up_for_retry'], 'waits'],
    ['the mapped task was skipped (empty input)', 'all_success', ['skipped'], 'skipped'],
    ['one instance succeeded, one_success', 'one_success', ['success', 'running'], 'scheduled'],
  ])('downstream of a mapped task: %s (%s)', (_name, rule, states, expected) => {
    const tis = [
      ti('up', -1, 'success'),
      ...states.map((s, i) => ti('mapped', states.length === 1 && s === 'skipped' ? -1 : i, s)),
      ti('down', -1, 'none'),
    ];
    const { toState } = decideRun(shape(rule), tis, now);
    const moved = [...toState].find(([, ids]) => ids.includes('down[-1]'))?.[0];
    expect(moved ?? 'waits').toBe(expected);
  });

  it('a failed instance is retried alone when its retry is due', () => {
    const tis = [
      ti('up', -1, 'success'),
      ti('mapped', 0, 'success'),
      ti('mapped', 1, 'up_for_retry', '2025-12-31T23:59:00Z'),
      ti('mapped', 2, 'up_for_retry', '2026-01-01T00:01:00Z'),
      ti('down', -1, 'none'),
    ];
    const { toState, toExpand } = decideRun(shape('all_success'), tis, now);
    expect(toState.get('scheduled')).toEqual(['mapped[1]']);
    expect(toExpand).toEqual([]);
  });

  it('a run whose leaf is a mapped task fails when one of its instances failed', () => {
    takeDefinedDags();
    const d = dag({ dagId: 'leaf' }, () => {
      mapped.expand({ x: [1, 2] });
    }).serialize('/dags/leaf.ts', DAG_DEFAULTS);
    expect(decideRun(d, [ti('mapped', 0, 'success'), ti('mapped', 1, 'failed')], now).runState).toBe(
      'failed',
    );
    expect(decideRun(d, [ti('mapped', 0, 'success'), ti('mapped', 1, 'success')], now).runState).toBe(
      'success',
    );
  });
});
