/**
 * A DAG's page: its views in tabs, each at its own path (grid of the latest 25 runs with the paged
 * run list, graph and Gantt of a chosen run, code, details, backfills), all live while any run
 * runs, and the panel of the selected task instance or run beside the grid, graph and Gantt.
 */
import { useRef, useState } from 'react';
import { roleAllows } from '../admin-api';
import {
  ApiError,
  type DagDetails,
  type DagRun,
  dagPath,
  get,
  type Me,
  query,
  type Task,
  type TaskInstance,
} from '../api';
import { BackfillsView } from '../components/backfills-view';
import { CodeView } from '../components/code-view';
import { DagDetailsView } from '../components/dag-details';
import { DagTabPanel, DagTabs } from '../components/dag-tabs';
import { GanttView } from '../components/gantt-view';
import { GraphView } from '../components/graph-view';
import { Grid, type GridSelection } from '../components/grid';
import { PagedRuns, useSelectedRun } from '../components/paged-runs';
import { RunPanel } from '../components/run-panel';
import { RunPicker } from '../components/runs-table';
import { Legend } from '../components/state-legend';
import { TaskInstancePanel } from '../components/task-instance-panel';
import { TriggerForm } from '../components/trigger-form';
import type { DagView } from '../dag-views';
import { usePoll } from '../hooks';
import { dagHref, navigate, type Route } from '../router';
import { isFinished } from '../states';

const GRID_RUNS = 25;
const LIVE_POLL_MS = 2_000;
const IDLE_POLL_MS = 10_000;

/** How the grid reads task instances: one call for all runs (`~`), one per run, or not at all. */
type TiMode = 'all-runs' | 'per-run' | 'unavailable';

interface GridData {
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

export function DagPage({ route, me }: { route: Extract<Route, { page: 'dag' }>; me: Me | null }) {
  const { dagId, view } = route;
  const tiMode = useRef<TiMode>('all-runs');
  const [isTriggering, setTriggering] = useState(false);

  const details = usePoll((signal) => get<DagDetails>(dagPath(dagId, 'details'), signal), 30_000, [dagId]);
  const tasks = usePoll(
    async (signal) => (await get<{ tasks: Task[] }>(dagPath(dagId, 'tasks'), signal)).tasks,
    30_000,
    [dagId],
  );
  const grid = usePoll<GridData>(
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

  const hrefOf = (v: DagView) => dagHref(dagId, { view: v, run: route.run, task: route.task });
  const select = (s: GridSelection & { tryNumber?: number | null }) =>
    navigate(dagHref(dagId, { view, run: s.run, task: s.task, tryNumber: s.tryNumber ?? null }));
  const selectedRun = useSelectedRun(dagId, route.run, grid.data?.runs ?? null);
  // the graph and the Gantt show the chosen run, else the latest
  const shownRun = selectedRun ?? grid.data?.runs.at(-1);
  const shownInstances = shownRun ? grid.data?.instances.get(shownRun.dag_run_id) : undefined;
  const selectedTi =
    route.run && route.task ? grid.data?.instances.get(route.run)?.get(route.task) : undefined;
  const selectTask = (taskId: string) => select({ run: shownRun?.dag_run_id ?? null, task: taskId });
  const notFound = details.error instanceof ApiError && details.error.status === 404;

  if (notFound) return <p className="banner error-banner">{details.error?.message}</p>;

  const sidePanel =
    route.run && route.task ? (
      <TaskInstancePanel
        dagId={dagId}
        runId={route.run}
        taskId={route.task}
        instance={selectedTi}
        tryNumber={route.tryNumber}
        onChooseTry={(n) => select({ run: route.run, task: route.task, tryNumber: n })}
        onChanged={grid.reload}
        onClose={() => select({ run: route.run, task: null })}
      />
    ) : selectedRun && view === 'grid' ? (
      <RunPanel run={selectedRun} onChanged={grid.reload} onClose={() => select({ run: null, task: null })} />
    ) : null;
  const loading = <p className="muted">Loading…</p>;
  const runPicker = grid.data && (
    <RunPicker
      runs={grid.data.runs}
      value={shownRun?.dag_run_id ?? ''}
      onChange={(run) => select({ run, task: null })}
    />
  );

  return (
    <section className="dag-page">
      <div className="toolbar">
        <h1>{dagId}</h1>
        {details.data?.is_paused && <span className="badge paused">paused</span>}
        {details.data?.tags.map((t) => (
          <span key={t.name} className="tag">
            {t.name}
          </span>
        ))}
        <span className="spacer" />
        <button type="button" onClick={() => setTriggering((v) => !v)}>
          Trigger
        </button>
      </div>
      {isTriggering && (
        <TriggerForm
          dagId={dagId}
          onCancel={() => setTriggering(false)}
          onTriggered={(run) => {
            setTriggering(false);
            select({ run: run.dag_run_id, task: null });
            grid.reload();
          }}
        />
      )}
      {grid.error && <p className="banner error-banner">Could not load the runs: {grid.error.message}</p>}
      {grid.data?.tiMode === 'unavailable' && (
        <p className="banner info-banner">
          This server does not list task instances yet: the grid shows runs only.
        </p>
      )}
      <DagTabs view={view} hrefOf={hrefOf} />
      <DagTabPanel view={view}>
        {view === 'grid' && (
          <>
            <div className="dag-main">
              <div className="card grid-card">
                <h2>Grid</h2>
                {grid.data && tasks.data ? (
                  <Grid
                    tasks={tasks.data}
                    runs={grid.data.runs}
                    instances={grid.data.instances}
                    mapped={grid.data.mapped}
                    selection={{ run: route.run, task: route.task }}
                    onSelect={select}
                  />
                ) : (
                  loading
                )}
                <Legend />
              </div>
              {sidePanel}
            </div>
            <div className="card runs-card">
              <h2>Runs</h2>
              <PagedRuns
                dagId={dagId}
                latest={grid.data}
                selected={route.run}
                onSelect={(run) => select({ run, task: null })}
              />
            </div>
          </>
        )}
        {(view === 'graph' || view === 'gantt') && (
          <div className="dag-main">
            <div className="card grid-card">
              <div className="view-head">
                <h2>{view === 'graph' ? 'Graph' : 'Gantt'}</h2>
                {runPicker}
              </div>
              {!tasks.data || !grid.data ? (
                loading
              ) : view === 'graph' ? (
                <GraphView
                  tasks={tasks.data}
                  instances={shownInstances}
                  runId={shownRun?.dag_run_id ?? null}
                  selectedTask={route.task}
                  onSelectTask={selectTask}
                />
              ) : shownRun ? (
                <GanttView
                  run={shownRun}
                  tasks={tasks.data}
                  instances={shownInstances ?? new Map()}
                  selectedTask={route.task}
                  onSelectTask={selectTask}
                />
              ) : (
                <p className="muted">No runs yet: trigger one.</p>
              )}
              <Legend />
            </div>
            {sidePanel}
          </div>
        )}
        {view === 'code' && (
          <div className="card">
            <h2>Code</h2>
            <CodeView dagId={dagId} fileloc={(details.data as { fileloc?: string } | null)?.fileloc} />
          </div>
        )}
        {view === 'details' && (
          <div className="card">
            <h2>Details</h2>
            {details.data ? <DagDetailsView details={details.data} /> : loading}
          </div>
        )}
        {view === 'backfills' && (
          <BackfillsView
            dagId={dagId}
            isDagPaused={details.data?.is_paused ?? false}
            canChange={roleAllows(me?.role, 'User')}
          />
        )}
      </DagTabPanel>
    </section>
  );
}
