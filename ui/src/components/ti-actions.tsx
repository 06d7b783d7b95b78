/**
 * A task instance's actions, each confirmed after a dry run that lists what will change: clear
 * (with its downstream tasks, or only if failed) and mark success or failed. Shown only to a user
 * who may change the DAG (the API refuses the others anyway).
 */
import { useEffect, useState } from 'react';
import { ApiError, dagPath, query, request, type TaskInstance } from '../api';
import { stateName } from '../states';
import { Dialog } from './dialog';
import { StateBadge } from './state-badge';

type Action = { kind: 'clear' } | { kind: 'mark'; to: 'success' | 'failed' };

const TITLES = { clear: 'Clear', success: 'Mark success', failed: 'Mark failed' } as const;

export function TaskInstanceActions({
  dagId,
  runId,
  instance,
  onDone,
}: {
  dagId: string;
  runId: string;
  instance: TaskInstance;
  /** after a change: what it did, or the API's error */
  onDone: (message: { text: string; isError?: boolean }) => void;
}) {
  const [action, setAction] = useState<Action | null>(null);
  const state = stateName(instance.state);
  const isActive = state === 'running' || state === 'queued';
  return (
    <div className="actions">
      <button type="button" disabled={isActive} onClick={() => setAction({ kind: 'clear' })}>
        Clear
      </button>
      {(['success', 'failed'] as const).map((to) => (
        <button
          key={to}
          type="button"
          className="secondary"
          disabled={state === to}
          onClick={() => setAction({ kind: 'mark', to })}
        >
          {TITLES[to]}
        </button>
      ))}
      {action && (
        <ConfirmChange
          dagId={dagId}
          runId={runId}
          instance={instance}
          action={action}
          onClose={() => setAction(null)}
          onDone={(m) => {
            setAction(null);
            onDone(m);
          }}
        />
      )}
    </div>
  );
}

function ConfirmChange({
  dagId,
  runId,
  instance,
  action,
  onClose,
  onDone,
}: {
  dagId: string;
  runId: string;
  instance: TaskInstance;
  action: Action;
  onClose: () => void;
  onDone: (message: { text: string; isError?: boolean }) => void;
}) {
  const [options, setOptions] = useState({ downstream: true, onlyFailed: false });
  const [preview, setPreview] = useState<TaskInstance[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const taskId = instance.task_id;
  const title = TITLES[action.kind === 'clear' ? 'clear' : action.to];

  const call = (dryRun: boolean) =>
    action.kind === 'clear'
      ? request<{ task_instances: TaskInstance[] }>('POST', dagPath(dagId, 'clearTaskInstances'), {
          dry_run: dryRun,
          dag_run_id: runId,
          // a mapped task's instance alone, by its map index (as Airflow 3's [task_id, map_index])
          task_ids: [instance.map_index >= 0 ? [taskId, instance.map_index] : taskId],
          only_failed: options.onlyFailed,
          include_downstream: options.downstream,
        })
      : request<{ task_instances: TaskInstance[] }>(
          'PATCH',
          // a mapped task's instance by its map index
          `${dagPath(dagId, 'dagRuns', runId, 'taskInstances', taskId)}${query({ map_index: instance.map_index >= 0 ? instance.map_index : undefined })}`,
          { new_state: action.to, dry_run: dryRun },
        );

  // the dry run: what this would change, again whenever an option changes
  // biome-ignore lint/correctness/useExhaustiveDependencies: call reads the options
  useEffect(() => {
    let isStale = false;
    setPreview(null);
    setError(null);
    call(true).then(
      (r) => !isStale && setPreview(r.task_instances),
      (e) => !isStale && setError(e instanceof ApiError ? e.detail : String(e)),
    );
    return () => {
      isStale = true;
    };
  }, [options.downstream, options.onlyFailed]);

  async function confirm() {
    try {
      const done = (await call(false)).task_instances.map((t) => t.task_id);
      const verb = action.kind === 'clear' ? 'Cleared' : `Marked ${action.to}`;
      onDone({ text: done.length ? `${verb} ${[...new Set(done)].join(', ')}` : 'Nothing changed' });
    } catch (e) {
      setError(e instanceof ApiError ? e.detail : String(e));
    }
  }

  return (
    <Dialog title={`${title}: ${taskId}`} onClose={onClose}>
      {action.kind === 'clear' && (
        <fieldset className="options">
          <label>
            <input
              type="checkbox"
              checked={options.downstream}
              onChange={(e) => setOptions({ ...options, downstream: e.target.checked })}
            />{' '}
            With its downstream tasks
          </label>
          <label>
            <input
              type="checkbox"
              checked={options.onlyFailed}
              onChange={(e) => setOptions({ ...options, onlyFailed: e.target.checked })}
            />{' '}
            Only failed ones
          </label>
        </fieldset>
      )}
      {preview === null && !error && <p className="muted">Finding what will change…</p>}
      {preview && (
        <>
          <p>
            {preview.length === 0
              ? 'Nothing will change.'
              : action.kind === 'clear'
                ? `These ${preview.length} task instances will run again:`
                : `This will be marked ${action.to}:`}
          </p>
          <ul className="change-list" aria-label="What will change">
            {preview.map((t) => (
              <li key={`${t.task_id}/${t.map_index}`} data-task={t.task_id}>
                {t.task_id}
                {t.map_index >= 0 ? ` [${t.map_index}]` : ''} <StateBadge state={t.state} />
              </li>
            ))}
          </ul>
        </>
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <div className="actions">
        <button type="button" disabled={!preview || preview.length === 0} onClick={() => void confirm()}>
          Confirm
        </button>
        <button type="button" className="secondary" onClick={onClose}>
          Cancel
        </button>
      </div>
    </Dialog>
  );
}
