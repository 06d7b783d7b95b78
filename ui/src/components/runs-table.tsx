/** A DAG's latest runs as a table (newest first), and the picker of the run a view shows. */
import type { DagRun } from '../api';
import { formatDate, formatDuration } from '../states';
import { StateBadge } from './state-badge';

/** The run the graph and the Gantt show, newest first. */
export function RunPicker({
  runs,
  value,
  onChange,
}: {
  runs: DagRun[];
  value: string;
  onChange: (run: string) => void;
}) {
  if (runs.length === 0) return null;
  return (
    <label className="run-picker">
      Run{' '}
      <select value={value} onChange={(e) => onChange(e.target.value)}>
        {[...runs].reverse().map((r) => (
          <option key={r.dag_run_id} value={r.dag_run_id}>
            {r.dag_run_id} ({r.state})
          </option>
        ))}
      </select>
    </label>
  );
}

export function RunsTable({
  runs,
  selected,
  onSelect,
}: {
  runs: DagRun[];
  selected: string | null;
  onSelect: (run: string) => void;
}) {
  return (
    <table className="table runs-table">
      <thead>
        <tr>
          <th>Run</th>
          <th>State</th>
          <th>Type</th>
          <th>Logical date</th>
          <th>Duration</th>
        </tr>
      </thead>
      <tbody>
        {[...runs].reverse().map((run) => (
          <tr
            key={run.dag_run_id}
            className={run.dag_run_id === selected ? 'selected' : undefined}
            data-run={run.dag_run_id}
          >
            <td>
              <button type="button" className="link" onClick={() => onSelect(run.dag_run_id)}>
                {run.dag_run_id}
              </button>
            </td>
            <td>
              <StateBadge state={run.state} />
            </td>
            <td>{run.run_type}</td>
            <td>{formatDate(run.logical_date)}</td>
            <td>{formatDuration(run.duration)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
