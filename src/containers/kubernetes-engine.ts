/**
 * The kubernetes engine: a container task's container as a pod (Airflow's KubernetesPodOperator),
 * through the Kubernetes API with @kubernetes/client-node, reached as the kubernetes executor
 * reaches it (kubernetes.in_cluster, config_file, context). The pod is named for its try, so any
 * process (the task process, a resumed try, the triggerer) finds it. Its status is read as the
 * executor reads a task pod's (exit code and reason, OOMKilled, ImagePullBackOff, Evicted, Pending
 * too long); its output comes back as the container's termination message, so no exec rights are
 * needed. It never throws a raw API error: GALE_ERR_CONTAINER_ENGINE says what to check.
 */
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiException, CoreV1Api, type KubeConfig, Log, type V1Pod } from '@kubernetes/client-node';
import { BASE_CONTAINER, LogPosition, loadKubeConfig, podVerdict } from '../executors/kubernetes/index.js';
import { type ContainerExit, GaleError } from '../models/index.js';
import type {
  ContainerEngine,
  ContainerRef,
  ContainerSpec,
  ContainerState,
  KubeEngineSettings,
  LogLine,
} from './engine.js';
import { containerPod, OUTPUT_LIMIT_BYTES } from './kubernetes-pod-spec.js';
import { LineSplitter } from './log-lines.js';

/** How often a waiting process reads the pod (Airflow's KubernetesPodOperator polls every 2 s). */
const POLL_MS = 1_000;
/** How long a follow the API ended waits before it looks at the container and follows again. */
const RESUME_FOLLOW_MS = 1_000;

function statusOf(error: unknown): number | undefined {
  return error instanceof ApiException ? error.code : undefined;
}

/** The API's own message (a Status object's), else the error's. */
function messageOf(error: unknown): string {
  if (error instanceof ApiException) {
    const body = typeof error.body === 'string' ? safeJson(error.body) : error.body;
    const message = (body as { message?: unknown } | null)?.message;
    return `${error.code} ${typeof message === 'string' ? message : 'error'}`;
  }
  return error instanceof Error ? error.message : String(error);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return { message: text };
  }
}

function baseStatus(pod: V1Pod) {
  return pod.status?.containerStatuses?.find((s) => s.name === BASE_CONTAINER);
}

function podFailed(ref: ContainerRef, namespace: string, reason: string): GaleError {
  const pull = /ErrImagePull|ImagePullBackOff|InvalidImageName/.test(reason);
  return new GaleError(
    'GALE_ERR_CONTAINER_FAILED',
    `Pod ${ref.name} (namespace ${namespace}) did not run its container to an exit: ${reason}`,
    {
      hint: pull
        ? 'Check the image name and tag, and that the cluster can pull it (imagePullSecrets for a private registry).'
        : `\`kubectl -n ${namespace} describe pod ${ref.name}\` shows why (its events); kubernetes.pending_timeout bounds how long a pod may stay Pending.`,
    },
  );
}

export class KubernetesEngine implements ContainerEngine {
  readonly kind = 'kubernetes';
  readonly #api: CoreV1Api;
  readonly #log: Log;
  readonly #settings: KubeEngineSettings;
  readonly #where: string;

  constructor(kubeConfig: KubeConfig, settings: KubeEngineSettings) {
    this.#api = kubeConfig.makeApiClient(CoreV1Api);
    this.#log = new Log(kubeConfig);
    this.#settings = settings;
    this.#where = kubeConfig.getCurrentCluster()?.server ?? 'the Kubernetes API';
  }

  /** The engine of the settings; throws GALE_ERR_CONFIG_INVALID naming the setting when they do not load. */
  static connect(settings: KubeEngineSettings): KubernetesEngine {
    const kc = loadKubeConfig({
      in_cluster: settings.inCluster,
      config_file: settings.configFile,
      context: settings.context,
    });
    return new KubernetesEngine(kc, settings);
  }

