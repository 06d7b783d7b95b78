/**
 * The kubernetes executor (Airflow's KubernetesExecutor): a pod per try, running
 * `gale tasks run-workload` with the try's workload and an execution API token; the task process
 * in the pod records its own result through the API server. The executor watches the pods it
 * started (labelled with this scheduler's id), streams their logs into the tries' log files, and
 * reports a try whose pod failed before the process could record it: exit code and reason
 * (OOMKilled, Evicted, DeadlineExceeded...). On start it adopts the pods of a previous run of this
 * scheduler instead of starting new ones, and now and then those of dead schedulers (pod-adoption.ts);
 * on shutdown it leaves pods running for the next one. It never changes task instance state itself.
 */
import {
  type CoreV1Api,
  CoreV1Api as CoreV1ApiClass,
  type KubeConfig,
  type V1Pod,
} from '@kubernetes/client-node';
import type { ExecutionTokens } from '../execution-token.js';
import { type Executor, type ExecutorEvent, type TaskWorkload, taskWorkloadSchema } from '../executor.js';
import { ExecutorEvents } from '../executor-events.js';
import { apiStatus } from './kube-config.js';
import { PodAdoption, relabelPod } from './pod-adoption.js';
import { schedulerIdOf, schedulerSelector } from './pod-labels.js';
import { appendLogNote, PodLogs } from './pod-logs.js';
import { buildPod, workloadOfPod } from './pod-spec.js';
import { hasStarted, type PodVerdict, podVerdict } from './pod-status.js';
import { PodWatcher } from './pod-watcher.js';

export type DeletePods = 'always' | 'on_success' | 'never';

export interface KubernetesExecutorOptions {
  kubeConfig: KubeConfig;
  namespace: string;
  /** kubernetes.worker_image */
  image: string;
  /** kubernetes.pod_template_file, loaded */
  podTemplate: V1Pod | null;
  /** stable id of this scheduler: its pods carry it, and a restarted scheduler adopts them */
  schedulerId: string;
  /**
   * Ids of the schedulers alive now. Given, the pods of other schedulers not among them are
   * adopted (at start, then every adoptIntervalMs); not given, only this scheduler's own.
   */
  liveSchedulerIds?: () => Promise<ReadonlySet<string>>;
  /** ms between looks for pods of dead schedulers (default 30 s) */
  adoptIntervalMs?: number;
  parallelism: number;
  deletePods: DeletePods;
  pendingTimeoutSeconds: number;
  /** the task execution API that task pods call, and the signer of their tokens */
  taskApi: { url: string; tokens: ExecutionTokens };
  onError?: (message: string, error: unknown) => void;
  onInfo?: (message: string, details: Record<string, unknown>) => void;
  /** ms between checks of pending pods against pending_timeout (default 2 s) */
  checkIntervalMs?: number;
  /** ms before reconnecting a dropped watch (default 500, doubling) */
  watchRetryMs?: number;
}

interface Tracked {
  workload: TaskWorkload;
  podName: string;
  /** last pod seen; null while being created */
  pod: V1Pod | null;
  adopted: boolean;
  ended: boolean;
  /** whether its log is being followed (one follow at a time, resumed when the API ends it early) */
  isFollowed?: boolean;
}

/** How long a follow the API ended waits before it reads the pod and resumes (the pod may have ended). */
const FOLLOW_RESUME_MS = 1_000;

export class KubernetesExecutor implements Executor {
  readonly name = 'kubernetes';
  readonly #o: KubernetesExecutorOptions;
  readonly #api: CoreV1Api;
  readonly #logs: PodLogs;
  readonly #watcher: PodWatcher;
  readonly #adoption: PodAdoption | null;
  /** by task instance id */
  readonly #tracked = new Map<string, Tracked>();
  readonly #events = new ExecutorEvents();
  #accepting = true;
  /** whether the first list of pods arrived: until then the executor cannot tell what runs */
  #isSynced = false;
  #timer: NodeJS.Timeout | null = null;

