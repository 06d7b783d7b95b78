/**
 * The views of a DAG's page, each at its own path (`/dags/<dag_id>/<view>`) so that a link or a
 * reload opens the same view; the grid is also the page's plain path `/dags/<dag_id>`.
 */
export const DAG_VIEWS = ['grid', 'graph', 'gantt', 'code', 'details', 'backfills'] as const;
export type DagView = (typeof DAG_VIEWS)[number];

export const DAG_VIEW_LABELS: Record<DagView, string> = {
  grid: 'Grid',
  graph: 'Graph',
  gantt: 'Gantt',
  code: 'Code',
  details: 'Details',
  backfills: 'Backfills',
};

export function parseDagView(text: string | undefined): DagView {
  return (DAG_VIEWS as readonly string[]).includes(text ?? '') ? (text as DagView) : 'grid';
}
