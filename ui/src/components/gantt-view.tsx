/**
 * The Gantt chart of one DAG run, as Airflow's: one row per task instance, a bar from its start to
 * its end (to now while it runs) in the colour of its state, the time it waited in the queue before
 * it as a lighter bar, and a time axis. A bar is a button that selects the task instance.
 */
import type { DagRun, Task, TaskInstance } from '../api';
import { formatDate, formatDuration, stateName } from '../states';

/** queued_when is in the API's answer; the shared type leaves it out */
type TimedInstance = TaskInstance & { queued_when?: string | null };

interface Row {
  task: Task;
  ti: TimedInstance;
  state: string;
  queued: number | null;
  start: number;
  end: number;
}

const TICKS = 6;
/** where the axis's ticks and the rows' grid lines are, as fractions of the chart's width */
const TICK_AT = Array.from({ length: TICKS + 1 }, (_, i) => i / TICKS);
const GRID_AT = TICK_AT.slice(1, -1);

function ms(iso: string | null | undefined): number | null {
  if (!iso) return null;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? null : t;
}

function rowsOf(tasks: readonly Task[], instances: Map<string, TaskInstance>, now: number): Row[] {
  const rows: Row[] = [];
  for (const task of tasks) {
    const ti = instances.get(task.task_id) as TimedInstance | undefined;
    const start = ms(ti?.start_date);
    if (!ti || start === null) continue;
    const queued = ms(ti.queued_when);
    rows.push({
      task,
      ti,
      state: stateName(ti.state),
      queued: queued !== null && queued < start ? queued : null,
      start,
      end: Math.max(start, ms(ti.end_date) ?? now),
    });
  }
  return rows.sort((a, b) => (a.queued ?? a.start) - (b.queued ?? b.start) || a.start - b.start);
}

/** "+1.5 s", "+2 m 5 s": time since the chart's start */
function offsetLabel(seconds: number): string {
  return `+${formatDuration(seconds)}`;
}

export function GanttView({
  run,
  tasks,
  instances,
  selectedTask,
  onSelectTask,
}: {
  run: DagRun;
  tasks: Task[];
  /** the run's task instances by task id */
  instances: Map<string, TaskInstance>;
  selectedTask: string | null;
  onSelectTask: (taskId: string) => void;
}) {
  const now = Date.now();
  const rows = rowsOf(tasks, instances, now);
  if (rows.length === 0) return <p className="muted">No task of this run has started yet.</p>;
  const first = Math.min(
    ...rows.map((r) => r.queued ?? r.start),
    ms(run.start_date) ?? Number.POSITIVE_INFINITY,
  );
  const last = Math.max(...rows.map((r) => r.end));
  const span = Math.max(last - first, 1);
  const pct = (t: number) => `${(((t - first) / span) * 100).toFixed(3)}%`;
  const width = (from: number, to: number) => `max(${(((to - from) / span) * 100).toFixed(3)}%, 3px)`;

  return (
    <section className="gantt" aria-label={`Gantt chart of ${run.dag_run_id}`}>
      <div className="gantt-row gantt-axis" aria-hidden="true">
        <span className="gantt-task">{formatDate(new Date(first).toISOString())}</span>
        <span className="gantt-track">
          {TICK_AT.map((f) => (
            <span key={f} className="gantt-tick" style={{ left: `${f * 100}%` }}>
              {offsetLabel((span / 1000) * f)}
            </span>
          ))}
        </span>
      </div>
      {rows.map((r) => {
        const isSelected = r.task.task_id === selectedTask;
        const waited =
          r.queued === null ? '' : `, queued ${formatDuration((r.start - r.queued) / 1000)} before`;
        const tries = r.ti.try_number > 1 ? `, try ${r.ti.try_number}` : '';
        return (
          <div key={r.task.task_id} className={`gantt-row${isSelected ? ' selected' : ''}`}>
            <span className="gantt-task" title={r.task.task_id}>
              {r.task.task_id}
            </span>
            <span className="gantt-track">
              {GRID_AT.map((f) => (
                <span key={f} className="gantt-grid" style={{ left: `${f * 100}%` }} />
              ))}
              {r.queued !== null && (
                <span
                  className={`gantt-queued state-${r.state}`}
                  style={{ left: pct(r.queued), width: width(r.queued, r.start) }}
                />
              )}
              <button
                type="button"
                className={`gantt-bar state-${r.state}${isSelected ? ' selected' : ''}`}
                data-task={r.task.task_id}
                data-state={r.state}
                style={{ left: pct(r.start), width: width(r.start, r.end) }}
                aria-label={`${r.task.task_id}: ${r.state}, ${formatDuration((r.end - r.start) / 1000)}${tries}${waited}`}
                title={`${r.task.task_id} · ${r.state}${tries}\nstarted ${formatDate(r.ti.start_date)}\nended ${formatDate(r.ti.end_date)}\n${formatDuration((r.end - r.start) / 1000)}${waited}`}
                onClick={() => onSelectTask(r.task.task_id)}
              >
                {r.ti.try_number > 1 && <span className="gantt-try">{r.ti.try_number}</span>}
              </button>
            </span>
          </div>
        );
      })}
      <p className="muted gantt-note">
        A lighter bar before a task's is the time it waited in the queue; a number on a bar is its try.
      </p>
    </section>
  );
}
