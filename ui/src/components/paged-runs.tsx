/**
 * A DAG's runs, newest first, a page at a time (the API's limit and offset), so that a DAG with
 * 10,000 runs renders one page. The first page is the grid's latest runs, already loaded: only
 * older pages are read here, and polled while one of their runs is unfinished. The page is the
 * caller's (in the address, `?runs_page=3`).
 */
import { type DagRun, dagPath, get, query } from '../api';
import { usePoll } from '../hooks';
import { isFinished } from '../states';
import { KeptPager } from './kept-pager';
import { RunsTable } from './runs-table';

export const RUNS_PAGE = 25;

/**
 * The chosen run: from the grid's latest runs, or read on its own when it is older (chosen on a
 * later page of the run list), and polled while it is unfinished.
 */
export function useSelectedRun(dagId: string, runId: string | null, latest: DagRun[] | null) {
  const inLatest = latest?.find((r) => r.dag_run_id === runId);
  const isOlder = runId !== null && latest !== null && !inLatest;
  const older = usePoll(
    (signal) => (isOlder ? get<DagRun>(dagPath(dagId, 'dagRuns', runId), signal) : Promise.resolve(null)),
    (data) => (data && !isFinished(data.state) ? 2_000 : null),
    [dagId, runId, isOlder],
  );
  return inLatest ?? (older.data?.dag_run_id === runId ? older.data : undefined);
}

export function PagedRuns({
  dagId,
  latest,
  selected,
  onSelect,
  page: pageNumber,
  onPage,
}: {
  dagId: string;
  /** the grid's latest runs (oldest first) and the DAG's count of runs; null while loading */
  latest: { runs: DagRun[]; total: number } | null;
  selected: string | null;
  onSelect: (run: string) => void;
  /** 1-based */
  page: number;
  onPage: (page: number) => void;
}) {
  const offset = (pageNumber - 1) * RUNS_PAGE;
  const older = usePoll(
    async (signal) =>
      offset === 0
        ? null
        : await get<{ dag_runs: DagRun[]; total_entries: number }>(
            `${dagPath(dagId, 'dagRuns')}${query({ limit: RUNS_PAGE, offset, order_by: '-id' })}`,
            signal,
          ),
    (data) => (data?.dag_runs.some((r) => !isFinished(r.state)) ? 2_000 : 30_000),
    [dagId, offset],
  );
  const page =
    offset === 0
      ? latest && { runs: latest.runs.slice(-RUNS_PAGE), total: latest.total }
      : older.data && { runs: [...older.data.dag_runs].reverse(), total: older.data.total_entries };
  return (
    <>
      {page ? (
        <RunsTable runs={page.runs} selected={selected} onSelect={onSelect} />
      ) : (
        <p className="muted">Loading…</p>
      )}
      {page?.total === 0 && <p className="muted">No runs yet: trigger one.</p>}
      <KeptPager
        offset={offset}
        limit={RUNS_PAGE}
        total={page?.total}
        onOffset={(o) => onPage(Math.floor(o / RUNS_PAGE) + 1)}
      />
    </>
  );
}
