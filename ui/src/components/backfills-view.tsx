/**
 * A DAG's Backfills tab: its backfills, newest first and paged, with their state, range,
 * reprocess behaviour and limits; a User or more pauses, unpauses and (after a confirmation)
 * cancels them, and opens the Backfill form. The API enforces the roles; this only hides buttons.
 */
import { useState } from 'react';
import { ApiError, get, query, request } from '../api';
import { usePoll } from '../hooks';
import { formatDate } from '../states';
import { BackfillForm } from './backfill-form';
import { ConfirmDialog } from './form-dialog';
import { FormError } from './form-field';
import { KeptPager } from './kept-pager';

/** Airflow 3's BackfillResponse, the parts the UI reads. */
export interface Backfill {
  id: number;
  dag_id: string;
  from_date: string;
  to_date: string;
  dag_run_conf: Record<string, unknown> | null;
  is_paused: boolean;
  reprocess_behavior: string;
  max_active_runs: number;
  created_at: string;
  completed_at: string | null;
}

export type BackfillState = 'running' | 'paused' | 'completed';

/** A backfill is completed once it has a completed_at (done or cancelled), else paused or running. */
export function backfillState(b: Backfill): BackfillState {
  if (b.completed_at) return 'completed';
  return b.is_paused ? 'paused' : 'running';
}

const PAGE = 25;
const DOT: Record<BackfillState, string> = { running: 'running', paused: 'queued', completed: 'success' };

export function BackfillsView({
  dagId,
  isDagPaused,
  canChange,
}: {
  dagId: string;
  isDagPaused: boolean;
  /** a User or more: may create, pause, unpause and cancel */
  canChange: boolean;
}) {
  const [offset, setOffset] = useState(0);
  const [isCreating, setCreating] = useState(false);
  const [cancelling, setCancelling] = useState<Backfill | null>(null);
  const [error, setError] = useState<string | null>(null);
  const list = usePoll(
    (signal) =>
      get<{ backfills: Backfill[]; total_entries: number }>(
        `/api/v2/backfills${query({ dag_id: dagId, limit: PAGE, offset, order_by: '-id' })}`,
        signal,
      ),
    (data) => (data?.backfills.some((b) => !b.completed_at) ? 2_000 : 10_000),
    [dagId, offset],
  );

  async function act(b: Backfill, action: 'pause' | 'unpause' | 'cancel') {
    setError(null);
    await request('PUT', `/api/v2/backfills/${b.id}/${action}`);
    list.reload();
  }

  /** pause or unpause: a refusal shows above the table (a cancel's shows in its dialog) */
  function togglePaused(b: Backfill) {
    act(b, b.is_paused ? 'unpause' : 'pause').catch((e: unknown) =>
      setError(e instanceof ApiError ? e.detail : String(e)),
    );
  }

  return (
    <div className="card">
      <div className="view-head">
        <h2>Backfills</h2>
        {canChange && !isCreating && (
          <button type="button" onClick={() => setCreating(true)}>
            Backfill
          </button>
        )}
      </div>
      {isDagPaused && (
        <p className="banner info-banner">
          The DAG is paused: a backfill's runs wait until you unpause it (as in Airflow).
        </p>
      )}
      {isCreating && (
        <BackfillForm
          dagId={dagId}
          onCancel={() => setCreating(false)}
          onCreated={() => {
            setCreating(false);
            setOffset(0);
            list.reload();
          }}
        />
      )}
      <FormError error={error} />
      {list.error && (
        <p className="banner error-banner">Could not load the backfills: {list.error.message}</p>
      )}
      {list.data && list.data.total_entries === 0 && <p className="muted">No backfills of this DAG yet.</p>}
      {list.data && list.data.backfills.length > 0 && (
        <table className="table backfill-table">
          <thead>
            <tr>
              <th>ID</th>
              <th>State</th>
              <th>From</th>
              <th>To</th>
              <th>Reprocess</th>
              <th className="num">Max active runs</th>
              <th>Created</th>
              <th>Completed</th>
              {canChange && <th>Actions</th>}
            </tr>
          </thead>
          <tbody>
            {list.data.backfills.map((b) => {
              const state = backfillState(b);
              return (
                <tr key={b.id} data-backfill={b.id} data-state={state}>
                  <td>{b.id}</td>
                  <td>
                    <span className="badge">
                      <span className={`dot state-${DOT[state]}`} />
                      {state}
                    </span>
                  </td>
                  <td>{formatDate(b.from_date)}</td>
                  <td>{formatDate(b.to_date)}</td>
                  <td>{b.reprocess_behavior}</td>
                  <td className="num">{b.max_active_runs}</td>
                  <td>{formatDate(b.created_at)}</td>
                  <td>{formatDate(b.completed_at)}</td>
                  {canChange && (
                    <td className="row-actions">
                      {state !== 'completed' && (
                        <>
                          <button
                            type="button"
                            className="secondary"
                            aria-label={`${b.is_paused ? 'Unpause' : 'Pause'} backfill ${b.id}`}
                            onClick={() => togglePaused(b)}
                          >
                            {b.is_paused ? 'Unpause' : 'Pause'}
                          </button>
                          <button
                            type="button"
                            className="secondary"
                            aria-label={`Cancel backfill ${b.id}`}
                            onClick={() => setCancelling(b)}
                          >
                            Cancel
                          </button>
                        </>
                      )}
                    </td>
                  )}
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <KeptPager offset={offset} limit={PAGE} total={list.data?.total_entries} onOffset={setOffset} />
      {cancelling && (
        <ConfirmDialog
          title={`Cancel backfill ${cancelling.id}?`}
          message="Its queued runs fail, running ones go on, and no more start. This cannot be undone."
          confirmLabel="Cancel backfill"
          onConfirm={async () => {
            await act(cancelling, 'cancel');
            setCancelling(null);
          }}
          onClose={() => setCancelling(null)}
        />
      )}
    </div>
  );
}
