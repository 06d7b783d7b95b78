/**
 * The DAG list: search by id, filter by tag, pause and unpause, the states of each DAG's last
 * runs, and a Trigger button; import errors above it.
 */
import { Fragment, useRef, useState } from 'react';
import { ApiError, type Dag, type DagRun, dagPath, get, query, request } from '../api';
import { ImportErrorsBanner } from '../components/import-errors-banner';
import { StateDot } from '../components/state-badge';
import { TriggerForm } from '../components/trigger-form';
import { usePoll } from '../hooks';
import { dagHref, onLinkClick } from '../router';
import { formatDate } from '../states';

interface DagRow {
  dag: Dag;
  /** newest first */
  runs: DagRun[];
}

export function DagListPage() {
  const [pattern, setPattern] = useState('');
  const [tag, setTag] = useState('');
  const [triggering, setTriggering] = useState<string | null>(null);
  const [notice, setNotice] = useState<{ text: string; href?: string; isError?: boolean } | null>(null);
  const knownTags = useRef(new Set<string>());

  const { data, error, reload } = usePoll(
    async (signal) => {
      const list = await get<{ dags: Dag[]; total_entries: number }>(
        `/api/v2/dags${query({ limit: 100, dag_id_pattern: pattern.trim(), tags: tag })}`,
        signal,
      );
      const rows: DagRow[] = await Promise.all(
        list.dags.map(async (dag) => ({
          dag,
          runs: (
            await get<{ dag_runs: DagRun[] }>(
              `${dagPath(dag.dag_id, 'dagRuns')}${query({ limit: 5, order_by: '-id' })}`,
              signal,
            )
          ).dag_runs,
        })),
      );
      for (const row of rows) for (const t of row.dag.tags) knownTags.current.add(t.name);
      return { rows, total: list.total_entries };
    },
    5_000,
    [pattern, tag],
  );

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
          onChange={(e) => setPattern(e.target.value)}
        />
        <select aria-label="Filter by tag" value={tag} onChange={(e) => setTag(e.target.value)}>
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
                      <button type="button" key={t.name} className="tag" onClick={() => setTag(t.name)}>
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
                  <button
                    type="button"
                    onClick={() => setTriggering(triggering === dag.dag_id ? null : dag.dag_id)}
                  >
                    Trigger
                  </button>
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
    </section>
  );
}
