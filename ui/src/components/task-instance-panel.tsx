/**
 * The panel of one task instance: its state, its actions (clear, mark success or failed, each
 * confirmed after a dry run), its upstream and downstream tasks, rendered templates and outputs,
 * its tries, and the log of the chosen try.
 */
import { useState } from 'react';
import { ApiError, dagPath, get, query, type Task, type TaskInstance } from '../api';
import { usePoll } from '../hooks';
import { formatDate, formatDuration, isFinished, stateName } from '../states';
import { HitlPanel } from './hitl-panel';
import { LogView } from './log-view';
import { StateBadge } from './state-badge';
import { TaskInstanceActions } from './ti-actions';
import { TaskInstanceDetails } from './ti-details';

export function TaskInstancePanel({
  dagId,
  runId,
  taskId,
  instance,
  tryNumber,
  onChooseTry,
  canEdit,
  tasks,
  onSelectTask,
  onChanged,
  onClose,
  mapIndex,
}: {
  /** a mapped task's instance (its tries and logs are read by map index); undefined if unmapped */
  mapIndex?: number;
  /** the DAG's tasks (for upstream and downstream); null while loading */
  tasks: Task[] | null;
  onSelectTask: (taskId: string) => void;
  /** whether the user may clear and mark (else those buttons are not shown) */
  canEdit: boolean;
  dagId: string;
  runId: string;
  taskId: string;
  /** as the grid last saw it; undefined when the run has no such task instance */
  instance: TaskInstance | undefined;
  /** the try the user chose; the latest when null */
  tryNumber: number | null;
  onChooseTry: (tryNumber: number) => void;
  onChanged: () => void;
  onClose: () => void;
}) {
  const [message, setMessage] = useState<{ text: string; isError?: boolean } | null>(null);
  const tiPath = dagPath(dagId, 'dagRuns', runId, 'taskInstances', taskId);
  const isLive = instance !== undefined && !isFinished(instance.state);

  const tries = usePoll(
    async (signal) => {
      try {
        const tries = `${tiPath}/tries${query({ map_index: mapIndex })}`;
        return (await get<{ task_instances: TaskInstance[] }>(tries, signal)).task_instances;
      } catch (e) {
        // a server without the tries route: the try numbers alone, from the task instance
        if (e instanceof ApiError && e.isNoRoute) return null;
        throw e;
      }
    },
    isLive ? 2_000 : null,
    [tiPath, mapIndex, instance?.try_number, instance?.state],
  );

  const latest = instance?.try_number ?? 0;
  const tryNumbers = tries.data?.map((t) => t.try_number) ?? Array.from({ length: latest }, (_, i) => i + 1);
  const chosen = tryNumber !== null && tryNumbers.includes(tryNumber) ? tryNumber : latest;
  const chosenTry = tries.data?.find((t) => t.try_number === chosen);

  return (
    <aside className="panel ti-panel" data-task={taskId} data-run={runId} data-map-index={mapIndex}>
      <div className="panel-head">
        <h2>
          {taskId}
          {mapIndex !== undefined && ` [${mapIndex}]`}
        </h2>
        <button type="button" className="secondary" onClick={onClose} aria-label="Close the panel">
          ×
        </button>
      </div>
      <p className="muted run-id">{runId}</p>
      {instance ? (
        <>
          <dl className="facts">
            <dt>State</dt>
            <dd className="ti-state">
              <StateBadge state={instance.state} />
            </dd>
            <dt>Try</dt>
            <dd>{instance.try_number}</dd>
            <dt>Started</dt>
            <dd>{formatDate(instance.start_date)}</dd>
            <dt>Duration</dt>
            <dd>{formatDuration(instance.duration)}</dd>
            <dt>Operator</dt>
            <dd>{instance.operator}</dd>
          </dl>
          {canEdit && (
            <TaskInstanceActions
              dagId={dagId}
              runId={runId}
              instance={instance}
              onDone={(m) => {
                setMessage(m);
                if (!m.isError) onChanged();
              }}
            />
          )}
          {message && (
            <p className={message.isError ? 'error' : 'info'} role="status">
              {message.text}
            </p>
          )}
          <HitlPanel
            dagId={dagId}
            runId={runId}
            taskId={taskId}
            isWaiting={stateName(instance.state) === 'deferred'}
            onAnswered={onChanged}
          />
          {tryNumbers.length > 0 ? (
            <>
              <div className="tries" role="tablist" aria-label="Tries">
                {tryNumbers.map((n) => {
                  const t = tries.data?.find((x) => x.try_number === n);
                  return (
                    <button
                      key={n}
                      type="button"
                      role="tab"
                      aria-selected={n === chosen}
                      className={`try-tab${n === chosen ? ' active' : ''}`}
                      data-try={n}
                      onClick={() => onChooseTry(n)}
                    >
                      <span
                        className={`dot state-${stateName(t?.state ?? (n === latest ? instance.state : null))}`}
                      />
                      Try {n}
                    </button>
                  );
                })}
              </div>
              {chosenTry?.error && <pre className="try-error">{chosenTry.error}</pre>}
              <TaskInstanceDetails
                dagId={dagId}
                runId={runId}
                taskId={taskId}
                tryNumber={chosen}
                {...(mapIndex !== undefined ? { mapIndex } : {})}
                tasks={tasks}
                onSelectTask={onSelectTask}
              />
              <LogView
                key={`${runId}/${taskId}/${mapIndex}/${chosen}`}
                dagId={dagId}
                runId={runId}
                taskId={taskId}
                tryNumber={chosen}
                mapIndex={mapIndex}
              />
            </>
          ) : (
            <p className="muted">No tries yet.</p>
          )}
        </>
      ) : (
        <p className="muted">This run has no task instance of {taskId} (yet).</p>
      )}
    </aside>
  );
}
