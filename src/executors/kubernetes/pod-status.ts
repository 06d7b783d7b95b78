/**
 * What a task pod's status means for its try: still pending, running, succeeded (the task process
 * recorded the result itself) or failed before it could (with an exit code and a reason). Pure:
 * the executor applies the verdict. As Airflow's KubernetesExecutor, image pull and container
 * config errors fail at once rather than wait out pending_timeout. A pod stopped at its
 * activeDeadlineSeconds (DeadlineExceeded) failed its try for outliving its executionTimeout.
 */
import type { V1ContainerStatus, V1Pod } from '@kubernetes/client-node';
import { BASE_CONTAINER } from './pod-spec.js';

export type PodVerdict =
  /** not started yet: unscheduled, pulling its image */
  | { kind: 'pending' }
  | { kind: 'running' }
  /** the try's process ended with code 0: it recorded its result */
  | { kind: 'succeeded' }
  | {
      kind: 'failed';
      exitCode: number | null;
      reason: string;
      deletePod: boolean;
      /** Kubernetes stopped the pod at its activeDeadlineSeconds (the executionTimeout's backstop) */
      timedOut?: boolean;
    };

/** Waiting reasons no wait can cure: the try fails and its pod is deleted. */
export const FATAL_WAITING_REASONS = [
  'ErrImagePull',
  'ImagePullBackOff',
  'InvalidImageName',
  'CreateContainerConfigError',
  'CreateContainerError',
] as const;

function baseStatus(pod: V1Pod): V1ContainerStatus | undefined {
  return pod.status?.containerStatuses?.find((s) => s.name === BASE_CONTAINER);
}

function withMessage(reason: string, message: string | undefined): string {
  return message ? `${reason}: ${message}` : reason;
}

/** The reason of a terminated container: "OOMKilled (exit code 137)", or "exit code 2" for a plain error. */
export function terminationReason(exitCode: number, reason: string | undefined): string {
  return !reason || reason === 'Error' || reason === 'Completed'
    ? `exit code ${exitCode}`
    : `${reason} (exit code ${exitCode})`;
}

/** Whether the base container started (so it has a log to read). */
export function hasStarted(pod: V1Pod): boolean {
  const state = baseStatus(pod)?.state;
  return Boolean(state?.running || state?.terminated);
}

/** When the pod was created, in ms since the epoch (lists give Dates, watches strings). */
export function createdAt(pod: V1Pod): number | null {
  const t = pod.metadata?.creationTimestamp as Date | string | undefined;
  if (t === undefined) return null;
  const ms = new Date(t).getTime();
  return Number.isNaN(ms) ? null : ms;
}

export function podVerdict(pod: V1Pod, now: number, pendingTimeoutMs: number): PodVerdict {
  const phase = pod.status?.phase;
  if (pod.status?.reason === 'Evicted') {
    return {
      kind: 'failed',
      exitCode: null,
      reason: withMessage('Evicted', pod.status.message),
      deletePod: false,
    };
  }
  if (pod.status?.reason === 'DeadlineExceeded') {
    // before the container's end: Kubernetes killed it, its exit code (137) says nothing more
    const deadline = pod.spec?.activeDeadlineSeconds;
    return {
      kind: 'failed',
      exitCode: baseStatus(pod)?.state?.terminated?.exitCode ?? null,
      reason: `DeadlineExceeded: Kubernetes stopped the pod after ${deadline === undefined ? 'its activeDeadlineSeconds' : `${deadline}s (activeDeadlineSeconds: the executionTimeout and a margin)`}`,
      deletePod: false,
      timedOut: true,
    };
  }
  const base = baseStatus(pod);
  const terminated = base?.state?.terminated;
  // The base container's end decides, even while a sidecar keeps the pod Running.
  if (terminated) {
    if (terminated.exitCode === 0) return { kind: 'succeeded' };
    return {
      kind: 'failed',
      exitCode: terminated.exitCode,
      reason: terminationReason(terminated.exitCode, terminated.reason),
      deletePod: false,
    };
  }
  if (phase === 'Succeeded') return { kind: 'succeeded' };
  if (phase === 'Failed') {
    return {
      kind: 'failed',
      exitCode: null,
      reason: withMessage(pod.status?.reason ?? 'the pod failed', pod.status?.message),
      deletePod: false,
    };
  }
  const waiting = base?.state?.waiting;
  if (waiting?.reason && (FATAL_WAITING_REASONS as readonly string[]).includes(waiting.reason)) {
    return {
      kind: 'failed',
      exitCode: null,
      reason: withMessage(waiting.reason, waiting.message),
      deletePod: true,
    };
  }
  if (phase === 'Running' || phase === 'Unknown') return { kind: 'running' };
  const created = createdAt(pod);
  if (created !== null && now - created > pendingTimeoutMs) {
    const why = waiting?.reason ?? pod.status?.conditions?.find((c) => c.status === 'False')?.reason;
    return {
      kind: 'failed',
      exitCode: null,
      reason: `Pending for more than ${pendingTimeoutMs / 1000}s (kubernetes.pending_timeout)${why ? `: ${why}` : ''}`,
      deletePod: true,
    };
  }
  return { kind: 'pending' };
}
