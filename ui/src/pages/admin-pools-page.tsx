/**
 * Pools: every pool with its slots and what takes them (running, queued, scheduled, deferred,
 * occupied, open). An Op creates pools, changes their slots and deletes them (not default_pool).
 */
import { useState } from 'react';
import { type Pool, roleAllows } from '../admin-api';
import { request } from '../api';
import { FormDialog } from '../components/form-dialog';
import { Field } from '../components/form-field';
import { type FormProps, ResourceList } from '../components/resource-list';
import type { SectionProps } from './admin-page';

const COUNTS = [
  ['slots', 'Slots'],
  ['running_slots', 'Running'],
  ['queued_slots', 'Queued'],
  ['scheduled_slots', 'Scheduled'],
  ['deferred_slots', 'Deferred'],
  ['occupied_slots', 'Occupied'],
  ['open_slots', 'Open'],
] as const;

export function PoolsPage({ params, setParams, me }: SectionProps) {
  return (
    <ResourceList<Pool>
      title="Pools"
      noun="pool"
      path="/api/v2/pools"
      listKey="pools"
      patternParam="pool_name_pattern"
      idOf={(p) => p.name}
      rowAttribute="data-pool"
      columns={[
        {
          title: 'Pool',
          cell: (p) => (
            <>
              <code>{p.name}</code>
              {p.include_deferred && <div className="muted">counts deferred</div>}
            </>
          ),
        },
        ...COUNTS.map(([field, title]) => ({
          title,
          className: 'num',
          cell: (p: Pool) => <span data-field={field}>{p[field]}</span>,
        })),
        { title: 'Description', cell: (p) => p.description },
      ]}
      canChange={roleAllows(me.role, 'Op')}
      canDelete={(p) => p.name !== 'default_pool'}
      deleteWarning="Tasks that name it will wait unqueued."
      Form={PoolForm}
      params={params}
      setParams={setParams}
    />
  );
}

function PoolForm({ item: pool, onSaved, onClose }: FormProps<Pool>) {
  const [name, setName] = useState(pool?.name ?? '');
  const [slots, setSlots] = useState(String(pool?.slots ?? 1));
  const [description, setDescription] = useState(pool?.description ?? '');
  const [includeDeferred, setIncludeDeferred] = useState(pool?.include_deferred ?? false);
  return (
    <FormDialog
      title={pool ? `Edit pool ${pool.name}` : 'Add pool'}
      submitLabel="Save"
      onClose={onClose}
      onSubmit={async () => {
        const body = { slots: Number(slots), description, include_deferred: includeDeferred };
        if (pool) await request('PATCH', `/api/v2/pools/${encodeURIComponent(pool.name)}`, body);
        else await request('POST', '/api/v2/pools', { name, ...body });
        onSaved(name);
      }}
    >
      <Field label="Name" hint={pool ? 'A pool cannot be renamed.' : undefined}>
        <input value={name} onChange={(e) => setName(e.target.value)} disabled={pool !== null} required />
      </Field>
      <Field label="Slots">
        <input type="number" min={0} value={slots} onChange={(e) => setSlots(e.target.value)} required />
      </Field>
      <Field label="Description">
        <input value={description} onChange={(e) => setDescription(e.target.value)} />
      </Field>
      <label className="check">
        <input
          type="checkbox"
          checked={includeDeferred}
          onChange={(e) => setIncludeDeferred(e.target.checked)}
        />
        Deferred tasks take slots
      </label>
    </FormDialog>
  );
}
