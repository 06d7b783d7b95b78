/**
 * Connections: search by id, page through them, create, edit and delete (after a confirmation).
 * The API never returns a password (it shows "***" when one is set) and masks secret-looking keys
 * of extra; the edit form never fills in the password, and leaving it empty keeps the stored one.
 */
import { useState } from 'react';
import { type Connection, roleAllows } from '../admin-api';
import { request } from '../api';
import { FormDialog } from '../components/form-dialog';
import { Field } from '../components/form-field';
import { type FormProps, ResourceList } from '../components/resource-list';
import type { SectionProps } from './admin-page';

export function ConnectionsPage({ params, setParams, me }: SectionProps) {
  return (
    <ResourceList<Connection>
      title="Connections"
      noun="connection"
      path="/api/v2/connections"
      listKey="connections"
      patternParam="connection_id_pattern"
      idOf={(c) => c.connection_id}
      rowAttribute="data-connection-id"
      columns={[
        { title: 'Connection id', cell: (c) => <code>{c.connection_id}</code> },
        { title: 'Type', cell: (c) => c.conn_type },
        { title: 'Host', cell: (c) => c.host },
        { title: 'Login', cell: (c) => c.login },
        {
          title: 'Password',
          className: 'password-cell',
          cell: (c) => c.password ?? <span className="muted">none</span>,
        },
        { title: 'Port', cell: (c) => c.port },
        { title: 'Extra', className: 'value-cell', cell: (c) => <code>{c.extra}</code> },
      ]}
      canChange={roleAllows(me.role, 'Op')}
      deleteWarning="Tasks that use it will fail."
      Form={ConnectionForm}
      params={params}
      setParams={setParams}
    />
  );
}

function ConnectionForm({ item: c, onSaved, onClose }: FormProps<Connection>) {
  const [form, setForm] = useState({
    connection_id: c?.connection_id ?? '',
    conn_type: c?.conn_type ?? '',
    description: c?.description ?? '',
    host: c?.host ?? '',
    login: c?.login ?? '',
    password: '', // never filled in: the API does not return it
    schema: c?.schema ?? '',
    port: c?.port?.toString() ?? '',
    extra: c?.extra ?? '',
  });
  const input = (name: keyof typeof form, extra: Record<string, unknown> = {}) => (
    <input value={form[name]} onChange={(e) => setForm({ ...form, [name]: e.target.value })} {...extra} />
  );
  const orNull = (s: string) => (s.trim() === '' ? null : s);

  return (
    <FormDialog
      title={c ? `Edit connection ${c.connection_id}` : 'Add connection'}
      submitLabel="Save"
      onClose={onClose}
      onSubmit={async () => {
        const body = {
          connection_id: form.connection_id,
          conn_type: form.conn_type,
          description: orNull(form.description),
          host: orNull(form.host),
          login: orNull(form.login),
          schema: orNull(form.schema),
          port: form.port.trim() === '' ? null : Number(form.port),
          extra: orNull(form.extra),
          // left empty on an edit: the API keeps the stored password
          ...(form.password !== '' || !c ? { password: orNull(form.password) } : {}),
        };
        if (c) await request('PATCH', `/api/v2/connections/${encodeURIComponent(c.connection_id)}`, body);
        else await request('POST', '/api/v2/connections', body);
        onSaved(form.connection_id);
      }}
    >
      <div className="field-grid">
        <Field label="Connection id" hint={c ? 'An id cannot be changed.' : undefined}>
          {input('connection_id', { disabled: c !== null, required: true })}
        </Field>
        <Field label="Connection type" hint="postgres, http, aws, ...">
          {input('conn_type', { required: true })}
        </Field>
        <Field label="Host">{input('host')}</Field>
        <Field label="Port">{input('port', { type: 'number', min: 1, max: 65535 })}</Field>
        <Field label="Login">{input('login', { autoComplete: 'off' })}</Field>
        <Field label="Password" hint={c?.password ? 'Leave empty to keep the current password.' : undefined}>
          {input('password', { type: 'password', autoComplete: 'new-password' })}
        </Field>
        <Field label="Schema">{input('schema')}</Field>
        <Field label="Description">{input('description')}</Field>
      </div>
      <Field label="Extra (JSON object)" hint='Values shown as "***" are kept as stored.'>
        <textarea
          rows={3}
          value={form.extra}
          onChange={(e) => setForm({ ...form, extra: e.target.value })}
          spellCheck={false}
        />
      </Field>
    </FormDialog>
  );
}
