/**
 * Required actions (Airflow 3.1's page of the same name): the human-in-the-loop requests that
 * wait for an answer, each with its form, and a link to its task instance.
 */
import { get } from '../api';
import { type HitlDetail, HitlForm } from '../components/hitl-form';
import { usePoll } from '../hooks';
import { onLinkClick } from '../router';

export function RequiredActionsPage() {
  const pending = usePoll(
    (signal) =>
      get<{ hitl_details: HitlDetail[]; total_entries: number }>(
        '/api/v2/hitlDetails?response_received=false&limit=100',
        signal,
      ),
    5_000,
    [],
  );
  const details = pending.data?.hitl_details ?? [];
  return (
    <section className="required-actions">
      <h1>Required actions</h1>
      {pending.error && (
        <p className="error" role="alert">
          {pending.error.message}
        </p>
      )}
      {pending.data && details.length === 0 && <p className="muted">Nothing waits for an answer.</p>}
      {details.map((d) => {
        const link = `/dags/${encodeURIComponent(d.dag_id)}?run=${encodeURIComponent(d.dag_run_id)}&task=${encodeURIComponent(d.task_id)}`;
        return (
          <article
            key={`${d.dag_id}/${d.dag_run_id}/${d.task_id}/${d.map_index}`}
            className="panel hitl-request"
          >
            <p className="muted">
              <a href={link} onClick={onLinkClick}>
                {d.dag_id} / {d.dag_run_id} / {d.task_id}
              </a>
            </p>
            <HitlForm detail={d} onAnswered={() => pending.reload()} />
          </article>
        );
      })}
    </section>
  );
}
