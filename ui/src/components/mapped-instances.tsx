/**
 * A mapped task's instances in one run, one line each (map index, state, try, duration), as
 * Airflow's grid lists them when a mapped task's square is chosen: each links to its own panel
 * (`?map=<index>`), so that a link opens the same instance.
 */
import type { TaskInstance } from '../api';
import { onLinkClick } from '../router';
import { formatDuration } from '../states';
import { StateBadge } from './state-badge';

export function MappedInstances({
  taskId,
  runId,
  instances,
  selected,
  hrefOf,
}: {
  taskId: string;
  runId: string;
  /** by map index */
  instances: readonly TaskInstance[];
  /** the map index whose panel is open, if any */
  selected: number | null;
  hrefOf: (mapIndex: number) => string;
}) {
  const sorted = [...instances].sort((a, b) => a.map_index - b.map_index);
  return (
    <section className="mapped-instances" data-task={taskId} data-run={runId}>
      <h3>
        {taskId}: {sorted.length} mapped task instances
      </h3>
      <table className="table">
        <thead>
          <tr>
            <th scope="col">Map index</th>
            <th scope="col">State</th>
            <th scope="col">Try</th>
            <th scope="col">Duration</th>
          </tr>
        </thead>
        <tbody>
          {sorted.map((ti) => (
            <tr
              key={ti.map_index}
              data-map-index={ti.map_index}
              data-state={ti.state ?? 'none'}
              className={ti.map_index === selected ? 'selected' : undefined}
            >
              <td>
                <a
                  href={hrefOf(ti.map_index)}
                  onClick={onLinkClick}
                  aria-current={ti.map_index === selected ? 'true' : undefined}
                  aria-label={`${taskId} [${ti.map_index}]`}
                >
                  [{ti.map_index}]
                </a>
              </td>
              <td>
                <StateBadge state={ti.state} />
              </td>
              <td>{ti.try_number}</td>
              <td>{formatDuration(ti.duration)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

/**
 * The chosen instance when the chosen task is mapped in the chosen run: the one at `mapIndex`,
 * else the first; null when the task is not mapped there (its instance is the unmapped one).
 */
export function chosenMapped(
  mapped: Map<string, Map<string, TaskInstance[]>> | undefined,
  run: string | null,
  task: string | null,
  mapIndex: number | null,
): { instances: TaskInstance[]; instance: TaskInstance | undefined; mapIndex: number } | null {
  const instances = run && task ? mapped?.get(run)?.get(task) : undefined;
  const first = instances?.reduce((a, b) => (b.map_index < a.map_index ? b : a));
  if (!instances || !first) return null;
  const index = mapIndex ?? first.map_index;
  return { instances, instance: instances.find((ti) => ti.map_index === index), mapIndex: index };
}
