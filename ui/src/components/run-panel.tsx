/** The panel of one DAG run: its dates, type and conf, and a button that clears its failed tasks. */
import { useState } from 'react';
import { ApiError, type DagRun, dagPath, request } from '../api';
import { formatDate, formatDuration, isFinished } from '../states';
import { StateBadge } from './state-badge';

export function RunPanel({
  run,
  canEdit,
  onChanged,
  onClose,
}: {
  run: DagRun;
  /** whether the user may clear (else the button is not shown) */
  canEdit: boolean;
  onChanged: () => void;
  onClose: () => void;
}) {
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
      {canEdit && (
        <div className="actions">
          <button type="button" onClick={() => void clearFailed()} disabled={!isFinished(run.state)}>
            Clear failed tasks
          </button>
        </div>
      )}
      {message && <p className={message.isError ? 'error' : 'info'}>{message.text}</p>}
      <p className="muted">Click a task of this run to see its tries and logs.</p>
    </aside>
  );
}
