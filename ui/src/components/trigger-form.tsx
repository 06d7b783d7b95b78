/**
 * Triggers a DAG run (Airflow's trigger form): a field per param, made from the DAG's params JSON
 * Schemas with their defaults, and an optional conf (JSON) for keys that are not params. The server
 * checks the conf against the schemas; its message, naming the bad field, shows in the form.
 */
import { type FormEvent, useEffect, useState } from 'react';
import { ApiError, type DagRun, dagPath, get, request } from '../api';
import { parseJsonObject } from '../json-object';
import { initialTexts, type ParamField, ParamFields, readParams } from './param-fields';

interface ParamsOfDag {
  params: Record<string, unknown>;
  param_schemas: Record<string, Record<string, unknown>>;
}

/** The JSON type of a default, for a param declared without a schema type (`params: { n: 5 }`). */
function typeOfValue(value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (Array.isArray(value)) return 'array';
  const type = typeof value;
  return type === 'number' || type === 'boolean' || type === 'object' || type === 'string' ? type : undefined;
}

/** The params of a DAG as form fields, in their declared order. */
function fieldsOf(details: ParamsOfDag): ParamField[] {
  return Object.entries(details.params).map(([name, value]) => {
    const schema = details.param_schemas[name] ?? {};
    return {
      name,
      value,
      schema: schema.type === undefined ? { ...schema, type: typeOfValue(value) } : schema,
    };
  });
}

export function TriggerForm({
  dagId,
  onTriggered,
  onCancel,
}: {
  dagId: string;
  onTriggered: (run: DagRun) => void;
  onCancel: () => void;
}) {
  const [params, setParams] = useState<ParamField[] | null>(null);
  const [texts, setTexts] = useState<Record<string, string>>({});
  const [conf, setConf] = useState('{}');
  const [error, setError] = useState<string | null>(null);
  const [isBusy, setBusy] = useState(false);

  useEffect(() => {
    let live = true;
    get<ParamsOfDag>(dagPath(dagId, 'details'))
      .then((details) => {
        if (!live) return;
        const fields = fieldsOf(details);
        setParams(fields);
        setTexts(initialTexts(fields));
      })
      .catch((e: unknown) => live && setError(e instanceof ApiError ? e.detail : String(e)));
    return () => {
      live = false;
    };
  }, [dagId]);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    let body: { conf?: Record<string, unknown> } = {};
    try {
      const values = { ...readParams(params ?? [], texts), ...parseJsonObject(conf, 'Conf') };
      if (Object.keys(values).length > 0) body = { conf: values };
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
      return;
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
      {params && params.length > 0 && (
        <fieldset>
          <legend>Params</legend>
          <ParamFields
            params={params}
            texts={texts}
            onChange={(name, text) => setTexts((t) => ({ ...t, [name]: text }))}
            idPrefix={`trigger-${dagId}`}
          />
        </fieldset>
      )}
      <label>
        {params && params.length > 0 ? 'Other conf (JSON, optional)' : 'Conf (JSON, optional)'}
        <textarea rows={3} value={conf} onChange={(e) => setConf(e.target.value)} spellCheck={false} />
      </label>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <div className="actions">
        <button type="submit" disabled={isBusy || params === null}>
          Trigger run
        </button>
        <button type="button" className="secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
