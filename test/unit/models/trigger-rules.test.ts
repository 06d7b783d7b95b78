/**
 * The trigger rules against Airflow's TriggerRuleDep (airflow/ti_deps/deps/trigger_rule_dep.py):
 * one row per rule, one column per combination of upstream states.
 */
import { describe, expect, it } from 'vitest';
import type { TaskInstanceState } from '../../../src/models/states.js';
import {
  countUpstream,
  evaluateTriggerRule,
  TRIGGER_RULES,
  type TriggerDecision,
  type TriggerRule,
} from '../../../src/models/trigger-rules.js';

type Upstream = { state: TaskInstanceState; isSetup?: boolean };

const decide = (rule: TriggerRule, upstream: readonly Upstream[]): TriggerDecision =>
  evaluateTriggerRule(rule, countUpstream(upstream));

const states = (...list: TaskInstanceState[]): Upstream[] => list.map((state) => ({ state }));

/** Combinations of the states of a task's direct upstream tasks. */
const SCENARIOS = {
  'all succeeded': states('success', 'success', 'success'),
  'one failed, the others succeeded': states('success', 'failed', 'success'),
  'one upstream_failed, the others succeeded': states('success', 'upstream_failed', 'success'),
  'all skipped': states('skipped', 'skipped'),
  'some skipped, the others succeeded': states('success', 'skipped'),
  'all failed': states('failed', 'failed'),
  'failed and upstream_failed': states('failed', 'upstream_failed'),
  'all upstream_failed': states('upstream_failed', 'upstream_failed'),
  'one succeeded, the others not finished': states('success', 'running', 'none'),
  'one failed, the other running': states('failed', 'running'),
  'one skipped, the other running': states('skipped', 'running'),
  'none finished yet': states('running', 'queued', 'none', 'scheduled'),
  'one succeeded, the other up for retry': states('success', 'up_for_retry'),
  'one failed, the other skipped': states('failed', 'skipped'),
  'one each of succeeded, failed and skipped': states('success', 'failed', 'skipped'),
  'no upstream tasks': states(),
} as const satisfies Record<string, Upstream[]>;
type Scenario = keyof typeof SCENARIOS;

const ALL_DONE: Record<Scenario, TriggerDecision> = {
  'all succeeded': 'run',
  'one failed, the others succeeded': 'run',
  'one upstream_failed, the others succeeded': 'run',
  'all skipped': 'run',
  'some skipped, the others succeeded': 'run',
  'all failed': 'run',
  'failed and upstream_failed': 'run',
  'all upstream_failed': 'run',
  'one succeeded, the others not finished': 'wait',
  'one failed, the other running': 'wait',
  'one skipped, the other running': 'wait',
  'none finished yet': 'wait',
  'one succeeded, the other up for retry': 'wait',
  'one failed, the other skipped': 'run',
  'one each of succeeded, failed and skipped': 'run',
  'no upstream tasks': 'run',
};

