/**
 * The panel of one task instance: its state, its tries, the log of the chosen try, and a Clear
 * button that makes it (and what is downstream of it) run again.
 */
import { useState } from 'react';
import { ApiError, dagPath, get, request, type TaskInstance } from '../api';
import { usePoll } from '../hooks';
import { formatDate, formatDuration, isFinished, stateName } from '../states';
import { HitlPanel } from './hitl-panel';
import { LogView } from './log-view';
import { StateBadge } from './state-badge';

export function TaskInstancePanel({
  dagId,
  runId,
  taskId,
  instance,
  tryNumber,
  onChooseTry,
  onChanged,
  onClose,
}: {
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
  const [isBusy, setBusy] = useState(false);
  const tiPath = dagPath(dagId, 'dagRuns', runId, 'taskInstances', taskId);
  const isLive = instance !== undefined && !isFinished(instance.state);

  const tries = usePoll(
    async (signal) => {
      try {
        return (await get<{ task_instances: TaskInstance[] }>(`${tiPath}/tries`, signal)).task_instances;
      } catch (e) {
        // a server without the tries route: the try numbers alone, from the task instance
        if (e instanceof ApiError && e.isNoRoute) return null;
        throw e;
      }
    },
    isLive ? 2_000 : null,
    [tiPath, instance?.try_number, instance?.state],
  );

  const latest = instance?.try_number ?? 0;
  const tryNumbers = tries.data?.map((t) => t.try_number) ?? Array.from({ length: latest }, (_, i) => i + 1);
  const chosen = tryNumber !== null && tryNumbers.includes(tryNumber) ? tryNumber : latest;
  const chosenTry = tries.data?.find((t) => t.try_number === chosen);

  async function clear() {
    setBusy(true);
    setMessage(null);
    try {
      let cleared: string[];
      try {
        const result = await request<{ task_instances: TaskInstance[] }>(
          'POST',
          dagPath(dagId, 'clearTaskInstances'),
          {
            dry_run: false,
            dag_run_id: runId,
            task_ids: [taskId],
            only_failed: false,
            include_downstream: true,
          },
        );
        cleared = result.task_instances.map((t) => t.task_id);
      } catch (e) {
        if (!(e instanceof ApiError && e.isNoRoute)) throw e;
        // an older server: clear the run's failed task instances instead
        const result = await request<{ task_ids: string[] }>(
          'POST',
          dagPath(dagId, 'dagRuns', runId, 'clear'),
          {
            dry_run: false,
            only_failed: true,
          },
        );
        cleared = result.task_ids;
      }
      setMessage({ text: cleared.length ? `Cleared ${cleared.join(', ')}` : 'Nothing to clear' });
      onChanged();
    } catch (e) {
      setMessage({ text: e instanceof ApiError ? e.detail : String(e), isError: true });
    } finally {
      setBusy(false);
    }
  }

  return (
    <aside className="panel ti-panel" data-task={taskId} data-run={runId}>
      <div className="panel-head">
        <h2>{taskId}</h2>
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
          <div className="actions">
            <button
              type="button"
              onClick={() => void clear()}
              disabled={
                isBusy || stateName(instance.state) === 'running' || stateName(instance.state) === 'queued'
              }
            >
              Clear
            </button>
          </div>
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
              <LogView
                key={`${runId}/${taskId}/${chosen}`}
                dagId={dagId}
                runId={runId}
                taskId={taskId}
                tryNumber={chosen}
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
