/**
 * The ContainerEngine interface: what runs a container task's container, whatever the engine
 * (docker: Docker's API, served by Docker or podman; kubernetes: a pod per try). A container is found by its ref, never by an id kept in memory, so the
 * task process that started it, a resumed try and the triggerer all reach the same container.
 * An engine never decides a try's state: it reports, the runner decides.
 */
import type { ContainerExit, ContainerTaskSpec } from '../models/index.js';

/** A container (or a pod) by name; the namespace is for engines that have them (Kubernetes). */
export interface ContainerRef {
  name: string;
  namespace: string | null;
}

/**
 * A container to run: a container task's spec with its templates rendered, named for its try.
 * `outputFile` is there for engines that must know it up front (kubernetes: the termination message).
 */
export type ContainerSpec = Omit<
  ContainerTaskSpec,
  'getLogs' | 'deferrable' | 'pollIntervalMs' | 'onFinish' | 'namespace'
> & { ref: ContainerRef };

/** kubernetes: how to reach the API (the `kubernetes` section's), where pods go, how long they may be Pending. */
export interface KubeEngineSettings {
  inCluster: boolean;
  configFile: string;
  context: string;
  /** of pods whose task names no namespace */
  namespace: string;
  pendingTimeoutMs: number;
}

/** Where a container is: still running, or exited and how. */
export type ContainerState = { running: true } | { running: false; exit: ContainerExit };

export type LogLine = (line: string, stream: 'stdout' | 'stderr') => void;

export interface ContainerEngine {
  /** containers.engine */
  readonly kind: string;
  /** The fields `spec` sets that this engine cannot honour and ignores (to say so in the log). */
  ignoredFields(spec: ContainerSpec): string[];
  /** Makes the image present as its pull policy says; throws GALE_ERR_CONTAINER_ENGINE when it cannot. */
  ensureImage(
    image: string,
    policy: ContainerSpec['imagePullPolicy'],
    log: (line: string) => void,
  ): Promise<void>;
  /** Creates and starts the container; throws GALE_ERR_CONTAINER_UNSUPPORTED for what the engine cannot run. */
  start(spec: ContainerSpec): Promise<void>;
  /**
   * The container's state; null when there is no such container. Throws GALE_ERR_CONTAINER_FAILED
   * when it ended, or never will start, without an exit code (kubernetes: a pod in ErrImagePull,
   * evicted, Pending too long).
   */
  inspect(ref: ContainerRef): Promise<ContainerState | null>;
  /**
   * Calls `onLine` for each line the container writes, from its start; with `follow`, as they come
   * until the container exits (or `signal` aborts). Resolves when the output ends.
   */
  logs(ref: ContainerRef, onLine: LogLine, options: { follow: boolean; signal?: AbortSignal }): Promise<void>;
  /** Resolves with how the container exited, once it has; rejects with the abort when `signal` aborts. */
  wait(ref: ContainerRef, signal?: AbortSignal): Promise<ContainerExit>;
  /** A file's content from the (running or exited) container; null when it does not exist. */
  readFile(ref: ContainerRef, path: string): Promise<Buffer | null>;
  /** Stops the container: SIGTERM, then SIGKILL after `graceMs`. A container already gone is fine. */
  stop(ref: ContainerRef, graceMs: number): Promise<void>;
  /** Removes the container (and what the engine made for it). A container already gone is fine. */
  remove(ref: ContainerRef): Promise<void>;
}
