/**
 * Follows the task pods of one scheduler, as an informer does: list them, then watch from the
 * list's resourceVersion. A watch that ends or drops reconnects from the last resourceVersion
 * seen; 410 Gone (the version is too old, as an ERROR event or an HTTP status) lists again. Every
 * list hands over the whole set, so pods deleted while nobody watched are noticed. Never changes
 * a pod: it only reports them.
 */
import type { CoreV1Api, KubeConfig, V1Pod } from '@kubernetes/client-node';
import { Watch } from '@kubernetes/client-node';

export interface PodWatcherOptions {
  kubeConfig: KubeConfig;
  api: CoreV1Api;
  namespace: string;
  labelSelector: string;
  /** a list's pods: all there are now */
  onList(pods: V1Pod[]): void;
  /** a pod added or changed ('ADDED', 'MODIFIED') or gone ('DELETED') */
  onEvent(type: 'ADDED' | 'MODIFIED' | 'DELETED', pod: V1Pod): void;
  onError(message: string, error: unknown): void;
  /** ms before reconnecting after a failed list or watch (doubles up to 10 s) */
  retryMs?: number;
}

const GONE = 410;

function statusCode(error: unknown): number | undefined {
  const e = error as { statusCode?: unknown; code?: unknown } | null;
  if (typeof e?.statusCode === 'number') return e.statusCode;
  return typeof e?.code === 'number' ? e.code : undefined;
}

export class PodWatcher {
  readonly #o: PodWatcherOptions;
  readonly #watch: Watch;
  #resourceVersion: string | null = null;
  #request: AbortController | null = null;
  #timer: NodeJS.Timeout | null = null;
  #stopped = false;
  #failures = 0;

  constructor(options: PodWatcherOptions) {
    this.#o = options;
    this.#watch = new Watch(options.kubeConfig);
  }

  start(): void {
    void this.#list();
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#request?.abort();
    this.#request = null;
  }

  #retry(then: () => Promise<void>): void {
    if (this.#stopped) return;
    this.#failures++;
    const base = this.#o.retryMs ?? 500;
    const delay = Math.min(10_000, base * 2 ** Math.min(this.#failures - 1, 5));
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void then();
    }, delay);
  }

  async #list(): Promise<void> {
    if (this.#stopped) return;
    try {
      const list = await this.#o.api.listNamespacedPod({
        namespace: this.#o.namespace,
        labelSelector: this.#o.labelSelector,
      });
      if (this.#stopped) return;
      this.#resourceVersion = list.metadata?.resourceVersion ?? null;
      this.#o.onList(list.items);
      await this.#watchFrom();
    } catch (error) {
      this.#o.onError('could not list task pods; trying again', error);
      this.#retry(() => this.#list());
    }
  }

  async #watchFrom(): Promise<void> {
    if (this.#stopped) return;
    let gone = false;
    let received = false;
    const path = `/api/v1/namespaces/${encodeURIComponent(this.#o.namespace)}/pods`;
    const query = {
      labelSelector: this.#o.labelSelector,
      allowWatchBookmarks: true,
      ...(this.#resourceVersion ? { resourceVersion: this.#resourceVersion } : {}),
    };
    const onEvent = (type: string, object: unknown) => {
      received = true;
      if (type === 'ERROR') {
        if (statusCode(object) === GONE) gone = true;
        else this.#o.onError('the pod watch reported an error', object);
        return;
      }
      const pod = object as V1Pod;
      const version = pod.metadata?.resourceVersion;
      if (version) this.#resourceVersion = version;
      if (type === 'ADDED' || type === 'MODIFIED' || type === 'DELETED') this.#o.onEvent(type, pod);
    };
    const onDone = (error: unknown) => {
      this.#request = null;
      if (this.#stopped) return;
      if (gone || statusCode(error) === GONE) {
        // Our resourceVersion is too old to resume from: what happened meanwhile comes with a list.
        this.#failures = 0;
        void this.#list();
      } else if (error) {
        this.#o.onError('the pod watch dropped; reconnecting', error);
        this.#retry(() => this.#watchFrom());
      } else {
        // The server ended the watch (its timeout): resume where it left off.
        if (received) this.#failures = 0;
        this.#retry(() => this.#watchFrom());
      }
    };
    try {
      this.#request = await this.#watch.watch(path, query, onEvent, onDone);
      if (this.#stopped) this.#request.abort();
    } catch (error) {
      onDone(error);
    }
  }
}
