/**
 * What a DAG's grid shows: its latest 25 runs and their task instances (mapped ones by map index),
 * polled fast while any of them runs. Task instances are read in one call across the runs (`~`),
 * else one call per run (a page too long for one call), else not at all (a server without them).
 */
import { useRef } from 'react';
import { ApiError, type DagRun, dagPath, get, query, type TaskInstance } from '../api';
import { type Polled, usePoll } from '../hooks';
import { isFinished } from '../states';

const GRID_RUNS = 25;
const LIVE_POLL_MS = 2_000;
const IDLE_POLL_MS = 10_000;

/** How the grid reads task instances: one call for all runs (`~`), one per run, or not at all. */
type TiMode = 'all-runs' | 'per-run' | 'unavailable';

export interface GridData {
  /** oldest first */
  runs: DagRun[];
  instances: Map<string, Map<string, TaskInstance>>;
  /** mapped tasks' instances (map index 0, 1, ...), by run id then task id */
  mapped: Map<string, Map<string, TaskInstance[]>>;
  tiMode: TiMode;
  /** how many runs the DAG has in all */
  total: number;
}

async function loadInstances(
  dagId: string,
  runs: DagRun[],
  mode: { current: TiMode },
  signal: AbortSignal,
): Promise<TaskInstance[]> {
  const oldest = runs[0];
  if (!oldest || mode.current === 'unavailable') return [];
  if (mode.current === 'all-runs') {
    try {
      const all = await get<{ task_instances: TaskInstance[]; total_entries: number }>(
        `${dagPath(dagId, 'dagRuns', '~', 'taskInstances')}${query({ limit: 1000, logical_date_gte: oldest.logical_date })}`,
        signal,
      );
      // more than one page: read the visible runs one by one this time
      if (all.total_entries <= all.task_instances.length) return all.task_instances;
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 404)) throw e;
      mode.current = e.isNoRoute ? 'unavailable' : 'per-run';
      if (mode.current === 'unavailable') return [];
    }
  }
  const lists = await Promise.all(
    runs.map((run) =>
      get<{ task_instances: TaskInstance[] }>(
        `${dagPath(dagId, 'dagRuns', run.dag_run_id, 'taskInstances')}${query({ limit: 1000 })}`,
        signal,
      ),
    ),
  );
  return lists.flatMap((l) => l.task_instances);
}

function isLive(grid: GridData | null): boolean {
  if (!grid) return false;
  if (grid.runs.some((r) => r.state === 'queued' || r.state === 'running')) return true;
  for (const byTask of grid.instances.values())
    for (const ti of byTask.values()) if (ti.state !== null && !isFinished(ti.state)) return true;
  return false;
}

export function useGridData(dagId: string): Polled<GridData> {
  const tiMode = useRef<TiMode>('all-runs');
  return usePoll<GridData>(
    async (signal) => {
      const latest = await get<{ dag_runs: DagRun[]; total_entries: number }>(
        `${dagPath(dagId, 'dagRuns')}${query({ limit: GRID_RUNS, order_by: '-id' })}`,
        signal,
      );
      const runs = latest.dag_runs.reverse();
      const visible = new Set(runs.map((r) => r.dag_run_id));
      const instances = new Map<string, Map<string, TaskInstance>>();
      const mapped = new Map<string, Map<string, TaskInstance[]>>();
      for (const ti of await loadInstances(dagId, runs, tiMode, signal)) {
        if (visible.has(ti.dag_run_id) && ti.map_index >= 0) {
          const byTask = mapped.get(ti.dag_run_id) ?? new Map<string, TaskInstance[]>();
          byTask.set(ti.task_id, [...(byTask.get(ti.task_id) ?? []), ti]);
          mapped.set(ti.dag_run_id, byTask);
        }
        if (!visible.has(ti.dag_run_id) || ti.map_index > 0) continue;
        const byTask = instances.get(ti.dag_run_id) ?? new Map<string, TaskInstance>();
        byTask.set(ti.task_id, ti);
        instances.set(ti.dag_run_id, byTask);
      }
      return { runs, instances, mapped, tiMode: tiMode.current, total: latest.total_entries };
    },
    (data) => (isLive(data) ? LIVE_POLL_MS : IDLE_POLL_MS),
    [dagId],
  );
}
