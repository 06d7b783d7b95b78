/** The DAG files that failed to load, with why, a page at a time (everyone may read them). */
import type { ImportError } from '../api';
import { LoadError, offsetOf, PAGE_SIZE, useAdminList } from '../components/admin-list';
import { Pager } from '../components/pager';
import { formatDate } from '../states';
import type { SectionProps } from './admin-page';

export function ImportErrorsPage({ params, setParams }: SectionProps) {
  const offset = offsetOf(params);
  const { data, error } = useAdminList<ImportError>('/api/v2/importErrors', 'import_errors', offset);
  return (
    <>
      <div className="toolbar">
        <h1>Import errors</h1>
        {data && <span className="muted">{data.total} DAG files failed to load</span>}
      </div>
      <LoadError what="import errors" error={error} />
      {data && data.items.length === 0 && <p className="muted">Every DAG file loads.</p>}
      <ul className="import-error-list">
        {data?.items.map((e) => (
          <li key={e.import_error_id} className="card import-error">
            <strong>{e.filename}</strong> <span className="muted">{formatDate(e.timestamp)}</span>
            <pre>{e.stack_trace}</pre>
          </li>
        ))}
      </ul>
      {data && (
        <Pager
          offset={offset}
          limit={PAGE_SIZE}
          total={data.total}
          onOffset={(o) => setParams({ offset: o })}
        />
      )}
    </>
  );
}
