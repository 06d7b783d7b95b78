/**
 * A DAG's page: the grid of its latest 25 runs (live while any runs), the panel of the selected
 * task instance or run, the DAG's details and its run list.
 */
import { useRef, useState } from 'react';
import {
  ApiError,
  type DagDetails,
  type DagRun,
  dagPath,
  get,
  query,
  request,
  type Task,
  type TaskInstance,
} from '../api';
import { Grid, type GridSelection } from '../components/grid';
import { StateBadge } from '../components/state-badge';
import { TaskInstancePanel } from '../components/task-instance-panel';
import { TriggerForm } from '../components/trigger-form';
import { usePoll } from '../hooks';
import { dagHref, navigate, type Route } from '../router';
import { formatDate, formatDuration, isFinished, STATES } from '../states';

const GRID_RUNS = 25;
const LIVE_POLL_MS = 2_000;
const IDLE_POLL_MS = 10_000;

/** How the grid reads task instances: one call for all runs (`~`), one per run, or not at all. */
type TiMode = 'all-runs' | 'per-run' | 'unavailable';

interface GridData {
  /** oldest first */
  runs: DagRun[];
  instances: Map<string, Map<string, TaskInstance>>;
  tiMode: TiMode;
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

export function DagPage({ route }: { route: Extract<Route, { page: 'dag' }> }) {
  const { dagId } = route;
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
      const runs = (
        await get<{ dag_runs: DagRun[] }>(
          `${dagPath(dagId, 'dagRuns')}${query({ limit: GRID_RUNS, order_by: '-id' })}`,
          signal,
        )
      ).dag_runs.reverse();
      const visible = new Set(runs.map((r) => r.dag_run_id));
      const instances = new Map<string, Map<string, TaskInstance>>();
      for (const ti of await loadInstances(dagId, runs, tiMode, signal)) {
        if (!visible.has(ti.dag_run_id) || ti.map_index > 0) continue;
        const byTask = instances.get(ti.dag_run_id) ?? new Map<string, TaskInstance>();
        byTask.set(ti.task_id, ti);
        instances.set(ti.dag_run_id, byTask);
      }
      return { runs, instances, tiMode: tiMode.current };
    },
    (data) => (isLive(data) ? LIVE_POLL_MS : IDLE_POLL_MS),
    [dagId],
  );

  const select = (s: GridSelection & { tryNumber?: number | null }) =>
    navigate(dagHref(dagId, { run: s.run, task: s.task, tryNumber: s.tryNumber ?? null }));
  const selectedRun = grid.data?.runs.find((r) => r.dag_run_id === route.run);
  const selectedTi =
    route.run && route.task ? grid.data?.instances.get(route.run)?.get(route.task) : undefined;
  const notFound = details.error instanceof ApiError && details.error.status === 404;

  if (notFound) return <p className="banner error-banner">{details.error?.message}</p>;

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
      <div className="dag-main">
        <div className="card grid-card">
          <h2>Grid</h2>
          {grid.data && tasks.data ? (
            <Grid
              tasks={tasks.data}
              runs={grid.data.runs}
              instances={grid.data.instances}
              selection={{ run: route.run, task: route.task }}
              onSelect={select}
            />
          ) : (
            <p className="muted">Loading…</p>
          )}
          <Legend />
        </div>
        {route.run && route.task ? (
          <TaskInstancePanel
            dagId={dagId}
            runId={route.run}
            taskId={route.task}
            instance={selectedTi}
            tryNumber={route.tryNumber}
            onChooseTry={(n) => select({ run: route.run, task: route.task, tryNumber: n })}
            onChanged={grid.reload}
            onClose={() => select({ run: null, task: null })}
          />
        ) : selectedRun ? (
          <RunPanel
            run={selectedRun}
            onChanged={grid.reload}
            onClose={() => select({ run: null, task: null })}
          />
        ) : null}
      </div>
      <div className="dag-lower">
        <div className="card">
          <h2>Details</h2>
          {details.data ? <DetailsView details={details.data} /> : <p className="muted">Loading…</p>}
        </div>
        <div className="card">
          <h2>Runs</h2>
          <table className="table runs-table">
            <thead>
              <tr>
                <th>Run</th>
                <th>State</th>
                <th>Type</th>
                <th>Logical date</th>
                <th>Duration</th>
              </tr>
            </thead>
            <tbody>
              {[...(grid.data?.runs ?? [])].reverse().map((run) => (
                <tr
                  key={run.dag_run_id}
                  className={run.dag_run_id === route.run ? 'selected' : undefined}
                  data-run={run.dag_run_id}
                >
                  <td>
                    <button
                      type="button"
                      className="link"
                      onClick={() => select({ run: run.dag_run_id, task: null })}
                    >
                      {run.dag_run_id}
                    </button>
                  </td>
                  <td>
                    <StateBadge state={run.state} />
                  </td>
                  <td>{run.run_type}</td>
                  <td>{formatDate(run.logical_date)}</td>
                  <td>{formatDuration(run.duration)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </div>
    </section>
  );
}

function DetailsView({ details }: { details: DagDetails }) {
  return (
    <dl className="facts">
      {details.description && (
        <>
          <dt>Description</dt>
          <dd>{details.description}</dd>
        </>
      )}
      <dt>Schedule</dt>
      <dd>
        <code>{details.timetable_summary ?? 'None'}</code>
      </dd>
      <dt>Next run</dt>
      <dd>{formatDate(details.next_dagrun_run_after ?? details.next_dagrun_logical_date)}</dd>
      <dt>Catchup</dt>
      <dd>{details.catchup ? 'yes' : 'no'}</dd>
      <dt>Start date</dt>
      <dd>{formatDate(details.start_date)}</dd>
      <dt>Time zone</dt>
      <dd>{details.timezone}</dd>
      <dt>Owners</dt>
      <dd>{details.owners.join(', ') || '—'}</dd>
      <dt>Params</dt>
      <dd>
        {Object.keys(details.params).length ? (
          <pre className="json">{JSON.stringify(details.params, null, 2)}</pre>
        ) : (
          '—'
        )}
      </dd>
      {details.doc_md && (
        <>
          <dt>Doc</dt>
          <dd>
            <pre className="doc">{details.doc_md}</pre>
          </dd>
        </>
      )}
    </dl>
  );
}

function RunPanel({ run, onChanged, onClose }: { run: DagRun; onChanged: () => void; onClose: () => void }) {
  const [message, setMessage] = useState<{ text: string; isError?: boolean } | null>(null);

  async function clearFailed() {
    try {
      const result = await request<{ task_ids: string[] }>(
        'POST',
        dagPath(run.dag_id, 'dagRuns', run.dag_run_id, 'clear'),
        { dry_run: false, only_failed: true },
      );
      setMessage({
        text: result.task_ids.length ? `Cleared ${result.task_ids.join(', ')}` : 'Nothing failed',
      });
      onChanged();
    } catch (e) {
      setMessage({ text: e instanceof ApiError ? e.detail : String(e), isError: true });
    }
  }

  return (
    <aside className="panel">
      <div className="panel-head">
        <h2>Run</h2>
        <button type="button" className="secondary" onClick={onClose} aria-label="Close the panel">
          ×
        </button>
      </div>
      <p className="muted run-id">{run.dag_run_id}</p>
      <dl className="facts">
        <dt>State</dt>
        <dd>
          <StateBadge state={run.state} />
        </dd>
        <dt>Type</dt>
        <dd>{run.run_type}</dd>
        <dt>Logical date</dt>
        <dd>{formatDate(run.logical_date)}</dd>
        <dt>Started</dt>
        <dd>{formatDate(run.start_date)}</dd>
        <dt>Ended</dt>
        <dd>{formatDate(run.end_date)}</dd>
        <dt>Duration</dt>
        <dd>{formatDuration(run.duration)}</dd>
        <dt>Conf</dt>
        <dd>
          <pre className="json">{JSON.stringify(run.conf, null, 2)}</pre>
        </dd>
      </dl>
      <div className="actions">
        <button type="button" onClick={() => void clearFailed()} disabled={!isFinished(run.state)}>
          Clear failed tasks
        </button>
      </div>
      {message && <p className={message.isError ? 'error' : 'info'}>{message.text}</p>}
      <p className="muted">Click a square of this run in the grid to see a task's tries and logs.</p>
    </aside>
  );
}

function Legend() {
  return (
    <div className="legend">
      {STATES.map((s) => (
        <span key={s}>
          <span className={`dot state-${s}`} /> {s}
        </span>
      ))}
    </div>
  );
}