const EXPECTED: Record<TriggerRule, Record<Scenario, TriggerDecision>> = {
  all_success: {
    'all succeeded': 'run',
    'one failed, the others succeeded': 'upstream_failed',
    'one upstream_failed, the others succeeded': 'upstream_failed',
    'all skipped': 'skipped',
    'some skipped, the others succeeded': 'skipped',
    'all failed': 'upstream_failed',
    'failed and upstream_failed': 'upstream_failed',
    'all upstream_failed': 'upstream_failed',
    'one succeeded, the others not finished': 'wait',
    // a failure is acted on at once, without waiting for the other upstream tasks
    'one failed, the other running': 'upstream_failed',
    'one skipped, the other running': 'skipped',
    'none finished yet': 'wait',
    'one succeeded, the other up for retry': 'wait',
    // failures are checked before skips
    'one failed, the other skipped': 'upstream_failed',
    'one each of succeeded, failed and skipped': 'upstream_failed',
    'no upstream tasks': 'run',
  },
  all_failed: {
    'all succeeded': 'skipped',
    'one failed, the others succeeded': 'skipped',
    'one upstream_failed, the others succeeded': 'skipped',
    'all skipped': 'skipped',
    'some skipped, the others succeeded': 'skipped',
    'all failed': 'run',
    'failed and upstream_failed': 'run',
    'all upstream_failed': 'run',
    'one succeeded, the others not finished': 'skipped',
    'one failed, the other running': 'wait',
    'one skipped, the other running': 'skipped',
    'none finished yet': 'wait',
    'one succeeded, the other up for retry': 'skipped',
    'one failed, the other skipped': 'skipped',
    'one each of succeeded, failed and skipped': 'skipped',
    'no upstream tasks': 'run',
  },
  all_done: ALL_DONE,
  // As documented: "all upstream tasks are done (success, failed, or skipped) and at least one has succeeded".
  all_done_min_one_success: {
    'all succeeded': 'run',
    'one failed, the others succeeded': 'run',
    'one upstream_failed, the others succeeded': 'run',
    // As Airflow's TriggerRuleDep: nothing failed, so skipped.
    'all skipped': 'skipped',
    'some skipped, the others succeeded': 'run',
    'all failed': 'upstream_failed',
    'failed and upstream_failed': 'upstream_failed',
    'all upstream_failed': 'upstream_failed',
    'one succeeded, the others not finished': 'wait',
    'one failed, the other running': 'wait',
    'one skipped, the other running': 'wait',
    'none finished yet': 'wait',
    'one succeeded, the other up for retry': 'wait',
    'one failed, the other skipped': 'upstream_failed',
    'one each of succeeded, failed and skipped': 'run',
    'no upstream tasks': 'run',
  },
  // Without setup tasks upstream, all_done_setup_success is all_done.
  all_done_setup_success: ALL_DONE,
  all_skipped: {
    'all succeeded': 'skipped',
    'one failed, the others succeeded': 'skipped',
    'one upstream_failed, the others succeeded': 'skipped',
    'all skipped': 'run',
    'some skipped, the others succeeded': 'skipped',
    'all failed': 'skipped',
    'failed and upstream_failed': 'skipped',
    'all upstream_failed': 'skipped',
    'one succeeded, the others not finished': 'skipped',
    'one failed, the other running': 'skipped',
    'one skipped, the other running': 'wait',
    'none finished yet': 'wait',
    'one succeeded, the other up for retry': 'skipped',
    'one failed, the other skipped': 'skipped',
    'one each of succeeded, failed and skipped': 'skipped',
    'no upstream tasks': 'run',
  },
  one_success: {
    'all succeeded': 'run',
    'one failed, the others succeeded': 'run',
    'one upstream_failed, the others succeeded': 'run',
    'all skipped': 'skipped',
    'some skipped, the others succeeded': 'run',
    'all failed': 'upstream_failed',
    'failed and upstream_failed': 'upstream_failed',
    'all upstream_failed': 'upstream_failed',
    // runs on the first success, without waiting for the others
    'one succeeded, the others not finished': 'run',
    'one failed, the other running': 'wait',
    'one skipped, the other running': 'wait',
    'none finished yet': 'wait',
    'one succeeded, the other up for retry': 'run',
    'one failed, the other skipped': 'upstream_failed',
    'one each of succeeded, failed and skipped': 'run',
    'no upstream tasks': 'run',
  },
  one_failed: {
    'all succeeded': 'skipped',
    'one failed, the others succeeded': 'run',
    'one upstream_failed, the others succeeded': 'run',
    'all skipped': 'skipped',
    'some skipped, the others succeeded': 'skipped',
    'all failed': 'run',
    'failed and upstream_failed': 'run',
    'all upstream_failed': 'run',
    'one succeeded, the others not finished': 'wait',
    // runs on the first failure, without waiting for the others
    'one failed, the other running': 'run',
    'one skipped, the other running': 'wait',
    'none finished yet': 'wait',
    // up_for_retry is not a failure yet
    'one succeeded, the other up for retry': 'wait',
    'one failed, the other skipped': 'run',
    'one each of succeeded, failed and skipped': 'run',
    'no upstream tasks': 'run',
  },
  one_done: {
    'all succeeded': 'run',
    'one failed, the others succeeded': 'run',
    'one upstream_failed, the others succeeded': 'run',
    'all skipped': 'skipped',
    'some skipped, the others succeeded': 'run',
    'all failed': 'run',
    'failed and upstream_failed': 'run',
    // upstream_failed counts as neither success nor failure for one_done
    'all upstream_failed': 'skipped',
    'one succeeded, the others not finished': 'run',
    'one failed, the other running': 'run',
    'one skipped, the other running': 'wait',
    'none finished yet': 'wait',
    'one succeeded, the other up for retry': 'run',
    'one failed, the other skipped': 'run',
    'one each of succeeded, failed and skipped': 'run',
    'no upstream tasks': 'run',
  },
  none_failed: {
    'all succeeded': 'run',
    'one failed, the others succeeded': 'upstream_failed',
    'one upstream_failed, the others succeeded': 'upstream_failed',
    'all skipped': 'run',
    'some skipped, the others succeeded': 'run',
    'all failed': 'upstream_failed',
    'failed and upstream_failed': 'upstream_failed',
    'all upstream_failed': 'upstream_failed',
    'one succeeded, the others not finished': 'wait',
    'one failed, the other running': 'upstream_failed',
    'one skipped, the other running': 'wait',
    'none finished yet': 'wait',
    'one succeeded, the other up for retry': 'wait',
    'one failed, the other skipped': 'upstream_failed',
    'one each of succeeded, failed and skipped': 'upstream_failed',
    'no upstream tasks': 'run',
  },
  none_failed_min_one_success: {
    'all succeeded': 'run',
    'one failed, the others succeeded': 'upstream_failed',
    'one upstream_failed, the others succeeded': 'upstream_failed',
    'all skipped': 'skipped',
    'some skipped, the others succeeded': 'run',
    'all failed': 'upstream_failed',
    'failed and upstream_failed': 'upstream_failed',
    'all upstream_failed': 'upstream_failed',
    'one succeeded, the others not finished': 'wait',
    'one failed, the other running': 'upstream_failed',
    'one skipped, the other running': 'wait',
    'none finished yet': 'wait',
    'one succeeded, the other up for retry': 'wait',
    'one failed, the other skipped': 'upstream_failed',
    'one each of succeeded, failed and skipped': 'upstream_failed',
    'no upstream tasks': 'run',
  },
  none_skipped: {
    'all succeeded': 'run',
    'one failed, the others succeeded': 'run',
    'one upstream_failed, the others succeeded': 'run',
    'all skipped': 'skipped',
    'some skipped, the others succeeded': 'skipped',
    'all failed': 'run',
    'failed and upstream_failed': 'run',
    'all upstream_failed': 'run',
    'one succeeded, the others not finished': 'wait',
    'one failed, the other running': 'wait',
    'one skipped, the other running': 'skipped',
    'none finished yet': 'wait',
    'one succeeded, the other up for retry': 'wait',
    'one failed, the other skipped': 'skipped',
    'one each of succeeded, failed and skipped': 'skipped',
    'no upstream tasks': 'run',
  },
  always: {
    'all succeeded': 'run',
    'one failed, the others succeeded': 'run',
    'one upstream_failed, the others succeeded': 'run',
    'all skipped': 'run',
    'some skipped, the others succeeded': 'run',
    'all failed': 'run',
    'failed and upstream_failed': 'run',
    'all upstream_failed': 'run',
    'one succeeded, the others not finished': 'run',
    'one failed, the other running': 'run',
    'one skipped, the other running': 'run',
    'none finished yet': 'run',
    'one succeeded, the other up for retry': 'run',
    'one failed, the other skipped': 'run',
    'one each of succeeded, failed and skipped': 'run',
    'no upstream tasks': 'run',
  },
};

