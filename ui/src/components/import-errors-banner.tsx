/** The DAG files that failed to load, as a banner above the DAG list (none when the API has no such route). */
import { ApiError, get, type ImportError } from '../api';
import { usePoll } from '../hooks';

export function ImportErrorsBanner() {
  const { data } = usePoll(
    async (signal) => {
      try {
        return await get<{ import_errors: ImportError[] }>('/api/v2/importErrors?limit=100', signal);
      } catch (e) {
        if (e instanceof ApiError && e.status === 404) return { import_errors: [] };
        throw e;
      }
    },
    10_000,
    [],
  );
  const errors = data?.import_errors ?? [];
  if (errors.length === 0) return null;
  return (
    <details className="banner error-banner">
      <summary>
        {errors.length === 1 ? '1 DAG file' : `${errors.length} DAG files`} failed to load: show why
      </summary>
      {errors.map((e) => (
        <div key={e.import_error_id} className="import-error">
          <strong>{e.filename}</strong>
          <pre>{e.stack_trace}</pre>
        </div>
      ))}
    </details>
  );
}
