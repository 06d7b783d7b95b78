/**
 * One admin list of things the API can create, change and delete (variables, connections, pools,
 * users): the search, the page of the address, the table with Edit and Delete on each row for
 * those allowed, the confirmation before a delete, and the notice of the last change. The page
 * gives the columns and the form.
 */
import { type ReactNode, useState } from 'react';
import { request } from '../api';
import { countOf, LoadError, offsetOf, PAGE_SIZE, SearchBox, useAdminList, useNotice } from './admin-list';
import { ConfirmDialog } from './form-dialog';
import { Pager } from './pager';

export interface Column<T> {
  title: string;
  className?: string;
  cell: (item: T) => ReactNode;
}

/** What the page's form gets: the item to edit (null: a new one), and what to call when done. */
export interface FormProps<T> {
  item: T | null;
  /** after the API saved it: closes the form and reloads the list */
  onSaved: (id: string) => void;
  onClose: () => void;
}

export interface ResourceListProps<T> {
  title: string;
  /** one of them, for "Add pool", "Deleted pool x" */
  noun: string;
  /** the API's collection, e.g. /api/v2/pools; an item is at <path>/<id> */
  path: string;
  /** the list's field in the API's answer */
  listKey: string;
  /** the query parameter that searches the list */
  patternParam: string;
  idOf: (item: T) => string;
  /** the data attribute that names a row, e.g. data-pool */
  rowAttribute: string;
  columns: Column<T>[];
  canChange: boolean;
  canDelete?: (item: T) => boolean;
  deleteWarning: string;
  Form: (props: FormProps<T>) => ReactNode;
  params: Record<string, string>;
  setParams: (params: Record<string, string | number | undefined>) => void;
  children?: ReactNode;
}

type Editing<T> = { mode: 'create' } | { mode: 'edit'; item: T } | { mode: 'delete'; id: string };

export function ResourceList<T>(p: ResourceListProps<T>) {
  const search = p.params.q ?? '';
  const offset = offsetOf(p.params);
  const { data, error, reload } = useAdminList<T>(p.path, p.listKey, offset, {
    [p.patternParam]: search.trim(),
  });
  const [editing, setEditing] = useState<Editing<T> | null>(null);
  const { notice, setNotice } = useNotice();
  const done = (text: string) => {
    setEditing(null);
    setNotice(text);
    reload();
  };
  const itemPath = (id: string) => `${p.path}/${encodeURIComponent(id)}`;

  return (
    <>
      <div className="toolbar">
        <h1>{p.title}</h1>
        <SearchBox
          label={`Search ${p.title.toLowerCase()}`}
          value={search}
          onChange={(q) => p.setParams({ q })}
        />
        {data && <span className="muted">{countOf(data.total, p.noun)}</span>}
        <span className="spacer" />
        {p.canChange && (
          <button type="button" onClick={() => setEditing({ mode: 'create' })}>
            Add {p.noun}
          </button>
        )}
      </div>
      {notice}
      <LoadError what={p.title.toLowerCase()} error={error} />
      <table className="table admin-table">
        <thead>
          <tr>
            {p.columns.map((c) => (
              <th key={c.title} scope="col" className={c.className}>
                {c.title}
              </th>
            ))}
            {p.canChange && <th scope="col">Actions</th>}
          </tr>
        </thead>
        <tbody>
          {data?.items.map((item) => {
            const id = p.idOf(item);
            return (
              <tr key={id} {...{ [p.rowAttribute]: id }}>
                {p.columns.map((c) => (
                  <td key={c.title} className={c.className}>
                    {c.cell(item)}
                  </td>
                ))}
                {p.canChange && (
                  <td className="row-actions">
                    <button
                      type="button"
                      className="secondary"
                      aria-label={`Edit ${id}`}
                      onClick={() => setEditing({ mode: 'edit', item })}
                    >
                      Edit
                    </button>
                    {(p.canDelete?.(item) ?? true) && (
                      <button
                        type="button"
                        className="secondary"
                        aria-label={`Delete ${id}`}
                        onClick={() => setEditing({ mode: 'delete', id })}
                      >
                        Delete
                      </button>
                    )}
                  </td>
                )}
              </tr>
            );
          })}
        </tbody>
      </table>
      {data && data.items.length === 0 && (
        <p className="muted">
          No {p.title.toLowerCase()}
          {search ? ' match' : ''}.
        </p>
      )}
      {data && (
        <Pager
          offset={offset}
          limit={PAGE_SIZE}
          total={data.total}
          onOffset={(o) => p.setParams({ q: search, offset: o })}
        />
      )}
      {p.children}
      {editing?.mode === 'delete' && (
        <ConfirmDialog
          title={`Delete ${p.noun}`}
          message={`Delete the ${p.noun} ${editing.id}? ${p.deleteWarning}`}
          confirmLabel="Delete"
          onConfirm={async () => {
            await request('DELETE', itemPath(editing.id));
            done(`Deleted ${p.noun} ${editing.id}`);
          }}
          onClose={() => setEditing(null)}
        />
      )}
      {(editing?.mode === 'create' || editing?.mode === 'edit') && (
        <p.Form
          item={editing.mode === 'edit' ? editing.item : null}
          onSaved={(id) => done(`Saved ${p.noun} ${id}`)}
          onClose={() => setEditing(null)}
        />
      )}
    </>
  );
}
