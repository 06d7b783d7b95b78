/**
 * Assets (`/assets`): every asset a DAG declares, a page at a time and searchable by URI, with the
 * DAGs scheduled on it and the tasks that update it; `/assets/<id>` is one asset with its recent
 * events. The search and the page are in the address, so a link opens the same view.
 */

import { type Me, query } from '../api';
import { countOf, LoadError, offsetOf, PAGE_SIZE, SearchBox, useAdminList } from '../components/admin-list';
import { type Asset, AssetDetail, DagLinks } from '../components/asset-detail';
import { KeptPager } from '../components/kept-pager';
import { navigate, onLinkClick, type Route } from '../router';
import { formatDate } from '../states';

export function AssetsPage({ route, me }: { route: Extract<Route, { page: 'assets' }>; me: Me | null }) {
  if (route.assetId !== null) return <AssetDetail assetId={route.assetId} me={me} />;
  return <AssetList params={route.params} />;
}

function AssetList({ params }: { params: Record<string, string> }) {
  const pattern = params.q ?? '';
  const offset = offsetOf(params);
  const list = useAdminList<Asset>('/api/v2/assets', 'assets', offset, { uri_pattern: pattern || undefined });
  const setParams = (next: { q?: string; offset?: number }) =>
    navigate(`/assets${query({ q: next.q ?? pattern, offset: next.offset || undefined })}`, {
      replace: true,
    });

  return (
    <section>
      <div className="toolbar">
        <h1>Assets</h1>
        <SearchBox label="Search asset URIs" value={pattern} onChange={(q) => setParams({ q, offset: 0 })} />
        {list.data && <span className="muted">{countOf(list.data.total, 'asset')}</span>}
      </div>
      <LoadError what="assets" error={list.error} />
      {list.data && list.data.items.length === 0 && (
        <p className="muted">{pattern ? 'No assets match.' : 'No DAG declares an asset yet.'}</p>
      )}
      {list.data && list.data.items.length > 0 && (
        <table className="table asset-table">
          <thead>
            <tr>
              <th>Asset</th>
              <th>Group</th>
              <th>Consuming DAGs</th>
              <th>Producing tasks</th>
              <th>Updated</th>
            </tr>
          </thead>
          <tbody>
            {list.data.items.map((a) => (
              <tr key={a.id} data-asset={a.uri}>
                <td>
                  <a href={`/assets/${a.id}`} onClick={onLinkClick}>
                    {a.uri}
                  </a>
                  {a.name !== a.uri && <div className="muted">{a.name}</div>}
                </td>
                <td>{a.group}</td>
                <td>
                  <DagLinks items={a.consuming_dags} />
                </td>
                <td>
                  <DagLinks items={a.producing_tasks} />
                </td>
                <td>{formatDate(a.updated_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <KeptPager
        offset={offset}
        limit={PAGE_SIZE}
        total={list.data?.total}
        onOffset={(o) => setParams({ offset: o })}
      />
    </section>
  );
}
