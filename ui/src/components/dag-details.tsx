/**
 * The details view of a DAG: its schedule and settings, its file, and its params, each param with
 * its default and the JSON Schema a triggered run's conf must pass, shown as a table.
 */
import type { DagDetails } from '../api';
import { formatDate, formatDuration } from '../states';

/** fields of GET /dags/{id}/details that the shared type leaves out */
type FullDetails = DagDetails & {
  fileloc?: string;
  max_active_runs?: number;
  max_active_tasks?: number;
  dag_run_timeout_seconds?: number | null;
  last_parsed_time?: string | null;
  param_schemas?: Record<string, Record<string, unknown>>;
};

/** Schema keys that get a column of their own; the rest are listed as constraints. */
const OWN_COLUMNS = new Set(['type', 'description', 'title', 'default']);

function json(value: unknown): string {
  return value === undefined ? '—' : JSON.stringify(value);
}

function ParamsTable({
  params,
  schemas,
}: {
  params: Record<string, unknown>;
  schemas: Record<string, Record<string, unknown>>;
}) {
  const names = [...new Set([...Object.keys(params), ...Object.keys(schemas)])];
  if (names.length === 0) return <p className="muted">This DAG has no params.</p>;
  return (
    <table className="table params-table">
      <caption className="muted">
        Params: a triggered run's conf may set them; defaults apply otherwise
      </caption>
      <thead>
        <tr>
          <th scope="col">Param</th>
          <th scope="col">Default</th>
          <th scope="col">Type</th>
          <th scope="col">Description</th>
          <th scope="col">Constraints</th>
        </tr>
      </thead>
      <tbody>
        {names.map((name) => {
          const schema = schemas[name] ?? {};
          const rules = Object.entries(schema).filter(([k]) => !OWN_COLUMNS.has(k));
          const type = schema.type;
          return (
            <tr key={name} data-param={name}>
              <th scope="row">
                <code>{name}</code>
              </th>
              <td>
                <code>{json(name in params ? params[name] : schema.default)}</code>
              </td>
              <td>{Array.isArray(type) ? type.join(' | ') : typeof type === 'string' ? type : '—'}</td>
              <td>{String(schema.description ?? schema.title ?? '—')}</td>
              <td>
                {rules.length === 0
                  ? '—'
                  : rules.map(([k, v]) => (
                      <div key={k}>
                        {k}: <code>{json(v)}</code>
                      </div>
                    ))}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

export function DagDetailsView({ details }: { details: DagDetails }) {
  const d = details as FullDetails;
  return (
    <div className="dag-details">
      <dl className="facts">
        {d.description && (
          <>
            <dt>Description</dt>
            <dd>{d.description}</dd>
          </>
        )}
        <dt>Schedule</dt>
        <dd>
          <code>{d.timetable_summary ?? 'None'}</code>
        </dd>
        <dt>Next run</dt>
        <dd>{formatDate(d.next_dagrun_run_after ?? d.next_dagrun_logical_date)}</dd>
        <dt>Owners</dt>
        <dd>{d.owners.join(', ') || '—'}</dd>
        <dt>Tags</dt>
        <dd>{d.tags.map((t) => t.name).join(', ') || '—'}</dd>
        <dt>Paused</dt>
        <dd>{d.is_paused ? 'yes' : 'no'}</dd>
        <dt>Catchup</dt>
        <dd>{d.catchup ? 'yes' : 'no'}</dd>
        <dt>Max active runs</dt>
        <dd>{d.max_active_runs ?? '—'}</dd>
        <dt>Max active tasks</dt>
        <dd>{d.max_active_tasks ?? '—'}</dd>
        <dt>Run timeout</dt>
        <dd>{d.dag_run_timeout_seconds ? formatDuration(d.dag_run_timeout_seconds) : 'none'}</dd>
        <dt>Start date</dt>
        <dd>{formatDate(d.start_date)}</dd>
        <dt>End date</dt>
        <dd>{formatDate(d.end_date)}</dd>
        <dt>Time zone</dt>
        <dd>{d.timezone}</dd>
        <dt>File</dt>
        <dd>
          <code className="dag-file">{d.fileloc ?? '—'}</code>
        </dd>
        <dt>Last parsed</dt>
        <dd>{formatDate(d.last_parsed_time)}</dd>
      </dl>
      <ParamsTable params={d.params} schemas={d.param_schemas ?? {}} />
      {Object.keys(d.params).length > 0 && (
        <details className="params-json">
          <summary>Params as JSON</summary>
          <pre className="json">
            {JSON.stringify({ params: d.params, schemas: d.param_schemas ?? {} }, null, 2)}
          </pre>
        </details>
      )}
      {d.doc_md && (
        <>
          <h3>Documentation</h3>
          <pre className="doc">{d.doc_md}</pre>
        </>
      )}
    </div>
  );
}
