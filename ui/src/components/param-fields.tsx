/**
 * Form fields made from params' JSON Schemas (Airflow's trigger form): a checkbox for a boolean, a
 * select for an enum, a number input for numbers, a JSON text for objects and arrays, text for the
 * rest; with the schema's title and description. Used by the trigger form and the HITL form; the
 * server checks the values against the schemas and its message names the bad field.
 */
export interface ParamField {
  name: string;
  value: unknown;
  schema: Record<string, unknown>;
}

/** The text a param's field holds for a value. */
function textOf(value: unknown, type: unknown): string {
  if (value === undefined || value === null) return '';
  if (type === 'object' || type === 'array' || typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** The fields' texts, from the params' values. */
export function initialTexts(params: ParamField[]): Record<string, string> {
  return Object.fromEntries(params.map((p) => [p.name, textOf(p.value, p.schema.type)]));
}

/** A field's text as the param's JSON type; throws with the param's name when it is not one. */
function parseField(name: string, text: string, schema: Record<string, unknown>): unknown {
  const type = schema.type;
  if (text === '' && type !== 'string') return undefined;
  if (type === 'integer' || type === 'number') {
    const n = Number(text);
    if (Number.isNaN(n)) throw new Error(`${name} must be a number`);
    return n;
  }
  if (type === 'boolean') return text === 'true';
  if (type === 'object' || type === 'array') {
    try {
      return JSON.parse(text);
    } catch {
      throw new Error(`${name} must be JSON`);
    }
  }
  return text;
}

/** The values of the fields (empty non-text fields left out); throws naming a bad field. */
export function readParams(params: ParamField[], texts: Record<string, string>): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const p of params) {
    const value = parseField(p.name, texts[p.name] ?? '', p.schema);
    if (value !== undefined) values[p.name] = value;
  }
  return values;
}

export function ParamFields({
  params,
  texts,
  onChange,
  idPrefix,
}: {
  params: ParamField[];
  texts: Record<string, string>;
  onChange: (name: string, text: string) => void;
  idPrefix: string;
}) {
  return (
    <>
      {params.map(({ name, schema }) => {
        const id = `${idPrefix}-${name}`;
        const choices = Array.isArray(schema.enum) ? (schema.enum as unknown[]) : null;
        const set = (text: string) => onChange(name, text);
        return (
          <div key={name} className="param-field">
            <label htmlFor={id}>{String(schema.title ?? name)}</label>
            {schema.type === 'boolean' ? (
              <input
                id={id}
                type="checkbox"
                name={name}
                checked={texts[name] === 'true'}
                onChange={(e) => set(String(e.target.checked))}
              />
            ) : choices ? (
              <select id={id} name={name} value={texts[name] ?? ''} onChange={(e) => set(e.target.value)}>
                {choices.map((c) => (
                  <option key={String(c)} value={String(c)}>
                    {String(c)}
                  </option>
                ))}
              </select>
            ) : (
              <input
                id={id}
                name={name}
                type={schema.type === 'integer' || schema.type === 'number' ? 'number' : 'text'}
                value={texts[name] ?? ''}
                onChange={(e) => set(e.target.value)}
              />
            )}
            {typeof schema.description === 'string' && <small className="muted">{schema.description}</small>}
          </div>
        );
      })}
    </>
  );
}
