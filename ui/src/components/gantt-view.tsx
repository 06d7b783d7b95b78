/**
 * The Gantt chart of one DAG run, as Airflow's: one row per task instance, a bar from its start to
 * its end (to now while it runs) in the colour of its state, the time it waited in the queue before
 * it as a lighter bar, and a time axis. A task that ran more than once shows each earlier try as a
 * fainter bar in its row (as Airflow 3), read from the tries of only those task instances. A bar is
 * a button that selects the task instance (and that try). A run of many task instances
 * (VIRTUAL_FROM rows or more) scrolls in a box of its own, its axis on top, and renders a window of
 * rows at a time; a task chosen elsewhere is scrolled into view.
 */
import { useRef } from 'react';
import { ApiError, type DagRun, dagPath, get, type Task, type TaskInstance } from '../api';
import { usePoll } from '../hooks';
import { formatDate, formatDuration, stateName } from '../states';
import { useRowWindow } from './virtual-rows';

/** queued_when is in the API's answer; the shared type leaves it out */
type TimedInstance = TaskInstance & { queued_when?: string | null };

/** an earlier, ended try of a task instance */
interface EarlierTry {
  tryNumber: number;
  state: string;
  start: number;
  end: number;
  startDate: string | null;
  endDate: string | null;
}

interface Row {
  task: Task;
  ti: TimedInstance;
  state: string;
  queued: number | null;
  start: number;
  end: number;
  earlier: EarlierTry[];
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

function rowsOf(
  tasks: readonly Task[],
  instances: Map<string, TaskInstance>,
  triesOf: Map<string, TaskInstance[]>,
  now: number,
): Row[] {
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
      earlier: earlierTries(triesOf.get(task.task_id) ?? [], ti.try_number, now),
    });
  }
  const from = (r: Row) => Math.min(r.queued ?? r.start, ...r.earlier.map((t) => t.start));
  return rows.sort((a, b) => from(a) - from(b) || a.start - b.start);
}

function earlierTries(tries: readonly TaskInstance[], current: number, now: number): EarlierTry[] {
  const earlier: EarlierTry[] = [];
  for (const t of tries) {
    const start = ms(t.start_date);
    if (t.try_number >= current || start === null) continue;
    earlier.push({
      tryNumber: t.try_number,
      state: stateName(t.state),
      start,
      end: Math.max(start, ms(t.end_date) ?? now),
      startDate: t.start_date,
      endDate: t.end_date,
    });
  }
  return earlier;
}

/**
 * The tries of the run's task instances that have had more than one, by task id: one call per
 * such task instance (few: most run once), read again when a try number or state changes.
 */
function useEarlierTries(dagId: string, runId: string, instances: Map<string, TaskInstance>) {
  const retried = [...instances.values()].filter((ti) => ti.try_number > 1 && ti.map_index < 0);
  const key = retried.map((ti) => `${ti.task_id}:${ti.try_number}:${ti.state}`);
  const polled = usePoll(
    async (signal) => {
      const byTask = new Map<string, TaskInstance[]>();
      await Promise.all(
        retried.map(async (ti) => {
          try {
            const path = `${dagPath(dagId, 'dagRuns', runId, 'taskInstances', ti.task_id)}/tries`;
            byTask.set(
              ti.task_id,
              (await get<{ task_instances: TaskInstance[] }>(path, signal)).task_instances,
            );
          } catch (e) {
            // a server without the tries route: the latest tries alone
            if (!(e instanceof ApiError && e.isNoRoute)) throw e;
          }
        }),
      );
      return byTask;
    },
    null,
    [dagId, runId, key],
  );
  return polled.data ?? new Map<string, TaskInstance[]>();
}

/** "+1.5 s", "+2 m 5 s": time since the chart's start */
function offsetLabel(seconds: number): string {
  return `+${formatDuration(seconds)}`;
}

