/**
 * Users and roles (Admins only, as the API): every user with its role; an Admin creates users
 * with a password and a role, changes a user's role, e-mail, password or active flag, and
 * deletes users, and limits a user to some DAG ids or tags (an Admin always sees every DAG).
 * Passwords are never shown: the API never returns them.
 */
import { Fragment, useState } from 'react';
import { ROLE_ORDER, type User } from '../admin-api';
import { request } from '../api';
import { FormDialog } from '../components/form-dialog';
import { Field } from '../components/form-field';
import { type FormProps, ResourceList } from '../components/resource-list';
import { formatDate } from '../states';
import type { SectionProps } from './admin-page';

/** What a user may see of the DAGs, in a few words (as `gale users list`). */
function dagAccessText(u: User): string {
  if (u.roles.some((r) => r.name === 'Admin')) return 'all (Admin)';
  if (u.dag_ids === null && u.dag_tags === null) return 'all';
  const parts: string[] = [];
  if (u.dag_ids !== null) parts.push(`ids: ${u.dag_ids.join(', ') || '-'}`);
  if (u.dag_tags !== null) parts.push(`tags: ${u.dag_tags.join(', ') || '-'}`);
  return parts.join('; ');
}

/** A comma-separated list from a field; empty: null (no limit by it). */
function nameList(text: string): string[] | null {
  const names = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  return names.length === 0 ? null : [...new Set(names)];
}

const ROLE_HINTS: Record<string, string> = {
  Viewer: 'reads DAGs, runs and logs',
  User: 'also triggers, pauses, clears and marks',
  Op: 'also manages pools, variables and connections',
  Admin: 'also manages users and reads the audit log',
};

export function UsersPage({ params, setParams, me }: SectionProps) {
  return (
    <ResourceList<User>
      title="Users"
      noun="user"
      path="/api/v2/users"
      listKey="users"
      patternParam="username_pattern"
      idOf={(u) => u.username}
      rowAttribute="data-username"
      columns={[
        { title: 'Username', cell: (u) => u.username },
        {
          title: 'Role',
          cell: (u) => <span data-field="role">{u.roles.map((r) => r.name).join(', ')}</span>,
        },
        { title: 'DAGs', cell: (u) => <span data-field="dag-access">{dagAccessText(u)}</span> },
        { title: 'E-mail', cell: (u) => u.email },
        { title: 'Active', cell: (u) => (u.active ? 'yes' : 'no') },
        { title: 'Last login', cell: (u) => formatDate(u.last_login) },
      ]}
      canChange
      canDelete={(u) => u.username !== me.username}
      deleteWarning="Their sessions and tokens stop working at once."
      Form={UserForm}
      params={params}
      setParams={setParams}
    >
      <h2 className="section-gap">Roles</h2>
      <dl className="facts">
        {ROLE_ORDER.map((r) => (
          <Fragment key={r}>
            <dt>{r}</dt>
            <dd>{ROLE_HINTS[r]}</dd>
          </Fragment>
        ))}
      </dl>
    </ResourceList>
  );
}

function UserForm({ item: user, onSaved, onClose }: FormProps<User>) {
  const [username, setUsername] = useState(user?.username ?? '');
  const [password, setPassword] = useState('');
  const [email, setEmail] = useState(user?.email ?? '');
  const [role, setRole] = useState(user?.roles[0]?.name ?? 'Viewer');
  const [isActive, setActive] = useState(user?.active ?? true);
  const [dagIds, setDagIds] = useState(user?.dag_ids?.join(', ') ?? '');
  const [dagTags, setDagTags] = useState(user?.dag_tags?.join(', ') ?? '');
  return (
    <FormDialog
      title={user ? `Edit user ${user.username}` : 'Add user'}
      submitLabel="Save"
      onClose={onClose}
      onSubmit={async () => {
        const common = {
          email: email.trim() === '' ? null : email.trim(),
          roles: [{ name: role }],
          dag_ids: nameList(dagIds),
          dag_tags: nameList(dagTags),
        };
        if (user) {
          await request('PATCH', `/api/v2/users/${encodeURIComponent(user.username)}`, {
            ...common,
            active: isActive,
            ...(password ? { password } : {}),
          });
        } else {
          await request('POST', '/api/v2/users', { username, password, ...common });
        }
        onSaved(username);
      }}
    >
      <Field label="Username" hint={user ? 'A username cannot be changed.' : 'Letters, digits and _ . @ -'}>
        <input
          value={username}
          onChange={(e) => setUsername(e.target.value)}
          disabled={user !== null}
          autoComplete="off"
          required
        />
      </Field>
      <Field label="Role" hint={ROLE_HINTS[role]}>
        <select value={role} onChange={(e) => setRole(e.target.value)}>
          {ROLE_ORDER.map((r) => (
            <option key={r} value={r}>
              {r}
            </option>
          ))}
        </select>
      </Field>
      <Field
        label={user ? 'New password' : 'Password'}
        hint={user ? 'Leave empty to keep the current password.' : 'At least 8 characters.'}
      >
        <input
          type="password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          autoComplete="new-password"
          required={user === null}
        />
      </Field>
      <Field label="E-mail">
        <input type="email" value={email} onChange={(e) => setEmail(e.target.value)} />
      </Field>
      <Field
        label="Only DAGs with these ids"
        hint="Comma-separated. With the tags below, either suffices; both empty: every DAG. An Admin sees every DAG."
      >
        <input value={dagIds} onChange={(e) => setDagIds(e.target.value)} name="dag_ids" autoComplete="off" />
      </Field>
      <Field label="Only DAGs with one of these tags" hint="Comma-separated, e.g. finance, reporting">
        <input
          value={dagTags}
          onChange={(e) => setDagTags(e.target.value)}
          name="dag_tags"
          autoComplete="off"
        />
      </Field>
      {user && (
        <label className="check">
          <input type="checkbox" checked={isActive} onChange={(e) => setActive(e.target.checked)} />
          Active (can log in)
        </label>
      )}
    </FormDialog>
  );
}
