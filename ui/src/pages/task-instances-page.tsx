/**
 * Task instances across DAGs and runs, newest first, as Airflow 3's Browse › Task Instances: filtered
 * by DAG id and by task id (each contains) and and by state, 500 to a page. The page renders a window of its rows
 * at a time, so a full page scrolls as fast as a short one. Every filter and the page are in the
 * address (`/task-instances?dag=..&search=..&state=..&page=2`), so a reload or a link shows the
 * same; each row links to its task instance on the DAG's grid.
 */
import { dagPath, get, query, type TaskInstance } from '../api';
import { KeptPager } from '../components/kept-pager';
import { StateBadge } from '../components/state-badge';
import { VirtualTable } from '../components/virtual-rows';
import { usePoll } from '../hooks';
import { dagHref, navigate, onLinkClick, pageOf, withQuery } from '../router';
import { formatDate, formatDuration, STATES } from '../states';

export const TASK_INSTANCES_PAGE = 500;

type Filters = { dag: string; search: string; state: string };

const SEARCHES = [
  { field: 'dag', label: 'Search DAGs' },
  { field: 'search', label: 'Search tasks' },
] as const;

type Row = TaskInstance & { dag_id: string };

export function TaskInstancesPage({ params }: { params: Record<string, string> }) {
  const filters: Filters = { dag: params.dag ?? '', search: params.search ?? '', state: params.state ?? '' };
  const page = pageOf(params.page);
  const offset = (page - 1) * TASK_INSTANCES_PAGE;
  const { data, error } = usePoll(
    async (signal) => {
      const answer = await get<{ task_instances: Row[]; total_entries: number }>(
        `${dagPath('~', 'dagRuns', '~', 'taskInstances')}${query({
          limit: TASK_INSTANCES_PAGE,
          offset,
          order_by: '-id',
          dag_id_pattern: filters.dag.trim(),
          task_display_name_pattern: filters.search.trim(),
          state: filters.state,
        })}`,
        signal,
      );
      return { rows: answer.task_instances, total: answer.total_entries };
    },
    10_000,
    [filters.dag, filters.search, filters.state, offset],
  );
  // a new filter starts at the first page; typing replaces the address, paging adds to it
  const filter = (next: Partial<Filters>) =>
    navigate(withQuery('/task-instances', { ...filters, ...next }), { replace: true });
  const toOffset = (to: number) =>
    navigate(withQuery('/task-instances', { ...filters, page: Math.floor(to / TASK_INSTANCES_PAGE) + 1 }));

  return (
    <section>
      <div className="toolbar">
        <h1>Task instances</h1>
        {SEARCHES.map(({ field, label }) => (
          <input
            key={field}
            type="search"
            placeholder={label}
            aria-label={label}
            value={filters[field]}
            onChange={(e) => filter({ [field]: e.target.value })}
          />
        ))}
        <select
          aria-label="Filter by state"
          value={filters.state}
          onChange={(e) => filter({ state: e.target.value })}
        >
          <option value="">All states</option>
          {STATES.map((s) => (
            <option key={s} value={s === 'none' ? 'no_status' : s}>
              {s}
            </option>
          ))}
        </select>
        {data && (
          <span className="muted">
            {data.total === 1 ? '1 task instance' : `${data.total} task instances`}
          </span>
        )}
      </div>
      {error && <p className="banner error-banner">Could not load the task instances: {error.message}</p>}
      {data && (
        <VirtualTable
          rows={data.rows}
          rowKey={(ti) => `${ti.dag_id}/${ti.dag_run_id}/${ti.task_id}/${ti.map_index}`}
          rowAttrs={(ti) => ({ 'data-ti': `${ti.dag_id}/${ti.dag_run_id}/${ti.task_id}` })}
          className="table ti-table"
          label="Task instances"
          columns={['DAG', 'Run', 'Task', 'Map index', 'State', 'Try', 'Started', 'Duration']}
          renderRow={(ti) => (
            <>
              <td>
                <a href={dagHref(ti.dag_id)} onClick={onLinkClick}>
                  {ti.dag_id}
                </a>
              </td>
              <td>{ti.dag_run_id}</td>
              <td>
                <a href={dagHref(ti.dag_id, { run: ti.dag_run_id, task: ti.task_id })} onClick={onLinkClick}>
                  {ti.task_id}
                </a>
              </td>
              <td>{ti.map_index >= 0 ? ti.map_index : ''}</td>
              <td>
                <StateBadge state={ti.state} />
              </td>
              <td>{ti.try_number}</td>
              <td className="nowrap">{formatDate(ti.start_date)}</td>
              <td>{formatDuration(ti.duration)}</td>
            </>
          )}
        />
      )}
      {data && data.rows.length === 0 && <p className="muted">No task instances match.</p>}
      <KeptPager offset={offset} limit={TASK_INSTANCES_PAGE} total={data?.total} onOffset={toOffset} />
    </section>
  );
}
