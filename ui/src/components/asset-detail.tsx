/**
 * One asset (`/assets/<id>`): what it is, the DAGs scheduled on it and the tasks that update it,
 * and its events newest first (their extra, and the run that produced them). An Op or Admin
 * creates an event from here, which queues runs of the consuming DAGs as an update would.
 */
import { useState } from 'react';
import { roleAllows } from '../admin-api';
import { get, type Me, query, request } from '../api';
import { usePoll } from '../hooks';
import { parseJsonObject } from '../json-object';
import { dagHref, onLinkClick } from '../router';
import { formatDate } from '../states';
import { useNotice } from './admin-list';
import { FormDialog } from './form-dialog';
import { Field } from './form-field';
import { KeptPager } from './kept-pager';

/** Airflow 3's AssetResponse, the parts the UI reads. */
export interface Asset {
  id: number;
  uri: string;
  name: string;
  group: string;
  extra: Record<string, unknown>;
  updated_at: string;
  consuming_dags: { dag_id: string }[];
  producing_tasks: { dag_id: string; task_id: string }[];
}

export interface AssetEvent {
  id: number;
  asset_id: number;
  extra: Record<string, unknown>;
  source_dag_id: string | null;
  source_task_id: string | null;
  source_run_id: string | null;
  source_map_index: number | null;
  timestamp: string;
}

const EVENTS_PAGE = 25;

/** Links to DAG pages: of a DAG, or of a task (its DAG's graph with the task chosen). */
export function DagLinks({ items }: { items: { dag_id: string; task_id?: string }[] }) {
  if (items.length === 0) return <span className="muted">—</span>;
  return (
    <ul className="link-list">
      {items.map((i) => {
        const href = i.task_id ? dagHref(i.dag_id, { view: 'graph', task: i.task_id }) : dagHref(i.dag_id);
        return (
          <li key={`${i.dag_id}.${i.task_id ?? ''}`}>
            <a href={href} onClick={onLinkClick}>
              {i.task_id ? `${i.dag_id}.${i.task_id}` : i.dag_id}
            </a>
          </li>
        );
      })}
    </ul>
  );
}

function json(value: Record<string, unknown>): string {
  return Object.keys(value).length === 0 ? '—' : JSON.stringify(value);
}

export function AssetDetail({ assetId, me }: { assetId: number; me: Me | null }) {
  const [offset, setOffset] = useState(0);
  const [isCreating, setCreating] = useState(false);
  const { notice, setNotice } = useNotice();
  const asset = usePoll((signal) => get<Asset>(`/api/v2/assets/${assetId}`, signal), 30_000, [assetId]);
  const events = usePoll(
    (signal) =>
      get<{ asset_events: AssetEvent[]; total_entries: number }>(
        `/api/v2/assets/events${query({ asset_id: assetId, order_by: '-timestamp', limit: EVENTS_PAGE, offset })}`,
        signal,
      ),
    10_000,
    [assetId, offset],
  );
  const a = asset.data;

  if (asset.error) return <p className="banner error-banner">{asset.error.message}</p>;
  return (
    <section className="asset-detail">
      <div className="toolbar">
        <a href="/assets" onClick={onLinkClick}>
          Assets
        </a>
        <span aria-hidden="true">/</span>
        <h1>{a ? a.uri : 'Asset'}</h1>
        <span className="spacer" />
        {roleAllows(me?.role, 'Op') && (
          <button type="button" onClick={() => setCreating(true)}>
            Create event
          </button>
        )}
      </div>
      {notice}
      {a && (
        <div className="card">
          <dl className="facts">
            <dt>Name</dt>
            <dd>{a.name}</dd>
            <dt>Group</dt>
            <dd>{a.group}</dd>
            <dt>Extra</dt>
            <dd>
              <code>{json(a.extra)}</code>
            </dd>
            <dt>Consuming DAGs</dt>
            <dd>
              <DagLinks items={a.consuming_dags} />
            </dd>
            <dt>Producing tasks</dt>
            <dd>
              <DagLinks items={a.producing_tasks} />
            </dd>
          </dl>
        </div>
      )}
      <div className="card section-gap">
        <h2>Events</h2>
        {events.error && (
          <p className="banner error-banner">Could not load the events: {events.error.message}</p>
        )}
        {events.data?.total_entries === 0 && <p className="muted">No events yet.</p>}
        {events.data && events.data.asset_events.length > 0 && (
          <table className="table event-table">
            <thead>
              <tr>
                <th>Time</th>
                <th>Source</th>
                <th>Extra</th>
              </tr>
            </thead>
            <tbody>
              {events.data.asset_events.map((e) => (
                <tr key={e.id} data-event={e.id}>
                  <td>{formatDate(e.timestamp)}</td>
                  <td>
                    {e.source_dag_id && e.source_run_id ? (
                      <a
                        href={dagHref(e.source_dag_id, { run: e.source_run_id, task: e.source_task_id })}
                        onClick={onLinkClick}
                      >
                        {e.source_dag_id}.{e.source_task_id} ({e.source_run_id})
                      </a>
                    ) : (
                      <span className="muted">created from outside</span>
                    )}
                  </td>
                  <td>
                    <code>{json(e.extra)}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <KeptPager
          offset={offset}
          limit={EVENTS_PAGE}
          total={events.data?.total_entries}
          onOffset={setOffset}
        />
      </div>
      {isCreating && a && (
        <EventForm
          asset={a}
          onClose={() => setCreating(false)}
          onCreated={() => {
            setCreating(false);
            setOffset(0);
            setNotice(`Created an event of ${a.uri}`);
            events.reload();
          }}
        />
      )}
    </section>
  );
}

function EventForm({
  asset,
  onClose,
  onCreated,
}: {
  asset: Asset;
  onClose: () => void;
  onCreated: () => void;
}) {
  const [extra, setExtra] = useState('{}');
  const hint =
    asset.consuming_dags.length > 0
      ? `Queues a run of ${asset.consuming_dags.map((d) => d.dag_id).join(', ')}.`
      : 'No DAG is scheduled on this asset.';
  return (
    <FormDialog
      title={`Create an event of ${asset.uri}`}
      submitLabel="Create event"
      onClose={onClose}
      onSubmit={async () => {
        const parsed = parseJsonObject(extra, 'Extra');
        await request('POST', '/api/v2/assets/events', { asset_id: asset.id, extra: parsed });
        onCreated();
      }}
    >
      <Field label="Extra (JSON)" hint={hint}>
        <textarea rows={4} value={extra} onChange={(e) => setExtra(e.target.value)} spellCheck={false} />
      </Field>
    </FormDialog>
  );
}
