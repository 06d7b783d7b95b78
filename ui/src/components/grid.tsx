/**
 * The grid view, as Airflow's: one column per DAG run (oldest on the left), one row per task,
 * each cell a square in the colour of that task instance's state. A click selects the cell. A task
 * group is a row of its own with a toggle (collapsed groups are in the page's address), its
 * squares in the state that matters most among its task instances; its tasks follow, indented.
 * A DAG of many tasks (VIRTUAL_FROM rows or more) scrolls in a box of its own and renders a window
 * of rows at a time (spacer rows above and below, as VirtualTable), so a grid of thousands of
 * tasks stays as fast as one of ten; a task chosen elsewhere is scrolled into view.
 */
import { type CSSProperties, type ReactNode, useRef } from 'react';
import type { DagRun, Task, TaskInstance } from '../api';
import { formatDate, formatDuration, stateName } from '../states';
import { groupState } from './graph-layout';
import { type GridRow, gridRows } from './grid-rows';
import { summarizeMapped } from './mapped-summary';
import { useRowWindow } from './virtual-rows';

const NO_GROUPS: ReadonlySet<string> = new Set();
/** a row's height, a 16px square (each row is measured anyway) */
const ROW_PX = 16;
/** the table's border-spacing: between rows, and not in a row's measured height */
const ROW_GAP_PX = 3;
/** how far each level of task group is indented */
const INDENT_PX = 14;
// the toggle reads as the row's name (styles.css belongs to the other views' work)
const TOGGLE_STYLE: CSSProperties = {
  background: 'none',
  border: 'none',
  padding: 0,
  color: 'inherit',
  font: 'inherit',
  cursor: 'pointer',
};

/** A group's task instances in one run (every mapped one too), summed up as Airflow's grid. */
function groupCell(
  taskIds: readonly string[],
  instances: Map<string, TaskInstance> | undefined,
  mapped: Map<string, TaskInstance[]> | undefined,
) {
  const tis = taskIds.flatMap((id) => {
    const all = mapped?.get(id);
    if (all && all.length > 0) return all;
    const ti = instances?.get(id);
    return ti ? [ti] : [];
  });
  return summarizeMapped(tis, groupState);
}

export interface GridSelection {
  run: string | null;
  task: string | null;
}

