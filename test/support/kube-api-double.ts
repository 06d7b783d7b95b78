/**
 * Kubernetes API TEST DOUBLE for the kubernetes executor and podTask's kubernetes engine. No
 * real API server runs here, so this HTTP server (node:http) follows the real Kubernetes API for pods closely enough for
 * @kubernetes/client-node: create, read, delete and list pods (with labelSelector), watch=true
 * streaming JSON lines (ADDED, MODIFIED, DELETED, BOOKMARK) from a resourceVersion, 410 Gone for a
 * resourceVersion too old (an ERROR event carrying a Status with code 410), 404/409 as Status
 * objects, bearer token auth, and pods/{name}/log with follow=true. It runs no containers: tests
 * play the kubelet with its controls (set phase and container states, append log lines, evict,
 * expire old resourceVersions, drop open watches; a terminated container's termination message).
 * kube-host-kubelet.ts runs a pod's container for real on this host.
 */
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

// biome-ignore lint/suspicious/noExplicitAny: a pod here is the API's JSON, of any shape
export type PodJson = Record<string, any>;

interface LogLine {
  time: number;
  text: string;
}

interface Watcher {
  res: ServerResponse;
  namespace: string;
  selector: string;
}

interface Follower {
  res: ServerResponse;
  name: string;
  /** timestamps=true: each line after its time, as the API writes it */
  hasTimestamps: boolean;
}

/** A log chunk as the API writes it: with timestamps=true, each line after its time (RFC 3339). */
function logText(line: LogLine, hasTimestamps: boolean): string {
  if (!hasTimestamps) return line.text;
  const stamp = new Date(line.time).toISOString();
  return line.text.replace(/[^\n]*\n|[^\n]+$/g, (l) => `${stamp} ${l}`);
}

function status(code: number, reason: string, message: string): PodJson {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
}

/** Whether labels match a selector of `k=v`, `k==v`, `k!=v` and `k` terms. */
export function matchesSelector(labels: Record<string, string> | undefined, selector: string): boolean {
  for (const term of selector.split(',').filter(Boolean)) {
    const [key, value] = term.split(/!=|==|=/);
    const actual = labels?.[key!.trim()];
    if (term.includes('!=')) {
      if (actual === value) return false;
    } else if (value !== undefined) {
      if (actual !== value) return false;
    } else if (actual === undefined) return false;
  }
  return true;
}

export class KubeApiDouble {
  readonly token = `double-${randomUUID()}`;
  readonly pods = new Map<string, PodJson>();
  /** every pod created, as it was posted (with its metadata), in order */
  readonly created: PodJson[] = [];
  #version = 1;
  /** resourceVersions below this are "too old": a watch from them gets 410 Gone */
  #oldest = 1;
  readonly #history: { rv: number; type: string; pod: PodJson }[] = [];
  readonly #watchers = new Set<Watcher>();
  readonly #followers = new Set<Follower>();
  readonly #logs = new Map<string, LogLine[]>();
  #server: Server | null = null;
  url = '';

  async start(): Promise<void> {
    this.#server = createServer((req, res) => this.#handle(req, res));
    await new Promise<void>((r) => this.#server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.dropWatches();
    for (const f of this.#followers) f.res.destroy();
    await new Promise<void>((r) => (this.#server ? this.#server.close(() => r()) : r()));
  }

  /** Writes a kubeconfig that points at the double (http, bearer token); returns its path. */
  writeKubeconfig(path: string, namespace = 'default'): string {
    writeFileSync(
      path,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'double', cluster: { server: this.url, 'insecure-skip-tls-verify': true } }],
        users: [{ name: 'gale', user: { token: this.token } }],
        contexts: [{ name: 'double', context: { cluster: 'double', user: 'gale', namespace } }],
        'current-context': 'double',
      }),
    );
    return path;
  }

  /** POST requests that created a pod */
  get creations(): number {
    return this.created.length;
  }

  get openWatches(): number {
    return this.#watchers.size;
  }

  // ---- test controls (the kubelet's part) ----