const TABLE = TRIGGER_RULES.flatMap((rule) =>
  (Object.keys(SCENARIOS) as Scenario[]).map((scenario) => ({
    rule,
    scenario,
    expected: EXPECTED[rule][scenario],
  })),
);

describe('evaluateTriggerRule', () => {
  it('has an expected decision for every trigger rule', () => {
    expect(Object.keys(EXPECTED).sort()).toEqual([...TRIGGER_RULES].sort());
    expect(TRIGGER_RULES).toHaveLength(13);
  });

  it.each(TABLE)('$rule with upstream "$scenario" decides $expected', ({ rule, scenario, expected }) => {
    expect(decide(rule, SCENARIOS[scenario])).toBe(expected);
  });

  describe('removed upstream tasks count as neither success nor failure', () => {
    it.each([
      { rule: 'all_success', upstream: states('success', 'removed'), expected: 'run' },
      { rule: 'all_done', upstream: states('removed', 'success'), expected: 'run' },
      { rule: 'all_failed', upstream: states('failed', 'removed'), expected: 'run' },
      { rule: 'all_skipped', upstream: states('skipped', 'removed'), expected: 'run' },
      { rule: 'none_failed', upstream: states('skipped', 'success', 'removed'), expected: 'run' },
      { rule: 'one_failed', upstream: states('success', 'removed'), expected: 'skipped' },
    ] as const)(
      '$rule with $upstream.length upstream tasks decides $expected',
      ({ rule, upstream, expected }) => {
        expect(decide(rule, upstream)).toBe(expected);
      },
    );
  });

  describe('all_done_setup_success with setup tasks upstream', () => {
    const setup = (state: TaskInstanceState): Upstream => ({ state, isSetup: true });
    const work = (state: TaskInstanceState): Upstream => ({ state });

    it.each([
      {
        name: 'its setup succeeded and its work failed',
        upstream: [setup('success'), work('failed')],
        expected: 'run',
      },
      {
        name: 'its setup succeeded and its work was skipped',
        upstream: [setup('success'), work('skipped')],
        expected: 'run',
      },
      {
        name: 'its setups all succeeded and its work is still running',
        upstream: [setup('success'), setup('success'), work('running')],
        expected: 'wait',
      },
      {
        name: 'its setup was skipped and everything is done',
        upstream: [setup('skipped'), work('skipped')],
        expected: 'skipped',
      },
      {
        name: 'its setups were all skipped and everything is done',
        upstream: [setup('skipped'), setup('skipped'), work('success')],
        expected: 'skipped',
      },
    ] as const)('decides $expected when $name', ({ upstream, expected }) => {
      expect(decide('all_done_setup_success', upstream)).toBe(expected);
    });
  });

  // Cases where an earlier version disagreed with Airflow's TriggerRuleDep.
  describe('setup and min-one-success edge cases, as Airflow', () => {
    const setup = (state: TaskInstanceState): Upstream => ({ state, isSetup: true });
    const work = (state: TaskInstanceState): Upstream => ({ state });

    it.each([
      {
        name: 'its only setup failed and everything is done',
        upstream: [setup('failed'), work('upstream_failed')],
        airflow: 'upstream_failed',
      },
      {
        name: 'one of two setups succeeded, the other failed',
        upstream: [setup('success'), setup('failed'), work('success')],
        airflow: 'run',
      },
      {
        name: 'one setup succeeded, the other was skipped',
        upstream: [setup('success'), setup('skipped'), work('success')],
        airflow: 'run',
      },
      {
        name: 'its setup failed while its work is still running',
        upstream: [setup('failed'), work('running')],
        airflow: 'wait',
      },
      {
        name: 'its setup was skipped while its work is still running',
        upstream: [setup('skipped'), work('running')],
        airflow: 'wait',
      },
    ] as const)('all_done_setup_success decides $airflow when $name, as Airflow', ({ upstream, airflow }) => {
      expect(decide('all_done_setup_success', upstream)).toBe(airflow);
    });

    it('all_done_min_one_success skips (rather than fails) when every upstream task was skipped, as Airflow', () => {
      expect(decide('all_done_min_one_success', states('skipped', 'skipped'))).toBe('skipped');
    });
  });
});

describe('countUpstream', () => {
  it('counts each finished state, and only finished states as done', () => {
    const counts = countUpstream(
      states(
        'success',
        'success',
        'skipped',
        'failed',
        'upstream_failed',
        'removed',
        'none',
        'scheduled',
        'queued',
        'running',
        'up_for_retry',
      ),
    );
    expect(counts).toEqual({
      total: 11,
      success: 2,
      skipped: 1,
      failed: 1,
      upstreamFailed: 1,
      removed: 1,
      done: 6,
      setupTotal: 0,
      setupSuccess: 0,
      setupSkipped: 0,
      setupDone: 0,
    });
  });

  it('counts setup tasks, their successes and the finished ones apart', () => {
    const counts = countUpstream([
      { state: 'success', isSetup: true },
      { state: 'failed', isSetup: true },
      { state: 'running', isSetup: true },
      { state: 'success' },
    ]);
    expect(counts).toMatchObject({ total: 4, success: 2, failed: 1, done: 3 });
    expect(counts).toMatchObject({ setupTotal: 3, setupSuccess: 1, setupDone: 2 });
  });

  it('gives all zeros for no upstream tasks', () => {
    expect(Object.values(countUpstream([])).every((n) => n === 0)).toBe(true);
  });
});
