/**
 * Health of each service: the metadata database, schedulers, DAG processors and triggerers (from
 * /api/v2/monitor/health, healthy when one heartbeated lately) and the queue executor's workers.
 */

import type { ComponentHealth, Health, Worker } from '../admin-api';
import { get } from '../api';
import { LoadError } from '../components/admin-list';
import { usePoll } from '../hooks';
import { formatDate } from '../states';

const COMPONENTS = [
  ['scheduler', 'Scheduler'],
  ['dag_processor', 'DAG processor'],
  ['triggerer', 'Triggerer'],
] as const;

function StatusText({ status }: { status: string | null }) {
  const text = status ?? 'not running';
  return <span className={`health-status health-${status ?? 'none'}`}>{text}</span>;
}

export function HealthPage() {
  const { data, error } = usePoll(
    async (signal) => {
      const [health, workers] = await Promise.all([
        get<Health>('/api/v2/monitor/health', signal),
        get<{ workers: Worker[] }>('/api/v2/workers', signal),
      ]);
      return { health, workers: workers.workers };
    },
    5_000,
    [],
  );
  const rows: [string, string, ComponentHealth | { status: string; latest_heartbeat: null }][] = data
    ? [
        ['metadatabase', 'Metadata database', { ...data.health.metadatabase, latest_heartbeat: null }],
        ...COMPONENTS.map(([id, title]) => [id, title, data.health[id]] as [string, string, ComponentHealth]),
      ]
    : [];
  return (
    <>
      <div className="toolbar">
        <h1>Health</h1>
      </div>
      <LoadError what="health" error={error} />
      <table className="table admin-table">
        <thead>
          <tr>
            <th scope="col">Service</th>
            <th scope="col">Status</th>
            <th scope="col">Latest heartbeat</th>
          </tr>
        </thead>
        <tbody>
          {rows.map(([id, title, c]) => (
            <tr key={id} data-component={id} data-status={c.status ?? 'none'}>
              <th scope="row">{title}</th>
              <td>
                <StatusText status={c.status} />
              </td>
              <td>{formatDate(c.latest_heartbeat)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2 className="section-gap">Workers</h2>
      {data && data.workers.length === 0 && (
        <p className="muted">No queue executor workers heartbeated lately (the local executor needs none).</p>
      )}
      {data && data.workers.length > 0 && (
        <table className="table admin-table">
          <thead>
            <tr>
              <th scope="col">Worker</th>
              <th scope="col">Queues</th>
              <th scope="col" className="num">
                Running
              </th>
              <th scope="col" className="num">
                Concurrency
              </th>
              <th scope="col">Started</th>
              <th scope="col">Latest heartbeat</th>
            </tr>
          </thead>
          <tbody>
            {data.workers.map((w) => (
              <tr key={`${w.hostname}:${w.pid}`} data-worker={w.hostname}>
                <td>
                  {w.hostname} <span className="muted">pid {w.pid}</span>
                </td>
                <td>{w.queues.join(', ')}</td>
                <td className="num">{w.running}</td>
                <td className="num">{w.concurrency}</td>
                <td>{formatDate(w.start_date)}</td>
                <td>{formatDate(w.latest_heartbeat)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
