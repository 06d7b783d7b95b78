/**
 * A human-in-the-loop request's answer form (Airflow 3.1's Required actions): its subject and
 * body, a field per param made from its JSON Schema, and a button per option (checkboxes when
 * several may be chosen). It PATCHes /api/v2/hitlDetails/...; the server checks the answer.
 */
import { type FormEvent, useState } from 'react';
import { ApiError, request } from '../api';
import { initialTexts, type ParamField, ParamFields, readParams } from './param-fields';

export interface HitlDetail {
  dag_id: string;
  dag_run_id: string;
  task_id: string;
  map_index: number;
  ti_state: string | null;
  subject: string;
  body: string | null;
  options: string[];
  multiple: boolean;
  params: Record<string, { value: unknown; schema: Record<string, unknown> }>;
  assignees: string[] | null;
  created_at: string;
  timeout_at: string | null;
  response_received: boolean;
  chosen_options: string[] | null;
  params_input: Record<string, unknown> | null;
  responded_by: string | null;
  responded_at: string | null;
}

export function hitlPath(d: {
  dag_id: string;
  dag_run_id: string;
  task_id: string;
  map_index?: number;
}): string {
  const parts = [
    d.dag_id,
    d.dag_run_id,
    d.task_id,
    ...(d.map_index !== undefined && d.map_index >= 0 ? [String(d.map_index)] : []),
  ];
  return `/api/v2/hitlDetails/${parts.map(encodeURIComponent).join('/')}`;
}

export function HitlForm({
  detail,
  onAnswered,
}: {
  detail: HitlDetail;
  onAnswered: (d: HitlDetail) => void;
}) {
  const params: ParamField[] = Object.entries(detail.params).map(([name, p]) => ({ name, ...p }));
  const [texts, setTexts] = useState<Record<string, string>>(() => initialTexts(params));
  const [chosen, setChosen] = useState<string[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [isBusy, setBusy] = useState(false);

  async function answer(options: string[]) {
    setError(null);
    let input: Record<string, unknown>;
    try {
      input = readParams(params, texts);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
      return;
    }
    setBusy(true);
    try {
      onAnswered(
        await request<HitlDetail>('PATCH', hitlPath(detail), {
          chosen_options: options,
          params_input: input,
        }),
      );
    } catch (e) {
      setError(e instanceof ApiError ? e.detail : String(e));
    } finally {
      setBusy(false);
    }
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    void answer(chosen);
  }

  return (
    <form className="hitl-form" onSubmit={submit} data-hitl={detail.task_id}>
      <h3 className="hitl-subject">{detail.subject}</h3>
      {detail.body && <p className="hitl-body">{detail.body}</p>}
      {detail.assignees && <p className="muted">Assigned to {detail.assignees.join(', ')}</p>}
      {detail.timeout_at && <p className="muted">Until {new Date(detail.timeout_at).toLocaleString()}</p>}
      <ParamFields
        params={params}
        texts={texts}
        onChange={(name, text) => setTexts((t) => ({ ...t, [name]: text }))}
        idPrefix="hitl-param"
      />
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {detail.multiple ? (
        <>
          {detail.options.map((o) => (
            <label key={o} className="hitl-option">
              <input
                type="checkbox"
                checked={chosen.includes(o)}
                onChange={(e) => setChosen((c) => (e.target.checked ? [...c, o] : c.filter((x) => x !== o)))}
              />
              {o}
            </label>
          ))}
          <div className="actions">
            <button type="submit" disabled={isBusy || chosen.length === 0}>
              Respond
            </button>
          </div>
        </>
      ) : (
        <div className="actions">
          {detail.options.map((o) => (
            <button key={o} type="button" data-option={o} disabled={isBusy} onClick={() => void answer([o])}>
              {o}
            </button>
          ))}
        </div>
      )}
    </form>
  );
}
