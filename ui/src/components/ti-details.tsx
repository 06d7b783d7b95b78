/**
 * What a task instance's panel shows besides its tries: the tasks upstream and downstream of it
 * (each a link to that task in the same run), the template fields its chosen try rendered, and the
 * outputs (XCom) it pushed, each with its value. Read once per task instance and try; only reads.
 */
import { ApiError, dagPath, get, query, type Task } from '../api';
import { usePoll } from '../hooks';

/** outputs shown with their values; more are listed by key only */
const VALUES_SHOWN = 20;

interface Output {
  key: string;
  map_index: number;
  value?: unknown;
}

function show(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value, null, 2);
}

export function TaskInstanceDetails({
  dagId,
  runId,
  taskId,
  tryNumber,
  mapIndex,
  tasks,
  onSelectTask,
}: {
  dagId: string;
  runId: string;
  taskId: string;
  tryNumber: number;
  /** a mapped task's instance: its rendered templates and outputs only; undefined if unmapped */
  mapIndex?: number;
  /** the DAG's tasks, for upstream and downstream; null while loading */
  tasks: Task[] | null;
  onSelectTask: (taskId: string) => void;
}) {
  const tiPath = dagPath(dagId, 'dagRuns', runId, 'taskInstances', taskId);
  const rendered = usePoll(
    async (signal) => {
      try {
        const answer = await get<{ rendered_fields: Record<string, unknown> }>(
          `${tiPath}/renderedFields${query({ try_number: tryNumber, map_index: mapIndex })}`,
          signal,
        );
        return answer.rendered_fields;
      } catch (e) {
        if (e instanceof ApiError && e.status === 404) return {};
        throw e;
      }
    },
    null,
    [tiPath, tryNumber, mapIndex],
  );
  const outputs = usePoll(
    async (signal) => {
      const list = await get<{ xcom_entries: Output[] }>(
        `${tiPath}/xcomEntries${query({ limit: 100, map_index: mapIndex })}`,
        signal,
      );
      return Promise.all(
        list.xcom_entries.map(async (entry, i) => {
          if (i >= VALUES_SHOWN) return entry;
          const path = `${tiPath}/xcomEntries/${encodeURIComponent(entry.key)}?map_index=${entry.map_index}`;
          return { ...entry, value: (await get<{ value: unknown }>(path, signal)).value };
        }),
      );
    },
    null,
    [tiPath, tryNumber, mapIndex],
  );

  const task = tasks?.find((t) => t.task_id === taskId);
  const upstream = task?.upstream_task_ids ?? [];
  const downstream = tasks?.filter((t) => t.upstream_task_ids.includes(taskId)).map((t) => t.task_id) ?? [];
  const links = (ids: string[]) =>
    ids.length === 0 ? (
      <span className="muted">none</span>
    ) : (
      ids.map((id) => (
        <button key={id} type="button" className="link" onClick={() => onSelectTask(id)}>
          {id}
        </button>
      ))
    );
  const fields = Object.entries(rendered.data ?? {});

  return (
    <div className="ti-details">
      <dl className="facts">
        <dt>Upstream</dt>
        <dd className="ti-upstream">{links(upstream)}</dd>
        <dt>Downstream</dt>
        <dd className="ti-downstream">{links(downstream)}</dd>
      </dl>
      <h3>Rendered templates (try {tryNumber})</h3>
      {fields.length === 0 ? (
        <p className="muted">{rendered.data ? 'None.' : 'Loading…'}</p>
      ) : (
        <dl className="facts rendered-fields">
          {fields.map(([name, value]) => (
            <div key={name} data-field={name}>
              <dt>{name}</dt>
              <dd>
                <pre className="json">{show(value)}</pre>
              </dd>
            </div>
          ))}
        </dl>
      )}
      <h3>Outputs</h3>
      {!outputs.data || outputs.data.length === 0 ? (
        <p className="muted">{outputs.error ? outputs.error.message : outputs.data ? 'None.' : 'Loading…'}</p>
      ) : (
        <dl className="facts outputs">
          {outputs.data.map((o) => (
            <div key={`${o.key}/${o.map_index}`} data-output={o.key}>
              <dt>
                {o.key}
                {o.map_index >= 0 ? ` [${o.map_index}]` : ''}
              </dt>
              <dd>
                {'value' in o ? (
                  <pre className="json">{show(o.value)}</pre>
                ) : (
                  <span className="muted">…</span>
                )}
              </dd>
            </div>
          ))}
        </dl>
      )}
    </div>
  );
}
