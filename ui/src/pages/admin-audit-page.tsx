/**
 * The audit log (Admins only, as the API): who changed what and when, newest first, filtered by
 * event and by user, a page at a time. The filters live in the address, so a filtered view can
 * be shared as a link.
 */
import { type FormEvent, useState } from 'react';
import type { EventLog } from '../admin-api';
import { LoadError, offsetOf, PAGE_SIZE, useAdminList } from '../components/admin-list';
import { Field } from '../components/form-field';
import { Pager } from '../components/pager';
import { formatDate } from '../states';
import type { SectionProps } from './admin-page';

export function AuditLogPage({ params, setParams }: SectionProps) {
  const event = params.event ?? '';
  const owner = params.owner ?? '';
  const offset = offsetOf(params);
  const { data, error } = useAdminList<EventLog>('/api/v2/eventLogs', 'event_logs', offset, {
    event,
    owner,
  });
  const [draft, setDraft] = useState({ event, owner });

  function apply(e: FormEvent) {
    e.preventDefault();
    setParams({ event: draft.event.trim(), owner: draft.owner.trim() });
  }

  return (
    <>
      <div className="toolbar">
        <h1>Audit log</h1>
        {data && <span className="muted">{data.total === 1 ? '1 entry' : `${data.total} entries`}</span>}
      </div>
      <form className="filters" onSubmit={apply} aria-label="Filter the audit log">
        <Field label="Event" hint="exact, e.g. user.create or api:POST /api/v2/variables">
          <input value={draft.event} onChange={(e) => setDraft({ ...draft, event: e.target.value })} />
        </Field>
        <Field label="User" hint='a username, or "cli:<os user>"'>
          <input value={draft.owner} onChange={(e) => setDraft({ ...draft, owner: e.target.value })} />
        </Field>
        <div className="actions">
          <button type="submit">Filter</button>
          <button
            type="button"
            className="secondary"
            onClick={() => {
              setDraft({ event: '', owner: '' });
              setParams({});
            }}
          >
            Clear
          </button>
        </div>
      </form>
      <LoadError what="audit log" error={error} />
      <table className="table admin-table audit-table">
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Event</th>
            <th scope="col">User</th>
            <th scope="col">DAG</th>
            <th scope="col">Run</th>
            <th scope="col">Task</th>
            <th scope="col">Details</th>
          </tr>
        </thead>
        <tbody>
          {data?.items.map((e) => (
            <tr key={e.event_log_id} data-event={e.event}>
              <td className="nowrap">{formatDate(e.when)}</td>
              <td>
                <code>{e.event}</code>
              </td>
              <td>{e.owner}</td>
              <td>{e.dag_id}</td>
              <td>{e.run_id}</td>
              <td>{e.task_id}</td>
              <td className="value-cell">
                <code>{e.extra}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {data && data.items.length === 0 && <p className="muted">No entries match.</p>}
      {data && (
        <Pager
          offset={offset}
          limit={PAGE_SIZE}
          total={data.total}
          onOffset={(o) => setParams({ event, owner, offset: o })}
        />
      )}
    </>
  );
}
