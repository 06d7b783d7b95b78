/**
 * Task instance and DAG run states as the UI shows them, with Airflow's colours (in styles.css as
 * `.state-<state>`): success green, failed red, running lime, queued grey, scheduled tan,
 * up_for_retry gold, upstream_failed orange, skipped pink, deferred purple, up_for_reschedule
 * turquoise, none white.
 */
export const STATES = [
  'success',
  'failed',
  'running',
  'queued',
  'scheduled',
  'up_for_retry',
  'upstream_failed',
  'skipped',
  'deferred',
  'up_for_reschedule',
  'none',
] as const;

/** The API gives null for a task instance with no state yet: Airflow's "none". */
export function stateName(state: string | null | undefined): string {
  return state ?? 'none';
}

/** States after which nothing more happens without someone clearing or triggering. */
const FINISHED = new Set(['success', 'failed', 'skipped', 'upstream_failed', 'removed']);

export function isFinished(state: string | null | undefined): boolean {
  return FINISHED.has(stateName(state));
}

export function formatDate(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime())
    ? iso
    : d
        .toISOString()
        .replace('T', ' ')
        .replace(/\.\d+Z$/, 'Z');
}

export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return '—';
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 2 : 1)} s`;
  const m = Math.floor(seconds / 60);
  if (m < 60) return `${m} m ${Math.round(seconds % 60)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} m`;
}
