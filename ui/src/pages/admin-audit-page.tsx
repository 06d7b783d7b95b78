/**
 * The audit log (Admins only, as the API): who changed what and when, newest first, filtered by
 * event and by user, 500 entries to a page rendered a window at a time. The filters and the
 * offset live in the address, so a filtered view can be shared as a link.
 */
import { type FormEvent, useState } from 'react';
import type { EventLog } from '../admin-api';
import { LoadError, offsetOf, useAdminList } from '../components/admin-list';
import { Field } from '../components/form-field';
import { Pager } from '../components/pager';
import { VirtualTable } from '../components/virtual-rows';
import { formatDate } from '../states';
import type { SectionProps } from './admin-page';

const AUDIT_PAGE = 500;

export function AuditLogPage({ params, setParams }: SectionProps) {
  const event = params.event ?? '';
  const owner = params.owner ?? '';
  const offset = offsetOf(params);
  const { data, error } = useAdminList<EventLog>(
    '/api/v2/eventLogs',
    'event_logs',
    offset,
    { event, owner },
    AUDIT_PAGE,
  );
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
      {data && (
        <VirtualTable
          rows={data.items}
          rowKey={(e) => e.event_log_id}
          rowAttrs={(e) => ({ 'data-event': e.event })}
          className="table admin-table audit-table"
          label="Audit log entries"
          columns={['When', 'Event', 'User', 'DAG', 'Run', 'Task', 'Details']}
          renderRow={(e) => (
            <>
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
            </>
          )}
        />
      )}
      {data && data.items.length === 0 && <p className="muted">No entries match.</p>}
      {data && (
        <Pager
          offset={offset}
          limit={AUDIT_PAGE}
          total={data.total}
          onOffset={(o) => setParams({ event, owner, offset: o })}
        />
      )}
    </>
  );
}