export function Grid({
  tasks,
  runs,
  instances,
  mapped,
  selection,
  onSelect,
  collapsed = NO_GROUPS,
  onToggleGroup,
  onOpenGroup,
}: {
  tasks: Task[];
  /** oldest first */
  runs: DagRun[];
  /** by run id, then task id */
  instances: Map<string, Map<string, TaskInstance>>;
  /** a mapped task's instances (map index 0, 1, ...), by run id then task id: one cell with their count */
  mapped?: Map<string, Map<string, TaskInstance[]>>;
  selection: GridSelection;
  onSelect: (selection: GridSelection) => void;
  /** the task groups shown as one row */
  collapsed?: ReadonlySet<string>;
  onToggleGroup?: (group: string) => void;
  /** a group's square chosen: that run selected, the group expanded to show its tasks there */
  onOpenGroup?: (run: string, group: string) => void;
}) {
  const rows: GridRow<Task>[] = gridRows(tasks, collapsed);
  const scroller = useRef<HTMLDivElement>(null);
  // a task chosen elsewhere (the address, the graph view) is brought into view
  const { isVirtual, items, top, bottom, measure } = useRowWindow({
    count: rows.length,
    scroller,
    estimatePx: ROW_PX,
    gapPx: ROW_GAP_PX,
    rowKey: (i) => {
      const row = rows[i];
      return row === undefined ? i : row.kind === 'group' ? `group:${row.id}` : row.task.task_id;
    },
    scrollTo: selection.task
      ? rows.findIndex((r) => r.kind === 'task' && r.task.task_id === selection.task)
      : -1,
  });
  if (runs.length === 0) return <p className="muted">No runs yet: trigger one.</p>;
  const spacer = (height: number, key: string) =>
    height > 0 ? (
      <tr key={key} className="grid-spacer" style={{ height }}>
        <td colSpan={runs.length + 1} style={{ padding: 0 }} />
      </tr>
    ) : null;
  const renderRow = (row: GridRow<Task>, index: number): ReactNode => {
    if (row.kind === 'group')
      return (
        <tr
          key={`group:${row.id}`}
          className="group-row"
          data-group={row.id}
          data-index={index}
          ref={isVirtual ? measure : undefined}
        >
          <th className="task-name" scope="row" style={{ paddingLeft: row.depth * INDENT_PX }}>
            <button
              type="button"
              className="group-toggle"
              style={TOGGLE_STYLE}
              data-group={row.id}
              aria-expanded={row.isExpanded}
              title={`task group ${row.id}: ${row.taskIds.length} tasks`}
              onClick={() => onToggleGroup?.(row.id)}
            >
              <span aria-hidden="true">{row.isExpanded ? '▾ ' : '▸ '}</span>
              {row.label}
            </button>
          </th>
          {runs.map((run) => {
            const summary = groupCell(
              row.taskIds,
              instances.get(run.dag_run_id),
              mapped?.get(run.dag_run_id),
            );
            const text = `${summary.count} task instances${summary.detail ? `: ${summary.detail}` : ''}`;
            return (
              <td key={run.dag_run_id}>
                <button
                  type="button"
                  className={`cell group-cell state-${summary.state}${run.dag_run_id === selection.run && !row.isExpanded ? ' selected' : ''}`}
                  data-run={run.dag_run_id}
                  data-group={row.id}
                  data-state={summary.state}
                  aria-label={`group ${row.id} in ${run.dag_run_id}: ${summary.state}`}
                  title={`${row.id} · ${run.dag_run_id}\n${summary.state} · ${text}${row.isExpanded ? '' : '\n(choose to show its tasks in this run)'}`}
                  onClick={() => onOpenGroup?.(run.dag_run_id, row.id)}
                />
              </td>
            );
          })}
        </tr>
      );
    const task = row.task;
    return (
      <tr
        key={task.task_id}
        className={task.task_id === selection.task ? 'selected' : undefined}
        data-task-row={task.task_id}
        data-index={index}
        ref={isVirtual ? measure : undefined}
      >
        <th
          className="task-name"
          scope="row"
          title={`${task.task_id} · ${task.operator_name}`}
          style={row.depth > 0 ? { paddingLeft: row.depth * INDENT_PX + 12 } : undefined}
        >
          {row.label}
        </th>
        {runs.map((run) => {
          const ti = instances.get(run.dag_run_id)?.get(task.task_id);
          const all = mapped?.get(run.dag_run_id)?.get(task.task_id);
          const summary = all && all.length > 0 ? summarizeMapped(all, groupState) : null;
          const state = summary?.state ?? stateName(ti?.state);
          const isSelected = run.dag_run_id === selection.run && task.task_id === selection.task;
          return (
            <td key={run.dag_run_id}>
              <button
                type="button"
                className={`cell state-${state}${isSelected ? ' selected' : ''}`}
                data-run={run.dag_run_id}
                data-task={task.task_id}
                data-state={state}
                data-mapped={summary?.count}
                // the count inside the 16px square (styles.css belongs to the other views' work)
                style={summary ? { fontSize: 9, lineHeight: '14px', fontWeight: 600 } : undefined}
                aria-label={`${task.task_id} in ${run.dag_run_id}: ${summary ? `${summary.count} mapped, ` : ''}${state}`}
                title={
                  summary
                    ? `${task.task_id} · ${run.dag_run_id}\n${summary.count} mapped: ${summary.detail}`
                    : `${task.task_id} · ${run.dag_run_id}\n${state}${ti ? ` · try ${ti.try_number} · ${formatDuration(ti.duration)}` : ''}`
                }
                onClick={() => onSelect({ run: run.dag_run_id, task: task.task_id })}
              >
                {summary ? summary.count : null}
              </button>
            </td>
          );
        })}
      </tr>
    );
  };
  return (
    <div
      ref={scroller}
      className={`grid-scroll${isVirtual ? ' is-virtual' : ''}`}
      data-rows={rows.length}
      // a scrolling region must be reachable by keyboard to be scrolled without a mouse
      tabIndex={isVirtual ? 0 : undefined}
    >
      <table className="grid">
        <thead>
          <tr>
            <th className="task-name">Task</th>
            {runs.map((run) => (
              <th key={run.dag_run_id} className={run.dag_run_id === selection.run ? 'selected' : undefined}>
                <button
                  type="button"
                  className={`run-bar state-${run.state}`}
                  data-run={run.dag_run_id}
                  data-state={run.state}
                  title={`${run.dag_run_id}\n${run.state} · ${formatDate(run.logical_date)} · ${formatDuration(run.duration)}`}
                  onClick={() => onSelect({ run: run.dag_run_id, task: null })}
                />
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {isVirtual
            ? [
                spacer(top, 'spacer:top'),
                ...items.map((item) => {
                  const row = rows[item.index];
                  return row === undefined ? null : renderRow(row, item.index);
                }),
                spacer(bottom, 'spacer:bottom'),
              ]
            : rows.map((row, i) => renderRow(row, i))}
        </tbody>
      </table>
    </div>
  );
}
