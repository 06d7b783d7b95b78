/**
 * The DAG list: search by id, filter by tag, pause and unpause, the states of each DAG's last
 * runs, and a Trigger button (for a user who may trigger); import errors above it. It stays fast
 * with 1,000 DAGs: one page of DAGs at a time, and the last runs of all of the page's DAGs in one
 * call (`~` with dag_ids and runs_per_dag), never one call per DAG. The search, the tag and the page
 * are in the address (`/?search=..&tag=..&page=2`), so a reload or a link shows the same.
 */
import { Fragment, useRef, useState } from 'react';
import { ApiError, canEditDags, type Dag, type DagRun, dagPath, get, type Me, query, request } from '../api';
import { ImportErrorsBanner } from '../components/import-errors-banner';
import { KeptPager } from '../components/kept-pager';
import { StateDot } from '../components/state-badge';
import { TriggerForm } from '../components/trigger-form';
import { usePoll } from '../hooks';
import { dagHref, navigate, onLinkClick, pageOf, withQuery } from '../router';
import { formatDate } from '../states';

export const DAGS_PAGE = 50;
const RECENT_RUNS = 5;

interface DagRow {
  dag: Dag;
  /** newest first */
  runs: DagRun[];
}

export function DagListPage({ params, me }: { params: Record<string, string>; me: Me | null }) {
  const pattern = params.search ?? '';
  const tag = params.tag ?? '';
  const offset = (pageOf(params.page) - 1) * DAGS_PAGE;
  const canEdit = canEditDags(me);
  const [triggering, setTriggering] = useState<string | null>(null);
  const [notice, setNotice] = useState<{ text: string; href?: string; isError?: boolean } | null>(null);
  const knownTags = useRef(new Set<string>());

  const { data, error, reload } = usePoll(
    async (signal) => {
      const list = await get<{ dags: Dag[]; total_entries: number }>(
        `/api/v2/dags${query({ limit: DAGS_PAGE, offset, dag_id_pattern: pattern.trim(), tags: tag })}`,
        signal,
      );
      const byDag = new Map<string, DagRun[]>();
      if (list.dags.length > 0) {
        const recent = await get<{ dag_runs: DagRun[] }>(
          `${dagPath('~', 'dagRuns')}${query({
            dag_ids: list.dags.map((d) => d.dag_id).join(','),
            runs_per_dag: RECENT_RUNS,
            limit: RECENT_RUNS * list.dags.length,
            order_by: '-id',
          })}`,
          signal,
        );
        for (const run of recent.dag_runs) byDag.set(run.dag_id, [...(byDag.get(run.dag_id) ?? []), run]);
      }
      const rows: DagRow[] = list.dags.map((dag) => ({ dag, runs: byDag.get(dag.dag_id) ?? [] }));
      for (const row of rows) for (const t of row.dag.tags) knownTags.current.add(t.name);
      return { rows, total: list.total_entries };
    },
    5_000,
    [pattern, tag, offset],
  );
  // a new search or tag starts at the first page; typing replaces the address, paging adds to it
  const search = (next: { pattern?: string; tag?: string }) =>
    navigate(withQuery('/', { search: next.pattern ?? pattern, tag: next.tag ?? tag }), { replace: true });
  const setOffset = (to: number) =>
    navigate(withQuery('/', { search: pattern, tag, page: Math.floor(to / DAGS_PAGE) + 1 }));

  async function setPaused(dag: Dag, isPaused: boolean) {
    try {
      await request('PATCH', dagPath(dag.dag_id), { is_paused: isPaused });
      reload();
    } catch (e) {
      setNotice({ text: e instanceof ApiError ? e.detail : String(e), isError: true });
    }
  }

  return (
    <section>
      <ImportErrorsBanner />
      <div className="toolbar">
        <h1>DAGs</h1>
        <input
          type="search"
          placeholder="Search DAGs"
          aria-label="Search DAGs"
          value={pattern}
          onChange={(e) => search({ pattern: e.target.value })}
        />
        <select aria-label="Filter by tag" value={tag} onChange={(e) => search({ tag: e.target.value })}>
          <option value="">All tags</option>
          {[...knownTags.current].sort().map((t) => (
            <option key={t} value={t}>
              {t}
            </option>
          ))}
        </select>
        {data && <span className="muted">{data.total} DAGs</span>}
      </div>
      {notice && (
        <p className={notice.isError ? 'banner error-banner' : 'banner info-banner'} role="status">
          {notice.href ? (
            <a href={notice.href} onClick={onLinkClick}>
              {notice.text}
            </a>
          ) : (
            notice.text
          )}
        </p>
      )}
      {error && <p className="banner error-banner">Could not load the DAGs: {error.message}</p>}
      <table className="table dag-table">
        <thead>
          <tr>
            <th>Active</th>
            <th>DAG</th>
            <th>Owners</th>
            <th>Schedule</th>
            <th>Next run</th>
            <th>Recent runs</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {data?.rows.map(({ dag, runs }) => (
            <Fragment key={dag.dag_id}>
              <tr data-dag-id={dag.dag_id}>
                <td>
                  <label
                    className="switch"
                    title={dag.is_paused ? 'Paused: click to unpause' : 'Click to pause'}
                  >
                    <input
                      type="checkbox"
                      aria-label={`${dag.dag_id} is active`}
                      checked={!dag.is_paused}
                      disabled={!canEdit}
                      onChange={(e) => void setPaused(dag, !e.target.checked)}
                    />
                    <span className="slider" />
                  </label>
                </td>
                <td>
                  <a className="dag-link" href={dagHref(dag.dag_id)} onClick={onLinkClick}>
                    {dag.dag_id}
                  </a>
                  <div className="tags">
                    {dag.tags.map((t) => (
                      <button
                        type="button"
                        key={t.name}
                        className="tag"
                        onClick={() => search({ tag: t.name })}
                      >
                        {t.name}
                      </button>
                    ))}
                  </div>
                </td>
                <td>{dag.owners.join(', ')}</td>
                <td>
                  <code>{dag.timetable_summary ?? 'None'}</code>
                </td>
                <td>{formatDate(dag.next_dagrun_run_after ?? dag.next_dagrun_logical_date)}</td>
                <td className="recent-runs">
                  {[...runs].reverse().map((run) => (
                    <a
                      key={run.dag_run_id}
                      href={dagHref(dag.dag_id, { run: run.dag_run_id })}
                      onClick={onLinkClick}
                    >
                      <StateDot state={run.state} title={`${run.dag_run_id}: ${run.state}`} />
                    </a>
                  ))}
                </td>
                <td>
                  {canEdit && (
                    <button
                      type="button"
                      onClick={() => setTriggering(triggering === dag.dag_id ? null : dag.dag_id)}
                    >
                      Trigger
                    </button>
                  )}
                </td>
              </tr>
              {triggering === dag.dag_id && (
                <tr className="form-row">
                  <td colSpan={7}>
                    <TriggerForm
                      dagId={dag.dag_id}
                      onCancel={() => setTriggering(null)}
                      onTriggered={(run) => {
                        setTriggering(null);
                        setNotice({
                          text: `Triggered ${run.dag_run_id}${dag.is_paused ? ' (the DAG is paused: it waits until you unpause it)' : ''}`,
                          href: dagHref(dag.dag_id, { run: run.dag_run_id }),
                        });
                        reload();
                      }}
                    />
                  </td>
                </tr>
              )}
            </Fragment>
          ))}
        </tbody>
      </table>
      {data && data.rows.length === 0 && <p className="muted">No DAGs match.</p>}
      <KeptPager offset={offset} limit={DAGS_PAGE} total={data?.total} onOffset={setOffset} />
    </section>
  );
}