  #ns(ref: ContainerRef): string {
    return ref.namespace ?? this.#settings.namespace;
  }

  #fail(what: string, error: unknown): GaleError {
    if (error instanceof GaleError) return error;
    const status = statusOf(error);
    const hint =
      status === 401 || status === 403
        ? 'Give the service account (or kubeconfig user) of the task processes and the triggerer the right to create, get and delete pods and get pods/log in the namespace (the gale-pod-tasks Role of the Helm chart).'
        : status === undefined
          ? 'Check that the API server is reachable: kubernetes.in_cluster, or kubernetes.config_file and kubernetes.context.'
          : "See the API server's message; `kubectl` shows the same pods.";
    return new GaleError(
      'GALE_ERR_CONTAINER_ENGINE',
      `Kubernetes API at ${this.#where}: ${what}: ${messageOf(error)}`,
      {
        hint,
        cause: error,
      },
    );
  }

  /** Every field of a container spec is Kubernetes': none is ignored. */
  ignoredFields(_spec: ContainerSpec): string[] {
    return [];
  }

  /** The kubelet pulls the image as the pod's imagePullPolicy says. */
  async ensureImage(): Promise<void> {}

  async start(spec: ContainerSpec): Promise<void> {
    const namespace = this.#ns(spec.ref);
    try {
      await this.#api.createNamespacedPod({ namespace, body: containerPod(spec, namespace) });
    } catch (error) {
      throw this.#fail(`create pod ${spec.ref.name} in namespace ${namespace}`, error);
    }
  }

  async #read(ref: ContainerRef): Promise<V1Pod | null> {
    try {
      return await this.#api.readNamespacedPod({ name: ref.name, namespace: this.#ns(ref) });
    } catch (error) {
      if (statusOf(error) === 404) return null;
      throw this.#fail(`read pod ${ref.name}`, error);
    }
  }

  /** Throws GALE_ERR_CONTAINER_FAILED for a pod that ended (or cannot start) without an exit code. */
  #stateOf(ref: ContainerRef, pod: V1Pod): ContainerState {
    const verdict = podVerdict(pod, Date.now(), this.#settings.pendingTimeoutMs);
    if (verdict.kind === 'pending' || verdict.kind === 'running') return { running: true };
    const terminated = baseStatus(pod)?.state?.terminated;
    if (terminated) {
      const reason = terminated.reason ?? (terminated.exitCode === 0 ? 'Completed' : 'Error');
      const exit: ContainerExit = {
        exitCode: terminated.exitCode,
        reason,
        oomKilled: reason === 'OOMKilled',
      };
      return { running: false, exit };
    }
    if (verdict.kind === 'succeeded')
      return { running: false, exit: { exitCode: 0, reason: 'Completed', oomKilled: false } };
    throw podFailed(ref, this.#ns(ref), verdict.reason);
  }

  /** Whether a pod whose container has not started yet may still start it (wait() reports why not). */
  #isStarting(ref: ContainerRef, pod: V1Pod): boolean {
    try {
      return this.#stateOf(ref, pod).running;
    } catch {
      return false;
    }
  }

  async inspect(ref: ContainerRef): Promise<ContainerState | null> {
    const pod = await this.#read(ref);
    return pod ? this.#stateOf(ref, pod) : null;
  }

  /** Waits until the container has started (so it has a log); false when it never will. */
  async #started(ref: ContainerRef, signal: AbortSignal | undefined): Promise<boolean> {
    for (;;) {
      if (signal?.aborted) return false;
      const pod = await this.#read(ref);
      if (!pod) return false;
      const state = baseStatus(pod)?.state;
      if (state?.running || state?.terminated) return true;
      if (!this.#isStarting(ref, pod)) return false;
      await sleep(POLL_MS / 4, undefined, signal ? { signal } : {}).catch(() => undefined);
    }
  }

  async logs(ref: ContainerRef, onLine: LogLine, options: { follow: boolean; signal?: AbortSignal }) {
    const { signal } = options;
    if (!(await this.#started(ref, signal))) return;
    // Lines come with the API's timestamps: a follow the API ends before the container does (its
    // streaming timeouts, a restarted API server) goes on from the last line, none twice.
    const position = new LogPosition();
    for (;;) {
      const sinceTime = position.hasLines ? position.resume() : undefined;
      await this.#stream(ref, onLine, position, { follow: options.follow, signal, sinceTime });
      if (!options.follow || signal?.aborted) return;
      await sleep(RESUME_FOLLOW_MS, undefined, signal ? { signal } : {}).catch(() => undefined);
      if (signal?.aborted) return;
      const state = await this.inspect(ref).catch(() => null);
      if (!state?.running) return;
    }
  }

  async #stream(
    ref: ContainerRef,
    onLine: LogLine,
    position: LogPosition,
    options: { follow: boolean; signal?: AbortSignal; sinceTime?: string },
  ): Promise<void> {
    const { signal } = options;
    const lines = new LineSplitter((line) => {
      const text = position.take(line);
      if (text !== null) onLine(text, 'stdout');
    });
    const sink = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        lines.push(chunk);
        callback();
      },
    });
    let onAbort = () => {};
    const ended = new Promise<void>((resolve) => {
      sink.once('finish', resolve);
      sink.once('close', resolve);
      onAbort = resolve;
    });
    try {
      const controller = await this.#log.log(this.#ns(ref), ref.name, BASE_CONTAINER, sink, {
        follow: options.follow,
        timestamps: true,
        ...(options.sinceTime ? { sinceTime: options.sinceTime } : {}),
      });
      const abort = () => {
        controller.abort();
        onAbort();
      };
      if (signal?.aborted) abort();
      signal?.addEventListener('abort', abort, { once: true });
      await ended;
      signal?.removeEventListener('abort', abort);
    } catch (error) {
      if (signal?.aborted) return;
      throw this.#fail(`read the log of pod ${ref.name}`, error);
    } finally {
      lines.flush();
    }
  }

  async wait(ref: ContainerRef, signal?: AbortSignal): Promise<ContainerExit> {
    for (;;) {
      signal?.throwIfAborted();
      const state = await this.inspect(ref);
      if (state === null) throw this.#fail(`wait for pod ${ref.name}`, new Error('it was deleted'));
      if (!state.running) return state.exit;
      try {
        await sleep(POLL_MS, undefined, signal ? { signal } : {});
      } catch (error) {
        if (signal?.aborted) throw signal.reason;
        throw error;
      }
    }
  }

  /**
   * The output file, as the kubelet copied it into the container's termination message (only the
   * file that start() named as terminationMessagePath, and only its last 4096 bytes); null when
   * the container wrote none. Output that is not JSON (or was cut by that limit) fails with
   * GALE_ERR_CONTAINER_OUTPUT naming the limit.
   */
  async readFile(ref: ContainerRef, path: string): Promise<Buffer | null> {
    const pod = await this.#read(ref);
    const base = pod?.spec?.containers.find((c) => c.name === BASE_CONTAINER);
    if (!pod || base?.terminationMessagePath !== path) return null;
    const message = baseStatus(pod)?.state?.terminated?.message ?? '';
    if (message === '') return null;
    const content = Buffer.from(message, 'utf8');
    if (!isJson(message)) {
      const cut = content.length >= OUTPUT_LIMIT_BYTES;
      throw new GaleError(
        'GALE_ERR_CONTAINER_OUTPUT',
        cut
          ? `Pod ${ref.name} wrote ${path} of ${OUTPUT_LIMIT_BYTES} bytes or more: Kubernetes kept only its last 4 KiB, which is not JSON`
          : `Pod ${ref.name} wrote ${path}, which is not JSON`,
        {
          hint: `On the kubernetes engine the output file comes back as the container's termination message, at most 4 KiB (${OUTPUT_LIMIT_BYTES} bytes): write one small JSON value (where the data is, not the data itself).`,
        },
      );
    }
    return content;
  }

  async #delete(ref: ContainerRef, graceMs: number | null): Promise<void> {
    try {
      await this.#api.deleteNamespacedPod({
        name: ref.name,
        namespace: this.#ns(ref),
        ...(graceMs === null ? {} : { gracePeriodSeconds: Math.max(1, Math.ceil(graceMs / 1000)) }),
      });
    } catch (error) {
      if (statusOf(error) === 404) return;
      throw this.#fail(`delete pod ${ref.name}`, error);
    }
  }

  /** Deletes the pod with `graceMs` as its grace period (SIGTERM, then SIGKILL): a pod cannot stop and stay. */
  stop(ref: ContainerRef, graceMs: number): Promise<void> {
    return this.#delete(ref, graceMs);
  }

  remove(ref: ContainerRef): Promise<void> {
    return this.#delete(ref, null);
  }
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
