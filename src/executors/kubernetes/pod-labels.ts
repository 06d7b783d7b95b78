/**
 * The names and labels of task pods. Label values must be valid Kubernetes label values (63
 * characters at most, alphanumerics with "-", "_", "." inside), so ids that are not are made
 * safe with a hash of the original, which stays readable in an annotation of the same key (as
 * Airflow's make_safe_label_value). Names are deterministic per queued try, so creating a pod
 * twice for one try gets 409 Conflict instead of a second pod.
 */
import { createHash } from 'node:crypto';
import type { TaskWorkload } from '../executor.js';

export const LABEL_PREFIX = 'gale.dev/';
export const SCHEDULER_ID_LABEL = `${LABEL_PREFIX}scheduler-id`;
export const TI_ID_LABEL = `${LABEL_PREFIX}ti-id`;

const MAX_LABEL = 63;
const VALID_LABEL = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

function shortHash(text: string, length: number): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length);
}

/** `value` when it is a valid label value; else a safe form of it ending in a hash of it. */
export function safeLabelValue(value: string): string {
  if (value.length <= MAX_LABEL && VALID_LABEL.test(value)) return value;
  const hash = shortHash(value, 10);
  const safe = value
    .replace(/[^-A-Za-z0-9_.]/g, '_')
    .slice(0, MAX_LABEL - hash.length - 1)
    .replace(/^[^A-Za-z0-9]+/, '');
  return safe === '' ? hash : `${safe}-${hash}`;
}

/** The identifying values of a try, by label key (before they are made safe). */
export function tryIdentity(workload: TaskWorkload, schedulerId: string): Record<string, string> {
  return {
    [`${LABEL_PREFIX}dag-id`]: workload.dagId,
    [`${LABEL_PREFIX}task-id`]: workload.taskId,
    [`${LABEL_PREFIX}run-id`]: workload.runId,
    [`${LABEL_PREFIX}try-number`]: String(workload.tryNumber),
    [`${LABEL_PREFIX}map-index`]: String(workload.mapIndex),
    [TI_ID_LABEL]: workload.tiId,
    [SCHEDULER_ID_LABEL]: schedulerId,
  };
}

/** The labels of a try's pod (safe values) and the annotations that keep the originals. */
export function podLabels(
  workload: TaskWorkload,
  schedulerId: string,
): { labels: Record<string, string>; annotations: Record<string, string> } {
  const identity = tryIdentity(workload, schedulerId);
  const labels: Record<string, string> = {};
  for (const [key, value] of Object.entries(identity)) labels[key] = safeLabelValue(value);
  return { labels, annotations: identity };
}

/** The label selector of every pod a scheduler started. */
export function schedulerSelector(schedulerId: string): string {
  return `${SCHEDULER_ID_LABEL}=${safeLabelValue(schedulerId)}`;
}

/** The label selector of the task pods other schedulers started (candidates for adoption). */
export function otherSchedulersSelector(schedulerId: string): string {
  return `${SCHEDULER_ID_LABEL},${SCHEDULER_ID_LABEL}!=${safeLabelValue(schedulerId)}`;
}

/** The id of the scheduler a pod belongs to: the original in the annotation, else the label. */
export function schedulerIdOf(pod: {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
}): string | undefined {
  return pod.metadata?.annotations?.[SCHEDULER_ID_LABEL] ?? pod.metadata?.labels?.[SCHEDULER_ID_LABEL];
}

function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

/**
 * The pod name of a queued try: readable dag and task ids, then a hash of the try and its
 * queueing token (a try queued again after being lost gets a new token, hence a new pod). A
 * DNS label: 63 characters at most, lowercase alphanumerics and "-".
 */
export function podName(workload: TaskWorkload): string {
  const hash = shortHash(`${workload.tiId}:${workload.tryNumber}:${workload.token}`, 12);
  const readable = slug(`${workload.dagId}-${workload.taskId}`).slice(0, MAX_LABEL - hash.length - 6);
  return `gale-${readable.replace(/-+$/, '')}${readable ? '-' : ''}${hash}`;
}
