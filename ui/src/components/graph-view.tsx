/**
 * The graph view, as Airflow's: the DAG's tasks and their dependencies laid out left to right,
 * task groups as boxes that collapse into one node, and each node in the colour of its task
 * instance's state in the chosen run (live: the page's polling re-renders it). Edges and boxes are
 * SVG; nodes are buttons over them, so that they take focus, Tab and Enter as the grid's squares.
 */
import { useMemo, useState } from 'react';
import type { Task, TaskInstance } from '../api';
import { stateName } from '../states';
import { allGroups, type GraphLayout, groupState, layoutGraph, type Point } from './graph-layout';

function safeLayout(tasks: readonly Task[], collapsed: ReadonlySet<string>): GraphLayout {
  try {
    return layoutGraph(tasks, collapsed);
  } catch (error) {
    // dagre's compound layout has failed on unusual nestings before: draw it without the boxes
    console.warn('graph view: laying out task groups failed, drawing them without boxes', error);
    return layoutGraph(tasks, collapsed, false);
  }
}

function pathOf(points: readonly Point[]): string {
  return points.map((p, i) => `${i === 0 ? 'M' : 'L'}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' ');
}

export function GraphView({
  tasks,
  instances,
  runId,
  selectedTask,
  onSelectTask,
}: {
  tasks: Task[];
  /** the chosen run's task instances by task id; undefined when there is no run */
  instances: Map<string, TaskInstance> | undefined;
  runId: string | null;
  selectedTask: string | null;
  onSelectTask: (taskId: string) => void;
}) {
  const [collapsed, setCollapsed] = useState<ReadonlySet<string>>(() => new Set());
  const groups = useMemo(() => allGroups(tasks), [tasks]);
  const graph = useMemo(() => safeLayout(tasks, collapsed), [tasks, collapsed]);
  const operatorOf = useMemo(() => new Map(tasks.map((t) => [t.task_id, t.operator_name])), [tasks]);
  const toggle = (group: string) =>
    setCollapsed((old) => {
      const next = new Set(old);
      if (next.has(group)) next.delete(group);
      else next.add(group);
      return next;
    });

  if (tasks.length === 0) return <p className="muted">This DAG has no tasks.</p>;
  return (
    <div className="graph-view">
      {groups.length > 0 && (
        <div className="actions">
          <button type="button" className="secondary" onClick={() => setCollapsed(new Set())}>
            Expand all groups
          </button>
          <button type="button" className="secondary" onClick={() => setCollapsed(new Set(groups))}>
            Collapse all groups
          </button>
        </div>
      )}
      <div className="graph-scroll">
        <div className="graph-canvas" style={{ width: graph.width, height: graph.height }}>
          <svg className="graph-lines" width={graph.width} height={graph.height} aria-hidden="true">
            <defs>
              <marker
                id="graph-arrow"
                viewBox="0 0 10 10"
                refX="9"
                refY="5"
                markerWidth="7"
                markerHeight="7"
                orient="auto-start-reverse"
              >
                <path d="M0,0 L10,5 L0,10 z" className="graph-arrow" />
              </marker>
            </defs>
            {graph.groups.map((g) => (
              <rect
                key={g.id}
                className="graph-group-box"
                x={g.x}
                y={g.y}
                width={g.width}
                height={g.height}
                rx={8}
              />
            ))}
            {graph.edges.map((e) => (
              <path
                key={`${e.from}>${e.to}`}
                className="graph-edge"
                data-from={e.from}
                data-to={e.to}
                d={pathOf(e.points)}
                markerEnd="url(#graph-arrow)"
              />
            ))}
          </svg>
          {graph.groups.map((g) => (
            <button
              key={g.id}
              type="button"
              className="graph-group-label"
              data-group={g.id}
              aria-expanded={true}
              aria-label={`Task group ${g.id}: collapse`}
              style={{ left: g.x + 10, top: g.y - 11 }}
              onClick={() => toggle(g.id)}
            >
              ▾ {g.label}
            </button>
          ))}
          {graph.nodes.map((n) => {
            const states = n.taskIds.map((id) => stateName(instances?.get(id)?.state));
            const state = n.kind === 'task' ? (states[0] ?? 'none') : groupState(states);
            const isSelected = n.kind === 'task' && n.id === selectedTask;
            const where = runId ? ` in ${runId}` : '';
            return (
              <button
                key={n.id}
                type="button"
                className={`graph-node${n.kind === 'group' ? ' graph-node-group' : ''}${isSelected ? ' selected' : ''}`}
                data-task={n.kind === 'task' ? n.id : undefined}
                data-group={n.kind === 'group' ? n.group : undefined}
                data-state={state}
                style={{ left: n.x, top: n.y, width: n.width, height: n.height }}
                aria-label={
                  n.kind === 'task'
                    ? `${n.id}${where}: ${state}`
                    : `Task group ${n.group}, ${n.taskIds.length} tasks${where}: ${state}; expand`
                }
                aria-pressed={n.kind === 'task' ? isSelected : undefined}
                aria-expanded={n.kind === 'group' ? false : undefined}
                title={n.kind === 'task' ? n.id : `${n.group} (${n.taskIds.length} tasks)`}
                onClick={() => (n.kind === 'task' ? onSelectTask(n.id) : toggle(n.group))}
              >
                <span className={`graph-node-state state-${state}`} />
                <span className="graph-node-text">
                  <span className="graph-node-label">{n.label}</span>
                  <span className="graph-node-sub">
                    {n.kind === 'task' ? operatorOf.get(n.id) : `▸ group · ${n.taskIds.length} tasks`}
                    {' · '}
                    {state}
                  </span>
                </span>
              </button>
            );
          })}
        </div>
      </div>
    </div>
  );
}
