/**
 * The Backfill form (Airflow's): a range of logical dates in UTC, the reprocess behaviour, the most
 * runs at once, backwards or not, and a conf. It first shows the dry run's logical dates; only
 * then, and only for the inputs previewed, it creates the backfill. The server's refusal (its
 * problem's detail) shows in the form.
 */
import { type FormEvent, useState } from 'react';
import { ApiError, request } from '../api';
import { parseJsonObject } from '../json-object';
import { Field, FormError } from './form-field';

const REPROCESS = [
  ['none', 'None: skip dates that have a run'],
  ['failed', 'Failed: rerun dates whose run failed'],
  ['completed', 'Completed: rerun failed and successful dates'],
] as const;
/** the most dates the preview lists one by one */
const SHOWN_DATES = 50;

interface Preview {
  /** the request body it was made from: a change of any input asks for a new preview */
  key: string;
  dates: string[];
}

/** `2025-03-01T00:00` of a datetime-local input, read as UTC. */
function utc(local: string): string {
  return `${local.length === 16 ? `${local}:00` : local}Z`;
}

export function BackfillForm({
  dagId,
  onCreated,
  onCancel,
}: {
  dagId: string;
  onCreated: () => void;
  onCancel: () => void;
}) {
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [reprocess, setReprocess] = useState('none');
  const [maxActiveRuns, setMaxActiveRuns] = useState('10');
  const [isBackwards, setBackwards] = useState(false);
  const [conf, setConf] = useState('{}');
  const [preview, setPreview] = useState<Preview | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [isBusy, setBusy] = useState(false);

  function body(): Record<string, unknown> {
    const dagRunConf = parseJsonObject(conf, 'Conf');
    return {
      dag_id: dagId,
      from_date: utc(from),
      to_date: utc(to),
      reprocess_behavior: reprocess,
      max_active_runs: Number(maxActiveRuns),
      run_backwards: isBackwards,
      dag_run_conf: Object.keys(dagRunConf).length > 0 ? dagRunConf : null,
    };
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    setBusy(true);
    try {
      const b = body();
      const key = JSON.stringify(b);
      if (preview?.key !== key) {
        const dry = await request<{ backfills: { logical_date: string }[] }>(
          'POST',
          '/api/v2/backfills/dry_run',
          b,
        );
        setPreview({ key, dates: dry.backfills.map((d) => d.logical_date) });
      } else {
        await request('POST', '/api/v2/backfills', b);
        onCreated();
      }
    } catch (e) {
      setError(e instanceof ApiError ? e.detail : e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  }

  let isPreviewed = false;
  try {
    isPreviewed = preview !== null && preview.key === JSON.stringify(body());
  } catch {
    // an invalid conf: not previewed
  }

  return (
    <form className="backfill-form" aria-label="Backfill" onSubmit={(e) => void submit(e)}>
      <div className="field-grid">
        <Field label="From (UTC)" hint="the first logical date">
          <input type="datetime-local" value={from} onChange={(e) => setFrom(e.target.value)} required />
        </Field>
        <Field label="To (UTC)" hint="the last logical date">
          <input type="datetime-local" value={to} onChange={(e) => setTo(e.target.value)} required />
        </Field>
        <Field label="Reprocess behaviour">
          <select value={reprocess} onChange={(e) => setReprocess(e.target.value)}>
            {REPROCESS.map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Max active runs">
          <input
            type="number"
            min={1}
            value={maxActiveRuns}
            onChange={(e) => setMaxActiveRuns(e.target.value)}
            required
          />
        </Field>
      </div>
      <label className="check">
        <input type="checkbox" checked={isBackwards} onChange={(e) => setBackwards(e.target.checked)} />
        Run backwards (latest date first)
      </label>
      <Field label="Conf (JSON, optional)">
        <textarea rows={3} value={conf} onChange={(e) => setConf(e.target.value)} spellCheck={false} />
      </Field>
      {isPreviewed && preview && (
        <div className="backfill-preview" role="status">
          {preview.dates.length === 0 ? (
            <p>No logical dates to run in this range with this reprocess behaviour.</p>
          ) : (
            <>
              <p>
                {preview.dates.length} run{preview.dates.length === 1 ? '' : 's'} will be created, for these
                logical dates:
              </p>
              <ul className="date-list" aria-label="Logical dates of the backfill">
                {preview.dates.slice(0, SHOWN_DATES).map((d) => (
                  <li key={d}>
                    <code>{d}</code>
                  </li>
                ))}
              </ul>
              {preview.dates.length > SHOWN_DATES && (
                <p className="muted">and {preview.dates.length - SHOWN_DATES} more</p>
              )}
            </>
          )}
        </div>
      )}
      <FormError error={error} />
      <div className="actions">
        <button type="submit" disabled={isBusy}>
          {isPreviewed ? 'Create backfill' : 'Preview runs'}
        </button>
        <button type="button" className="secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
