/**
 * Airflow's trigger rules as a pure function of the upstream tasks' states.
 * Mirrors airflow/ti_deps/deps/trigger_rule_dep.py: first decide whether the task must be
 * skipped or marked upstream_failed, then whether it may run, otherwise it keeps waiting.
 */
import type { TaskInstanceState } from './states.js';

export const TRIGGER_RULES = [
  'all_success',
  'all_failed',
  'all_done',
  'all_done_min_one_success',
  'all_done_setup_success',
  'all_skipped',
  'one_success',
  'one_failed',
  'one_done',
  'none_failed',
  'none_failed_min_one_success',
  'none_skipped',
  'always',
] as const;
export type TriggerRule = (typeof TRIGGER_RULES)[number];

export interface UpstreamCounts {
  total: number;
  success: number;
  skipped: number;
  failed: number;
  upstreamFailed: number;
  removed: number;
  /** upstream tasks in a finished state */
  done: number;
  /** setup tasks among the upstream: how many there are and how many succeeded */
  setupTotal: number;
  setupSuccess: number;
  setupSkipped: number;
  setupDone: number;
}

export type TriggerDecision = 'run' | 'wait' | 'skipped' | 'upstream_failed';

export function countUpstream(
  upstream: readonly { state: TaskInstanceState; isSetup?: boolean }[],
): UpstreamCounts {
  const c: UpstreamCounts = {
    total: upstream.length,
    success: 0,
    skipped: 0,
    failed: 0,
    upstreamFailed: 0,
    removed: 0,
    done: 0,
    setupTotal: 0,
    setupSuccess: 0,
    setupSkipped: 0,
    setupDone: 0,
  };
  for (const u of upstream) {
    const finished = ['success', 'skipped', 'failed', 'upstream_failed', 'removed'].includes(u.state);
    if (u.state === 'success') c.success++;
    else if (u.state === 'skipped') c.skipped++;
    else if (u.state === 'failed') c.failed++;
    else if (u.state === 'upstream_failed') c.upstreamFailed++;
    else if (u.state === 'removed') c.removed++;
    if (finished) c.done++;
    if (u.isSetup) {
      c.setupTotal++;
      if (u.state === 'success') c.setupSuccess++;
      if (u.state === 'skipped') c.setupSkipped++;
      if (finished) c.setupDone++;
    }
  }
  return c;
}

export function evaluateTriggerRule(rule: TriggerRule, c: UpstreamCounts): TriggerDecision {
  if (rule === 'always' || c.total === 0) return 'run';
  // Removed upstream tasks count as neither success nor failure, as in Airflow.
  const total = c.total - c.removed;
  const allDone = c.done >= c.total;
  const failures = c.failed + c.upstreamFailed;
  switch (rule) {
    case 'all_success':
      if (failures > 0) return 'upstream_failed';
      if (c.skipped > 0) return 'skipped';
      return c.success >= total ? 'run' : 'wait';
    case 'all_failed':
      if (c.success > 0 || c.skipped > 0) return 'skipped';
      return failures >= total ? 'run' : 'wait';
    case 'all_done':
      return allDone ? 'run' : 'wait';
    case 'all_done_min_one_success':
      if (!allDone) return 'wait';
      if (c.success > 0) return 'run';
      // Nothing failed when everything was skipped: skip, as Airflow's code does.
      return c.skipped >= total ? 'skipped' : 'upstream_failed';
    case 'all_done_setup_success':
      // As Airflow: once all upstream tasks are done, run if at least one upstream setup succeeded
      // (or there is none); skip when every setup was skipped; otherwise upstream_failed.
      if (!allDone) return 'wait';
      if (c.setupTotal > 0 && c.setupSkipped >= c.setupTotal) return 'skipped';
      if (c.setupTotal > 0 && c.setupSuccess === 0) return 'upstream_failed';
      return 'run';
    case 'all_skipped':
      if (c.success > 0 || failures > 0) return 'skipped';
      return c.skipped >= total ? 'run' : 'wait';
    case 'one_success':
      if (c.success > 0) return 'run';
      if (!allDone) return 'wait';
      return c.skipped >= total ? 'skipped' : 'upstream_failed';
    case 'one_failed':
      if (failures > 0) return 'run';
      return allDone ? 'skipped' : 'wait';
    case 'one_done':
      if (c.success + c.failed > 0) return 'run';
      return allDone ? 'skipped' : 'wait';
    case 'none_failed':
      if (failures > 0) return 'upstream_failed';
      return c.success + c.skipped >= total ? 'run' : 'wait';
    case 'none_failed_min_one_success':
      if (failures > 0) return 'upstream_failed';
      if (c.skipped >= total) return 'skipped';
      return c.success + c.skipped >= total ? 'run' : 'wait';
    case 'none_skipped':
      if (c.skipped > 0) return 'skipped';
      return allDone ? 'run' : 'wait';
  }
}
