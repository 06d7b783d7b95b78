/**
 * A DAG's page: its views in tabs, each at its own path (grid of the latest 25 runs with the paged
 * run list, graph and Gantt of a chosen run, code, details, backfills), all live while any run
 * runs, and the panel of the selected task instance or run beside the grid, graph and Gantt.
 */
import { useState } from 'react';
import { roleAllows } from '../admin-api';
import { ApiError, canEditDags, type DagDetails, dagPath, get, type Me, type Task } from '../api';
import { BackfillsView } from '../components/backfills-view';
import { CodeView } from '../components/code-view';
import { DagDetailsView } from '../components/dag-details';
import { DagTabPanel, DagTabs } from '../components/dag-tabs';
import { GanttView } from '../components/gantt-view';
import { GraphView } from '../components/graph-view';
import { Grid, type GridSelection } from '../components/grid';
import { useGridData } from '../components/grid-data';
import { formatCollapsed, parseCollapsed, toggleGroup } from '../components/grid-rows';
import { chosenMapped, MappedInstances } from '../components/mapped-instances';
import { PagedRuns, useSelectedRun } from '../components/paged-runs';
import { RunPanel } from '../components/run-panel';
import { RunPicker } from '../components/runs-table';
import { Legend } from '../components/state-legend';
import { TaskInstancePanel } from '../components/task-instance-panel';
import { TriggerForm } from '../components/trigger-form';
import type { DagView } from '../dag-views';
import { usePoll } from '../hooks';
import { dagHref, navigate, onLinkClick, type Route, withQuery } from '../router';

export function DagPage({ route, me }: { route: Extract<Route, { page: 'dag' }>; me: Me | null }) {
  const { dagId, view } = route;
  const [isTriggering, setTriggering] = useState(false);

  const details = usePoll((signal) => get<DagDetails>(dagPath(dagId, 'details'), signal), 30_000, [dagId]);
  const tasks = usePoll(
    async (signal) => (await get<{ tasks: Task[] }>(dagPath(dagId, 'tasks'), signal)).tasks,
    30_000,
    [dagId],
  );
  const grid = useGridData(dagId);

  const { runsPage, collapsed } = route;
  const canEdit = canEditDags(me);
  const hrefOf = (v: DagView) =>
    dagHref(dagId, { view: v, run: route.run, task: route.task, runsPage, collapsed });
  const hrefOfSelection = (s: GridSelection & { tryNumber?: number | null; mapIndex?: number | null }) =>
    dagHref(dagId, { view, ...s, tryNumber: s.tryNumber ?? null, runsPage, collapsed });
  const select = (s: GridSelection & { tryNumber?: number | null; mapIndex?: number | null }) =>
    navigate(hrefOfSelection(s));
  // this view with some of its address changed
  const hereWith = (change: { runsPage?: number; collapsed?: string | null }) =>
    dagHref(dagId, {
      view,
      run: route.run,
      task: route.task,
      tryNumber: route.tryNumber,
      runsPage,
      collapsed,
      ...change,
    });
  // a group's square: its run chosen and the group open, in one step (one entry in the history)
  const openGroup = (run: string, group: string) => {
    const open = parseCollapsed(collapsed);
    open.delete(group);
    navigate(
      dagHref(dagId, { view, run, task: null, tryNumber: null, runsPage, collapsed: formatCollapsed(open) }),
    );
  };
  const flipGroup = (group: string) =>
    navigate(hereWith({ collapsed: formatCollapsed(toggleGroup(parseCollapsed(collapsed), group)) }), {
      replace: true,
    });
  const selectedRun = useSelectedRun(dagId, route.run, grid.data?.runs ?? null);
  // the graph and the Gantt show the chosen run, else the latest
  const shownRun = selectedRun ?? grid.data?.runs.at(-1);
  const shownInstances = shownRun ? grid.data?.instances.get(shownRun.dag_run_id) : undefined;
  const mapped = chosenMapped(grid.data?.mapped, route.run, route.task, route.mapIndex);
  const selectedTi = mapped
    ? mapped.instance
    : route.run && route.task
      ? grid.data?.instances.get(route.run)?.get(route.task)
      : undefined;
  const selectTask = (taskId: string, tryNumber?: number) =>
    select({ run: shownRun?.dag_run_id ?? null, task: taskId, tryNumber: tryNumber ?? null });
  const notFound = details.error instanceof ApiError && details.error.status === 404;

  if (notFound) return <p className="banner error-banner">{details.error?.message}</p>;

  const sidePanel =
    route.run && route.task ? (
      <TaskInstancePanel
        dagId={dagId}
        runId={route.run}
        taskId={route.task}
        instance={selectedTi}
        mapIndex={mapped?.mapIndex}
        tryNumber={route.tryNumber}
        onChooseTry={(n) =>
          select({ run: route.run, task: route.task, tryNumber: n, mapIndex: route.mapIndex })
        }
        canEdit={canEdit}
        tasks={tasks.data}
        onSelectTask={(task) => select({ run: route.run, task })}
        onChanged={grid.reload}
        onClose={() => select({ run: route.run, task: null })}
      />
    ) : selectedRun && view === 'grid' ? (
      <RunPanel
        run={selectedRun}
        canEdit={canEdit}
        onChanged={grid.reload}
        onClose={() => select({ run: null, task: null })}
      />
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
        <a className="button-link" href={withQuery('/task-instances', { dag: dagId })} onClick={onLinkClick}>
          Task instances
        </a>
        {canEdit && (
          <button type="button" onClick={() => setTriggering((v) => !v)}>
            Trigger
          </button>
        )}
      </div>
      {isTriggering && canEdit && (
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
                    collapsed={parseCollapsed(collapsed)}
                    onToggleGroup={flipGroup}
                    onOpenGroup={openGroup}
                  />
                ) : (
                  loading
                )}
                {mapped && route.run && route.task && (
                  <MappedInstances
                    taskId={route.task}
                    runId={route.run}
                    instances={mapped.instances}
                    selected={mapped.mapIndex}
                    hrefOf={(mapIndex) => hrefOfSelection({ run: route.run, task: route.task, mapIndex })}
                  />
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
                page={runsPage}
                onPage={(p) => navigate(hereWith({ runsPage: p }))}
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
                  dagId={dagId}
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