  constructor(options: KubernetesExecutorOptions) {
    this.#o = options;
    this.#api = options.kubeConfig.makeApiClient(CoreV1ApiClass);
    const onError = options.onError ?? (() => {});
    this.#logs = new PodLogs(options.kubeConfig, options.namespace, onError);
    this.#watcher = new PodWatcher({
      kubeConfig: options.kubeConfig,
      api: this.#api,
      namespace: options.namespace,
      labelSelector: schedulerSelector(options.schedulerId),
      onList: (pods) => this.#onList(pods),
      onEvent: (type, pod) => (type === 'DELETED' ? this.#onDeleted(pod) : this.#observe(pod)),
      onError,
      retryMs: options.watchRetryMs,
    });
    this.#adoption = options.liveSchedulerIds
      ? new PodAdoption({
          api: this.#api,
          namespace: options.namespace,
          schedulerId: options.schedulerId,
          liveSchedulerIds: options.liveSchedulerIds,
          intervalMs: options.adoptIntervalMs ?? 30_000,
          onAdopted: (pod) => this.#observe(pod),
          onError,
          onInfo: options.onInfo ?? (() => {}),
        })
      : null;
  }

  start(): void {
    this.#watcher.start();
    this.#timer = setInterval(() => this.#checkPending(), this.#o.checkIntervalMs ?? 2_000);
    this.#timer.unref();
  }

  openSlots(): number {
    return this.#accepting ? Math.max(0, this.#o.parallelism - this.#tracked.size) : 0;
  }

  taskCounts(): { queued: number; running: number } {
    let queued = 0;
    for (const t of this.#tracked.values()) if (t.pod?.status?.phase !== 'Running') queued++;
    return { queued, running: this.#tracked.size - queued };
  }

  isRunning(tiId: string): boolean {
    if (!this.#isSynced || this.#tracked.has(tiId)) return true;
    // a pod of another scheduler may run it: never start a try whose pod exists
    return this.#adoption !== null && (!this.#adoption.hasScanned || this.#adoption.holds(tiId));
  }

  onEvent(listener: () => void): void {
    this.#events.onEvent(listener);
  }

  drainEvents(): ExecutorEvent[] {
    return this.#events.drain();
  }

  queue(workload: TaskWorkload): void {
    const existing = this.#tracked.get(workload.tiId);
    if (existing && existing.workload.token === workload.token) return;
    const pod = buildPod(this.#o.podTemplate, workload, {
      namespace: this.#o.namespace,
      image: this.#o.image,
      schedulerId: this.#o.schedulerId,
      executionApiUrl: this.#o.taskApi.url,
      // the pod may stay Pending up to pending_timeout before its task process makes its first call
      apiToken: this.#o.taskApi.tokens.mint(workload.tiId, workload.tryNumber, {
        waitSeconds: this.#o.pendingTimeoutSeconds,
      }),
    });
    const podName = pod.metadata?.name ?? '';
    const entry: Tracked = { workload, podName, pod: null, adopted: false, ended: false };
    this.#tracked.set(workload.tiId, entry);
    this.#api.createNamespacedPod({ namespace: this.#o.namespace, body: pod }).then(
      (created) => this.#observe(created),
      (error: unknown) => this.#createFailed(entry, error),
    );
  }

  async #createFailed(entry: Tracked, error: unknown): Promise<void> {
    const status = apiStatus(error);
    if (status === 409) {
      // Created before (a retried call, a restart): the pod is this try's; follow it.
      entry.adopted = true;
      try {
        const { namespace, schedulerId } = this.#o;
        let pod = await this.#api.readNamespacedPod({ name: entry.podName, namespace });
        // a pod another scheduler created for this queued try: watch it as ours
        if (schedulerIdOf(pod) !== schedulerId)
          pod = (await relabelPod(this.#api, namespace, pod, schedulerId)) ?? pod;
        this.#observe(pod);
      } catch (readError) {
        this.#o.onError?.(`could not read pod ${entry.podName}`, readError);
      }
      return;
    }
    if (this.#tracked.get(entry.workload.tiId) !== entry) return;
    if (status === 400 || status === 422) {
      // The pod is invalid (a bad podOverride or template): no retry of the call can help.
      this.#end(entry, {
        kind: 'failed',
        exitCode: null,
        reason: `the pod was rejected: ${(error as Error).message}`,
        deletePod: false,
      });
      return;
    }
    // Unreachable API, quota, forbidden: the try stays queued and is queued again after
    // scheduler.task_queued_timeout.
    this.#tracked.delete(entry.workload.tiId);
    this.#o.onError?.(`could not create pod ${entry.podName}`, error);
  }

  #onList(pods: V1Pod[]): void {
    const seen = new Set<string>();
    for (const pod of pods) {
      const name = pod.metadata?.name;
      if (name) seen.add(name);
      this.#observe(pod);
    }
    // Pods that went away while nobody watched: their tries cannot end by themselves.
    for (const t of this.#tracked.values()) {
      if (t.pod && !t.ended && !seen.has(t.podName)) void this.#confirmGone(t);
    }
    this.#isSynced = true;
    this.#adoption?.start();
  }

  /** A tracked pod missing from a list: gone, or adopted after the list was taken; read it to know. */
  async #confirmGone(entry: Tracked): Promise<void> {
    try {
      this.#observe(await this.#api.readNamespacedPod({ name: entry.podName, namespace: this.#o.namespace }));
    } catch (error) {
      if (apiStatus(error) === 404 && entry.pod) this.#onDeleted(entry.pod);
      else this.#o.onError?.(`could not read pod ${entry.podName}`, error);
    }
  }

  /** The tracked try of a pod; a pod of this scheduler not tracked yet is adopted. */
  #entryOf(pod: V1Pod): Tracked | null {
    const name = pod.metadata?.name;
    if (!name) return null;
    for (const t of this.#tracked.values()) if (t.podName === name) return t;
    if (pod.metadata?.deletionTimestamp) return null;
    const json = workloadOfPod(pod);
    const parsed = json ? taskWorkloadSchema.safeParse(JSON.parse(json)) : null;
    if (!parsed?.success) return null;
    const entry: Tracked = { workload: parsed.data, podName: name, pod: null, adopted: true, ended: false };
    this.#tracked.set(entry.workload.tiId, entry);
    this.#o.onInfo?.('adopted a running task pod', { pod: name, tiId: entry.workload.tiId });
    return entry;
  }

  #observe(pod: V1Pod): void {
    const entry = this.#entryOf(pod);
    if (!entry || entry.ended) return;
    entry.pod = pod;
    this.#apply(entry, podVerdict(pod, Date.now(), this.#o.pendingTimeoutSeconds * 1000));
  }

  #apply(entry: Tracked, verdict: PodVerdict): void {
    if (verdict.kind === 'running') {
      if (!entry.isFollowed) void this.#follow(entry);
    } else if (verdict.kind === 'succeeded' || verdict.kind === 'failed') {
      this.#end(entry, verdict);
    }
  }

  /**
   * Follows the pod's log into the try's log while the pod runs. The API may end a follow before
   * the pod ends (its streaming timeouts, a restarted API server, an idle connection cut): unless
   * the pod ended meanwhile, read it again and go on from where the copy stopped.
   */
  async #follow(entry: Tracked): Promise<void> {
    entry.isFollowed = true;
    let resume = entry.adopted;
    try {
      while (this.#accepting && !entry.ended && this.#tracked.get(entry.workload.tiId) === entry) {
        await this.#logs.stream(entry.podName, entry.workload.logPath, { follow: true, resume });
        resume = true;
        await new Promise<void>((r) => setTimeout(r, FOLLOW_RESUME_MS).unref());
        if (!this.#accepting || entry.ended) return;
        let pod: V1Pod;
        try {
          pod = await this.#api.readNamespacedPod({ name: entry.podName, namespace: this.#o.namespace });
        } catch (error) {
          // gone, or the API is away: the watch (or its next list) tells what became of it
          if (apiStatus(error) !== 404) this.#o.onError?.(`could not read pod ${entry.podName}`, error);
          return;
        }
        const verdict = podVerdict(pod, Date.now(), this.#o.pendingTimeoutSeconds * 1000);
        if (verdict.kind !== 'running') {
          entry.isFollowed = false;
          this.#observe(pod);
          return;
        }
        this.#o.onInfo?.("the pod's log stream ended while it runs; resuming", { pod: entry.podName });
      }
    } finally {
      entry.isFollowed = false;
    }
  }

  #checkPending(): void {
    const now = Date.now();
    for (const entry of [...this.#tracked.values()]) {
      if (!entry.pod || entry.ended) continue;
      const verdict = podVerdict(entry.pod, now, this.#o.pendingTimeoutSeconds * 1000);
      if (verdict.kind === 'failed') this.#end(entry, verdict);
    }
  }

  #onDeleted(pod: V1Pod): void {
    const entry = this.#entryOf(pod);
    if (!entry || entry.ended) return;
    // gone: no log to read any more
    entry.pod = {
      ...pod,
      metadata: { ...pod.metadata, deletionTimestamp: pod.metadata?.deletionTimestamp ?? new Date() },
    };
    const verdict = podVerdict(pod, Date.now(), this.#o.pendingTimeoutSeconds * 1000);
    this.#end(
      entry,
      verdict.kind === 'succeeded' || verdict.kind === 'failed'
        ? verdict
        : { kind: 'failed', exitCode: null, reason: 'the pod was deleted', deletePod: false },
    );
  }

  /** The try's pod ended: copy the rest of its log, report, and delete the pod as configured. */
  #end(entry: Tracked, verdict: Extract<PodVerdict, { kind: 'succeeded' | 'failed' }>): void {
    entry.ended = true;
    void this.#finish(entry, verdict);
  }

  async #finish(
    entry: Tracked,
    verdict: Extract<PodVerdict, { kind: 'succeeded' | 'failed' }>,
  ): Promise<void> {
    const { workload, podName } = entry;
    if (entry.pod && hasStarted(entry.pod) && !entry.pod.metadata?.deletionTimestamp) {
      // A pod that ran and ended before its log was followed: copy what it wrote.
      const copy = this.#logs.stream(podName, workload.logPath, { follow: false, resume: entry.adopted });
      await Promise.race([copy, this.#logs.settle(podName, 5_000)]);
    }
    if (this.#tracked.get(workload.tiId) === entry) this.#tracked.delete(workload.tiId);
    if (verdict.kind === 'succeeded') {
      this.#events.emit({ kind: 'finished', workload });
    } else {
      this.#o.onInfo?.('task pod failed', { pod: podName, tiId: workload.tiId, reason: verdict.reason });
      appendLogNote(workload.logPath, `ERROR The task pod ${podName} failed: ${verdict.reason}`);
      this.#events.emit({
        kind: 'exited',
        workload,
        exitCode: verdict.exitCode,
        signal: null,
        timedOut: verdict.timedOut ?? false,
        reason: verdict.reason,
      });
    }
    const policy = this.#o.deletePods;
    const shouldDelete =
      (verdict.kind === 'failed' && verdict.deletePod) ||
      policy === 'always' ||
      (policy === 'on_success' && verdict.kind === 'succeeded');
    if (shouldDelete) await this.#deletePod(podName);
  }

  async #deletePod(name: string): Promise<void> {
    try {
      await this.#api.deleteNamespacedPod({ name, namespace: this.#o.namespace });
    } catch (error) {
      if (apiStatus(error) !== 404) this.#o.onError?.(`could not delete pod ${name}`, error);
    }
  }

  /** Stops watching and streaming; pods keep running, and the next start of this scheduler adopts them. */
  async shutdown(): Promise<void> {
    this.#accepting = false;
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    this.#adoption?.stop();
    this.#watcher.stop();
    this.#logs.stopAll();
  }
}