export function GanttView({
  dagId,
  run,
  tasks,
  instances,
  selectedTask,
  onSelectTask,
}: {
  dagId: string;
  run: DagRun;
  tasks: Task[];
  /** the run's task instances by task id */
  instances: Map<string, TaskInstance>;
  selectedTask: string | null;
  onSelectTask: (taskId: string, tryNumber?: number) => void;
}) {
  const now = Date.now();
  const triesOf = useEarlierTries(dagId, run.dag_run_id, instances);
  const rows = rowsOf(tasks, instances, triesOf, now);
  const scroller = useRef<HTMLElement>(null);
  // a 22px track and the rows' 2px gap (each row is measured anyway); a chosen task into view
  const { isVirtual, items, top, bottom, measure } = useRowWindow({
    count: rows.length,
    scroller,
    estimatePx: 22,
    gapPx: 2,
    rowKey: (i) => rows[i]?.task.task_id ?? i,
    scrollTo: selectedTask ? rows.findIndex((r) => r.task.task_id === selectedTask) : -1,
  });
  if (rows.length === 0) return <p className="muted">No task of this run has started yet.</p>;
  const first = Math.min(
    ...rows.flatMap((r) => [r.queued ?? r.start, ...r.earlier.map((t) => t.start)]),
    ms(run.start_date) ?? Number.POSITIVE_INFINITY,
  );
  const last = Math.max(...rows.map((r) => r.end));
  const span = Math.max(last - first, 1);
  const pct = (t: number) => `${(((t - first) / span) * 100).toFixed(3)}%`;
  const width = (from: number, to: number) => `max(${(((to - from) / span) * 100).toFixed(3)}%, 3px)`;

  return (
    <section
      ref={scroller}
      className={`gantt${isVirtual ? ' is-virtual' : ''}`}
      data-rows={rows.length}
      aria-label={`Gantt chart of ${run.dag_run_id}`}
      // a scrolling region must be reachable by keyboard to be scrolled without a mouse
      tabIndex={isVirtual ? 0 : undefined}
    >
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
      {isVirtual && top > 0 && <div className="gantt-spacer" style={{ height: top }} />}
      {(isVirtual ? items.map((item) => item.index) : rows.map((_, i) => i)).map((index) => {
        const r = rows[index];
        if (r === undefined) return null;
        const isSelected = r.task.task_id === selectedTask;
        const waited =
          r.queued === null ? '' : `, queued ${formatDuration((r.start - r.queued) / 1000)} before`;
        const tries = r.ti.try_number > 1 ? `, try ${r.ti.try_number}` : '';
        return (
          <div
            key={r.task.task_id}
            className={`gantt-row${isSelected ? ' selected' : ''}`}
            data-index={index}
            data-task-row={r.task.task_id}
            ref={isVirtual ? measure : undefined}
          >
            <span className="gantt-task" title={r.task.task_id}>
              {r.task.task_id}
            </span>
            <span className="gantt-track">
              {GRID_AT.map((f) => (
                <span key={f} className="gantt-grid" style={{ left: `${f * 100}%` }} />
              ))}
              {r.earlier.map((t) => (
                <button
                  key={t.tryNumber}
                  type="button"
                  className={`gantt-bar earlier-try state-${t.state}`}
                  data-task={r.task.task_id}
                  data-try={t.tryNumber}
                  data-state={t.state}
                  style={{ left: pct(t.start), width: width(t.start, t.end) }}
                  aria-label={`${r.task.task_id}: try ${t.tryNumber}, ${t.state}, ${formatDuration((t.end - t.start) / 1000)}`}
                  title={`${r.task.task_id} · try ${t.tryNumber} · ${t.state}\nstarted ${formatDate(t.startDate)}\nended ${formatDate(t.endDate)}`}
                  onClick={() => onSelectTask(r.task.task_id, t.tryNumber)}
                >
                  <span className="gantt-try">{t.tryNumber}</span>
                </button>
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
                data-try={r.ti.try_number}
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
      {isVirtual && bottom > 0 && <div className="gantt-spacer" style={{ height: bottom }} />}
      <p className="muted gantt-note">
        A lighter bar before a task's is the time it waited in the queue; a number on a bar is its try; a
        fainter bar is an earlier try.
      </p>
    </section>
  );
}
