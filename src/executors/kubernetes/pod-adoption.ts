/**
 * Adoption of the task pods of dead schedulers, as Airflow's KubernetesExecutor does
 * (try_adopt_task_instances, _adopt_completed_pods). A scheduler labels its pods with its id (its
 * hostname), and a scheduler in a Deployment gets a new hostname each time it restarts, so the pods
 * of its previous self carry an id nobody watches. Now and then this lists the pods of other
 * schedulers, asks which schedulers are alive (their heartbeats in the job table), and relabels the
 * pods of dead ones to this scheduler, whose watch then follows them like its own (running ones to
 * their end, ended ones to be reported and deleted). The relabel is a JSON Patch that first tests
 * the old label, so of two schedulers adopting at once one wins and the other leaves the pod.
 * Never touches the pods of live schedulers; never creates or deletes a pod.
 */
import type { CoreV1Api, V1Pod } from '@kubernetes/client-node';
import { apiStatus } from './kube-config.js';
import {
  otherSchedulersSelector,
  SCHEDULER_ID_LABEL,
  safeLabelValue,
  schedulerIdOf,
  TI_ID_LABEL,
} from './pod-labels.js';

export interface PodAdoptionOptions {
  api: CoreV1Api;
  namespace: string;
  schedulerId: string;
  /** ids of the schedulers alive now (heartbeated within the health threshold) */
  liveSchedulerIds: () => Promise<ReadonlySet<string>>;
  /** ms between looks for pods of dead schedulers */
  intervalMs: number;
  /** a pod now labelled with this scheduler's id */
  onAdopted: (pod: V1Pod) => void;
  onError: (message: string, error: unknown) => void;
  onInfo: (message: string, details: Record<string, unknown>) => void;
}

/** A JSON Pointer token: "/" and "~" escaped (RFC 6901). */
function pointerToken(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

/**
 * Labels `pod` with `schedulerId` if it still carries the label it was read with. Returns the
 * relabelled pod, or null when it is gone or another scheduler changed it first.
 */
export async function relabelPod(
  api: CoreV1Api,
  namespace: string,
  pod: V1Pod,
  schedulerId: string,
): Promise<V1Pod | null> {
  const labelPath = `/metadata/labels/${pointerToken(SCHEDULER_ID_LABEL)}`;
  const annotations = pod.metadata?.annotations;
  const patch = [
    { op: 'test', path: labelPath, value: pod.metadata?.labels?.[SCHEDULER_ID_LABEL] },
    { op: 'replace', path: labelPath, value: safeLabelValue(schedulerId) },
    annotations
      ? { op: 'add', path: `/metadata/annotations/${pointerToken(SCHEDULER_ID_LABEL)}`, value: schedulerId }
      : { op: 'add', path: '/metadata/annotations', value: { [SCHEDULER_ID_LABEL]: schedulerId } },
  ];
  try {
    return await api.patchNamespacedPod({ name: pod.metadata?.name ?? '', namespace, body: patch });
  } catch (error) {
    // 404: gone; 409/422: changed since it was read (the test op failed): someone else adopted it
    const status = apiStatus(error);
    if (status === 404 || status === 409 || status === 422) return null;
    throw error;
  }
}

export class PodAdoption {
  readonly #o: PodAdoptionOptions;
  /** tries run by pods of live schedulers: they must not be started again here */
  #othersTries = new Set<string>();
  #hasScanned = false;
  #scanning: Promise<void> | null = null;
  #timer: NodeJS.Timeout | null = null;

  constructor(options: PodAdoptionOptions) {
    this.#o = options;
  }

  /** Looks now, then every intervalMs. */
  start(): void {
    if (this.#timer) return;
    void this.scan();
    this.#timer = setInterval(() => void this.scan(), this.#o.intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  /** Whether the first look ended: until then a try may run in a pod of another scheduler. */
  get hasScanned(): boolean {
    return this.#hasScanned;
  }

  /** Whether a pod of another, live, scheduler runs the task instance (as of the last look). */
  holds(tiId: string): boolean {
    return this.#othersTries.has(tiId);
  }

  /** One look; a look already going is joined. */
  scan(): Promise<void> {
    this.#scanning ??= this.#scan().finally(() => {
      this.#scanning = null;
      this.#hasScanned = true;
    });
    return this.#scanning;
  }

  async #scan(): Promise<void> {
    const { api, namespace, schedulerId } = this.#o;
    let pods: V1Pod[];
    let live: ReadonlySet<string>;
    try {
      const list = await api.listNamespacedPod({
        namespace,
        labelSelector: otherSchedulersSelector(schedulerId),
      });
      pods = list.items.filter((p) => !p.metadata?.deletionTimestamp);
      // one query per look, and none while no other scheduler has pods
      live = pods.length > 0 ? await this.#o.liveSchedulerIds() : new Set();
    } catch (error) {
      this.#o.onError('could not look for task pods of dead schedulers', error);
      return;
    }
    const othersTries = new Set<string>();
    for (const pod of pods) {
      const owner = schedulerIdOf(pod) ?? '';
      const tiId = pod.metadata?.annotations?.[TI_ID_LABEL] ?? pod.metadata?.labels?.[TI_ID_LABEL];
      if (live.has(owner)) {
        if (tiId) othersTries.add(tiId);
        continue;
      }
      try {
        const adopted = await relabelPod(api, namespace, pod, schedulerId);
        if (!adopted) continue;
        this.#o.onInfo('adopted a task pod of a dead scheduler', {
          pod: adopted.metadata?.name,
          tiId,
          previousScheduler: owner,
        });
        this.#o.onAdopted(adopted);
      } catch (error) {
        this.#o.onError(`could not adopt pod ${pod.metadata?.name} of scheduler ${owner}`, error);
        if (tiId) othersTries.add(tiId);
      }
    }
    this.#othersTries = othersTries;
  }
}
