/**
 * Variables: search by key, page through them, create, edit and delete (after a confirmation).
 * Values under secret-looking keys come masked from the API ("***") and are never filled into
 * the edit form: saving such a variable needs its new value.
 */
import { useState } from 'react';
import { roleAllows, type Variable } from '../admin-api';
import { request } from '../api';
import { FormDialog } from '../components/form-dialog';
import { Field } from '../components/form-field';
import { type FormProps, ResourceList } from '../components/resource-list';
import type { SectionProps } from './admin-page';

const MASK = '***';

export function VariablesPage({ params, setParams, me }: SectionProps) {
  return (
    <ResourceList<Variable>
      title="Variables"
      noun="variable"
      path="/api/v2/variables"
      listKey="variables"
      patternParam="variable_key_pattern"
      idOf={(v) => v.key}
      rowAttribute="data-key"
      columns={[
        { title: 'Key', cell: (v) => <code>{v.key}</code> },
        { title: 'Value', className: 'value-cell', cell: (v) => <code>{v.value}</code> },
        { title: 'Description', cell: (v) => v.description },
      ]}
      canChange={roleAllows(me.role, 'Op')}
      deleteWarning="Tasks that read it will fail."
      Form={VariableForm}
      params={params}
      setParams={setParams}
    />
  );
}

function VariableForm({ item: variable, onSaved, onClose }: FormProps<Variable>) {
  const isMasked = variable?.value === MASK;
  const [key, setKey] = useState(variable?.key ?? '');
  const [value, setValue] = useState(isMasked ? '' : (variable?.value ?? ''));
  const [description, setDescription] = useState(variable?.description ?? '');
  return (
    <FormDialog
      title={variable ? `Edit variable ${variable.key}` : 'Add variable'}
      submitLabel="Save"
      onClose={onClose}
      onSubmit={async () => {
        const body = { key, value, description: description || null };
        if (variable) await request('PATCH', `/api/v2/variables/${encodeURIComponent(variable.key)}`, body);
        else await request('POST', '/api/v2/variables', body);
        onSaved(key);
      }}
    >
      <Field label="Key" hint={variable ? 'A key cannot be changed.' : 'Letters, digits, "_", "-" or "."'}>
        <input value={key} onChange={(e) => setKey(e.target.value)} disabled={variable !== null} required />
      </Field>
      <Field
        label="Value"
        hint={isMasked ? 'The value is hidden because its key looks secret: enter the new value.' : undefined}
      >
        <textarea
          rows={4}
          value={value}
          onChange={(e) => setValue(e.target.value)}
          spellCheck={false}
          required={isMasked}
        />
      </Field>
      <Field label="Description">
        <input value={description} onChange={(e) => setDescription(e.target.value)} />
      </Field>
    </FormDialog>
  );
}
