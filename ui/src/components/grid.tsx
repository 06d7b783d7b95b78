/**
 * The grid view, as Airflow's: one column per DAG run (oldest on the left), one row per task,
 * each cell a square in the colour of that task instance's state. A click selects the cell.
 */
import type { DagRun, Task, TaskInstance } from '../api';
import { formatDate, formatDuration, stateName } from '../states';
import { groupState } from './graph-layout';
import { summarizeMapped } from './mapped-summary';

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
}) {
  if (runs.length === 0) return <p className="muted">No runs yet: trigger one.</p>;
  return (
    <div className="grid-scroll">
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
          {tasks.map((task) => (
            <tr key={task.task_id} className={task.task_id === selection.task ? 'selected' : undefined}>
              <th className="task-name" scope="row" title={task.operator_name}>
                {task.task_id}
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
          ))}
        </tbody>
      </table>
    </div>
  );
}