  setRunning(name: string): void {
    this.#update(name, (pod) => {
      const startedAt = new Date().toISOString();
      pod.status = {
        ...pod.status,
        phase: 'Running',
        startTime: pod.status?.startTime ?? startedAt,
        containerStatuses: [this.#containerStatus(pod, { running: { startedAt } })],
      };
    });
  }

  /**
   * The base container ended with `exitCode`: Succeeded for 0, else Failed. `message`: its
   * termination message (what a kubelet copies from the terminationMessagePath file).
   */
  setTerminated(
    name: string,
    exitCode: number,
    reason = exitCode === 0 ? 'Completed' : 'Error',
    message?: string,
  ): void {
    this.#update(name, (pod) => {
      const now = new Date().toISOString();
      pod.status = {
        ...pod.status,
        phase: exitCode === 0 ? 'Succeeded' : 'Failed',
        startTime: pod.status?.startTime ?? now,
        containerStatuses: [
          this.#containerStatus(pod, {
            terminated: {
              exitCode,
              reason,
              startedAt: now,
              finishedAt: now,
              ...(message !== undefined ? { message } : {}),
            },
          }),
        ],
      };
    });
    this.#endFollowers(name);
  }

  /** The base container waits, e.g. ImagePullBackOff. */
  setWaiting(name: string, reason: string, message = ''): void {
    this.#update(name, (pod) => {
      pod.status = {
        ...pod.status,
        phase: 'Pending',
        containerStatuses: [this.#containerStatus(pod, { waiting: { reason, message } })],
      };
    });
  }

  evict(name: string, message = 'The node was low on resource: memory.'): void {
    this.#update(name, (pod) => {
      pod.status = { ...pod.status, phase: 'Failed', reason: 'Evicted', message };
    });
    this.#endFollowers(name);
  }

  appendLog(name: string, text: string): void {
    const lines = this.#logs.get(name) ?? [];
    this.#logs.set(name, lines);
    const line = { time: Date.now(), text };
    lines.push(line);
    for (const f of this.#followers) if (f.name === name) f.res.write(logText(line, f.hasTimestamps));
  }

  /**
   * Ends the log streams that follow the pod while it still runs, as the API does on its own
   * timeouts or when it restarts: a follower must ask again to read on.
   */
  cutLogStreams(name: string): number {
    const cut = [...this.#followers].filter((f) => f.name === name).length;
    this.#endFollowers(name);
    return cut;
  }

  /** How many streams follow the pod's log now. */
  logFollowers(name: string): number {
    return [...this.#followers].filter((f) => f.name === name).length;
  }

  /** Forgets the history: a watch resuming from any version seen before gets 410 Gone. */
  expireHistory(): void {
    this.#oldest = this.#version;
    this.#history.length = 0;
  }

  /** Closes every open watch connection abruptly, as a dropped network would. */
  dropWatches(): void {
    for (const w of this.#watchers) w.res.destroy();
    this.#watchers.clear();
  }

  // ---- the API ----

  #containerStatus(pod: PodJson, state: PodJson): PodJson {
    const base = pod.spec?.containers?.find((c: PodJson) => c.name === 'base');
    return {
      name: 'base',
      image: base?.image ?? '',
      imageID: '',
      ready: !!state.running,
      restartCount: 0,
      state,
    };
  }

  #update(name: string, change: (pod: PodJson) => void): void {
    const pod = this.pods.get(name);
    if (!pod) throw new Error(`the double has no pod ${name}`);
    change(pod);
    this.#record('MODIFIED', pod);
  }

  #record(type: string, pod: PodJson): void {
    this.#version++;
    pod.metadata.resourceVersion = String(this.#version);
    const snapshot = structuredClone(pod);
    this.#history.push({ rv: this.#version, type, pod: snapshot });
    for (const w of this.#watchers) {
      if (w.namespace === pod.metadata.namespace && matchesSelector(pod.metadata.labels, w.selector)) {
        w.res.write(`${JSON.stringify({ type, object: snapshot })}\n`);
      }
    }
  }

  #endFollowers(name: string): void {
    for (const f of [...this.#followers]) {
      if (f.name !== name) continue;
      f.res.end();
      this.#followers.delete(f);
    }
  }

  #send(res: ServerResponse, code: number, body: PodJson): void {
    res.writeHead(code, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    if (req.headers.authorization !== `Bearer ${this.token}`) {
      this.#send(res, 401, status(401, 'Unauthorized', 'Unauthorized'));
      return;
    }
    const url = new URL(req.url ?? '/', this.url);
    const m = /^\/api\/v1\/namespaces\/([^/]+)\/pods(?:\/([^/]+))?(\/log)?$/.exec(url.pathname);
    if (!m) {
      this.#send(res, 404, status(404, 'NotFound', `the double does not serve ${url.pathname}`));
      return;
    }
    const [, namespace, name, log] = m as unknown as [string, string, string | undefined, string | undefined];
    const pod = name ? this.pods.get(name) : undefined;
    if (name && (!pod || pod.metadata.namespace !== namespace)) {
      this.#send(res, 404, status(404, 'NotFound', `pods "${name}" not found`));
    } else if (req.method === 'POST' && !name) {
      let body = '';
      req.on('data', (d: Buffer) => {
        body += d.toString();
      });
      req.on('end', () => this.#create(namespace, JSON.parse(body) as PodJson, res));
    } else if (req.method === 'GET' && log && pod) {
      this.#log(pod, url.searchParams, res);
    } else if (req.method === 'GET' && pod) {
      this.#send(res, 200, pod);
    } else if (req.method === 'DELETE' && pod) {
      this.pods.delete(pod.metadata.name);
      pod.metadata.deletionTimestamp = new Date().toISOString();
      this.#record('DELETED', pod);
      this.#endFollowers(pod.metadata.name);
      this.#send(res, 200, pod);
    } else if (req.method === 'GET' && url.searchParams.get('watch') === 'true') {
      this.#watch(namespace, url.searchParams, res);
    } else if (req.method === 'GET') {
      const selector = url.searchParams.get('labelSelector') ?? '';
      const items = [...this.pods.values()].filter(
        (p) => p.metadata.namespace === namespace && matchesSelector(p.metadata.labels, selector),
      );
      const metadata = { resourceVersion: String(this.#version) };
      this.#send(res, 200, { kind: 'PodList', apiVersion: 'v1', metadata, items });
    } else {
      this.#send(res, 405, status(405, 'MethodNotAllowed', `${req.method} is not allowed`));
    }
  }

  #create(namespace: string, pod: PodJson, res: ServerResponse): void {
    const name = pod.metadata?.name as string | undefined;
    if (!name) {
      this.#send(res, 422, status(422, 'Invalid', 'Pod is invalid: metadata.name: Required value'));
      return;
    }
    if (this.pods.has(name)) {
      this.#send(res, 409, status(409, 'AlreadyExists', `pods "${name}" already exists`));
      return;
    }
    pod.metadata = {
      ...pod.metadata,
      namespace,
      uid: randomUUID(),
      creationTimestamp: new Date().toISOString(),
    };
    pod.status = { phase: 'Pending' };
    this.pods.set(name, pod);
    this.created.push(structuredClone(pod));
    this.#record('ADDED', pod);
    this.#send(res, 201, pod);
  }

  #watch(namespace: string, params: URLSearchParams, res: ServerResponse): void {
    const selector = params.get('labelSelector') ?? '';
    const from = params.get('resourceVersion');
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    res.flushHeaders();
    const send = (type: string, object: PodJson) => res.write(`${JSON.stringify({ type, object })}\n`);
    if (from && Number(from) < this.#oldest) {
      send('ERROR', status(410, 'Expired', `too old resource version: ${from} (${this.#oldest})`));
      res.end();
      return;
    }
    const matches = (p: PodJson) =>
      p.metadata.namespace === namespace && matchesSelector(p.metadata.labels, selector);
    if (from) {
      for (const e of this.#history) if (e.rv > Number(from) && matches(e.pod)) send(e.type, e.pod);
    } else {
      for (const p of this.pods.values()) if (matches(p)) send('ADDED', p);
    }
    if (params.get('allowWatchBookmarks') === 'true') {
      send('BOOKMARK', {
        kind: 'Pod',
        apiVersion: 'v1',
        metadata: { resourceVersion: String(this.#version) },
      });
    }
    const watcher: Watcher = { res, namespace, selector };
    this.#watchers.add(watcher);
    res.on('close', () => this.#watchers.delete(watcher));
  }

  #log(pod: PodJson, params: URLSearchParams, res: ServerResponse): void {
    const state = pod.status?.containerStatuses?.find((c: PodJson) => c.name === 'base')?.state;
    if (!state?.running && !state?.terminated) {
      const message = `container "base" in pod "${pod.metadata.name}" is waiting to start`;
      this.#send(res, 400, status(400, 'BadRequest', message));
      return;
    }
    const since = params.get('sinceTime') ? Date.parse(params.get('sinceTime')!) : 0;
    const hasTimestamps = params.get('timestamps') === 'true';
    res.writeHead(200, { 'content-type': 'text/plain' });
    for (const line of this.#logs.get(pod.metadata.name) ?? [])
      if (line.time >= since) res.write(logText(line, hasTimestamps));
    const hasEnded = state.terminated || ['Succeeded', 'Failed'].includes(pod.status?.phase);
    if (params.get('follow') !== 'true' || hasEnded) {
      res.end();
      return;
    }
    res.flushHeaders();
    const follower: Follower = { res, name: pod.metadata.name, hasTimestamps };
    this.#followers.add(follower);
    res.on('close', () => this.#followers.delete(follower));
  }
}
