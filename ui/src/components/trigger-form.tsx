/** Triggers a DAG run, with an optional conf (JSON) that overrides the DAG's params. */
import { type FormEvent, useState } from 'react';
import { ApiError, type DagRun, dagPath, request } from '../api';

export function TriggerForm({
  dagId,
  onTriggered,
  onCancel,
}: {
  dagId: string;
  onTriggered: (run: DagRun) => void;
  onCancel: () => void;
}) {
  const [conf, setConf] = useState('{}');
  const [error, setError] = useState<string | null>(null);
  const [isBusy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    let body: { conf?: Record<string, unknown> } = {};
    const text = conf.trim();
    if (text && text !== '{}') {
      try {
        const parsed: unknown = JSON.parse(text);
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
          throw new Error('the conf must be a JSON object');
        body = { conf: parsed as Record<string, unknown> };
      } catch (e) {
        setError(`Conf is not valid: ${e instanceof Error ? e.message : String(e)}`);
        return;
      }
    }
    setBusy(true);
    try {
      onTriggered(await request<DagRun>('POST', dagPath(dagId, 'dagRuns'), body));
    } catch (e) {
      setError(e instanceof ApiError ? e.detail : String(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="trigger-form" onSubmit={(e) => void submit(e)}>
      <label>
        Conf (JSON, optional)
        <textarea rows={3} value={conf} onChange={(e) => setConf(e.target.value)} spellCheck={false} />
      </label>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <div className="actions">
        <button type="submit" disabled={isBusy}>
          Trigger run
        </button>
        <button type="button" className="secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
