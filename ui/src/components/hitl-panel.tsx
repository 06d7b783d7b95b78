/**
 * The human-in-the-loop part of a task instance's panel: while the task waits for an answer, its
 * request and the form to answer it; once answered, who chose what.
 */
import { ApiError, get } from '../api';
import { usePoll } from '../hooks';
import { type HitlDetail, HitlForm, hitlPath } from './hitl-form';

export function HitlPanel({
  dagId,
  runId,
  taskId,
  isWaiting,
  onAnswered,
}: {
  dagId: string;
  runId: string;
  taskId: string;
  /** the task instance is deferred: it may wait for an answer */
  isWaiting: boolean;
  onAnswered: () => void;
}) {
  const path = hitlPath({ dag_id: dagId, dag_run_id: runId, task_id: taskId });
  const detail = usePoll(
    async (signal) => {
      try {
        return await get<HitlDetail>(path, signal);
      } catch (e) {
        // not a HITL task, or a server without the route
        if (e instanceof ApiError && (e.status === 404 || e.isNoRoute)) return null;
        throw e;
      }
    },
    isWaiting ? 3_000 : null,
    [path, isWaiting],
  );
  const d = detail.data;
  if (!d) return null;
  if (d.response_received) {
    return (
      <section className="hitl-answer" aria-label="Required action">
        <h3>{d.subject}</h3>
        <p>
          Answered <strong>{d.chosen_options?.join(', ')}</strong>{' '}
          {d.responded_by ? `by ${d.responded_by}` : '(the default outcome, at the timeout)'}
        </p>
      </section>
    );
  }
  if (!isWaiting) return null;
  return (
    <section className="hitl-request" aria-label="Required action">
      <HitlForm
        detail={d}
        onAnswered={() => {
          detail.reload();
          onAnswered();
        }}
      />
    </section>
  );
}
