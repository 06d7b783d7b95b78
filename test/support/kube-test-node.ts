/**
 * A node for the REAL Kubernetes API server of the tests (kube-apiserver.ts), which runs no
 * scheduler and no kubelet. It registers a Node, and then does what kube-scheduler and a kubelet
 * would, through the API only: binds each new pod of its namespace to itself (pods/binding), runs
 * the pod's "base" container on this host as the built `gale` CLI with the container's args and
 * env only, and reports it in pods/status (Running, then Succeeded or Failed with the exit code).
 * Like a kubelet it serves /containerLogs over HTTPS, so `pods/{name}/log?follow=true` reaches the
 * container's output through the API server, as it does in a cluster.
 *
 * A container with a `command` (a podTask's) runs that command with its args instead (the image
 * is not used), and its terminationMessagePath file (a path on this host here) becomes its
 * termination message, cut to the last 4096 bytes as a kubelet does.
 *
 * Only the parts of a kubelet a Gale test needs: no images, no volumes, no probes, no restarts.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, FAST_ENV } from './gale-home.js';
import type { KubeApiServer } from './kube-apiserver.js';

// biome-ignore lint/suspicious/noExplicitAny: a pod here is the API's JSON, of any shape
type PodJson = Record<string, any>;

const NODE_NAME = 'gale-test-node';
const MERGE = 'application/merge-patch+json';

interface ContainerRun {
  output: Buffer[];
  followers: Set<ServerResponse>;
  done: boolean;
}

export class TestNode {
  readonly #api: KubeApiServer;
  readonly #namespace: string;
  readonly #extraEnv: NodeJS.ProcessEnv;
  readonly #runs = new Map<string, ContainerRun>();
  readonly #children = new Set<ChildProcess>();
  readonly #dir = mkdtempSync(join(tmpdir(), 'gale-test-node-'));
  #server: Server | null = null;
  #timer: NodeJS.Timeout | null = null;
  #polling = false;
  /** names of the pods it ran */
  readonly ran = new Set<string>();

  /** `extraEnv`: what a pod template would add (test settings, never database ones). */
  constructor(api: KubeApiServer, namespace: string, extraEnv: NodeJS.ProcessEnv = {}) {
    this.#api = api;
    this.#namespace = namespace;
    this.#extraEnv = extraEnv;
  }

  /** Registers the node, serves container logs, and starts taking the namespace's new pods. */
  async start(): Promise<void> {
    const key = join(this.#dir, 'key.pem');
    const cert = join(this.#dir, 'cert.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-subj',
        '/CN=127.0.0.1',
        '-days',
        '1',
        '-keyout',
        key,
        '-out',
        cert,
      ],
      { stdio: 'ignore' },
    );
    this.#server = createServer({ key: readFileSync(key), cert: readFileSync(cert) }, (req, res) => {
      const url = new URL(req.url ?? '/', 'https://node');
      const match = /^\/containerLogs\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(url.pathname);
      const run = match ? this.#runs.get(match[2] ?? '') : undefined;
      if (!run) {
        res.writeHead(404).end('no such container');
        return;
      }
      res.writeHead(200, { 'content-type': 'text/plain' });
      for (const chunk of run.output) res.write(chunk);
      if (url.searchParams.get('follow') !== 'true' || run.done) {
        res.end();
        return;
      }
      run.followers.add(res);
      res.on('close', () => run.followers.delete(res));
    });
    await new Promise<void>((resolve) => this.#server?.listen(0, '127.0.0.1', resolve));
    const port = (this.#server.address() as AddressInfo).port;
    await this.#expect(
      this.#api.request('/api/v1/nodes', {
        method: 'POST',
        body: { apiVersion: 'v1', kind: 'Node', metadata: { name: NODE_NAME } },
      }),
      [201, 409],
    );
    await this.#expect(
      this.#api.request(`/api/v1/nodes/${NODE_NAME}/status`, {
        method: 'PATCH',
        contentType: MERGE,
        body: {
          status: {
            addresses: [{ type: 'InternalIP', address: '127.0.0.1' }],
            daemonEndpoints: { kubeletEndpoint: { Port: port } },
            conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'test node' }],
          },
        },
      }),
      [200],
    );
    this.#timer = setInterval(() => void this.#poll(), 100);
  }

  async #expect(response: Promise<{ status: number; body: unknown }>, statuses: number[]) {
    const r = await response;
    if (!statuses.includes(r.status)) throw new Error(`API answered ${r.status}: ${JSON.stringify(r.body)}`);
    return r;
  }

  async #poll(): Promise<void> {
    if (this.#polling) return;
    this.#polling = true;
    try {
      const list = await this.#api.request(`/api/v1/namespaces/${this.#namespace}/pods`);
      for (const pod of (list.body?.items ?? []) as PodJson[]) {
        if (!pod.spec.nodeName && !this.ran.has(pod.metadata.name)) await this.#take(pod);
      }
    } catch {
      // the API server is stopping with the test; the next poll tells
    } finally {
      this.#polling = false;
    }
  }

  #podPath(name: string): string {
    return `/api/v1/namespaces/${this.#namespace}/pods/${name}`;
  }

  async #setStatus(name: string, status: PodJson): Promise<void> {
    await this.#api.request(`${this.#podPath(name)}/status`, {
      method: 'PATCH',
      contentType: MERGE,
      body: { status },
    });
  }

  /** Binds the pod to this node and runs its "base" container on this host. */
  async #take(pod: PodJson): Promise<void> {
    const name = pod.metadata.name as string;
    this.ran.add(name);
    await this.#expect(
      this.#api.request(`${this.#podPath(name)}/binding`, {
        method: 'POST',
        body: {
          apiVersion: 'v1',
          kind: 'Binding',
          metadata: { name },
          target: { apiVersion: 'v1', kind: 'Node', name: NODE_NAME },
        },
      }),
      [201],
    );
    const base = (pod.spec.containers as PodJson[]).find((c) => c.name === 'base');
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      GALE_HOME: mkdtempSync(join(this.#dir, 'home-')),
      ...FAST_ENV,
      ...this.#extraEnv,
    };
    for (const e of (base?.env ?? []) as { name: string; value?: string }[]) env[e.name] = e.value ?? '';
    const run: ContainerRun = { output: [], followers: new Set(), done: false };
    this.#runs.set(name, run);
    const startedAt = new Date().toISOString();
    const container = (state: PodJson) => ({
      name: 'base',
      image: base?.image ?? '',
      imageID: '',
      containerID: `test://${name}`,
      ready: state.running !== undefined,
      restartCount: 0,
      state,
    });
    await this.#setStatus(name, {
      phase: 'Running',
      startTime: startedAt,
      hostIP: '127.0.0.1',
      podIP: '127.0.0.1',
      containerStatuses: [container({ running: { startedAt } })],
    });
    const command = (base?.command ?? []) as string[];
    const args = (base?.args ?? []) as string[];
    const child =
      command.length > 0
        ? spawn(command[0]!, [...command.slice(1), ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] })
        : spawn(process.execPath, [CLI, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.#children.add(child);
    const relay = (d: Buffer) => {
      run.output.push(d);
      for (const f of run.followers) f.write(d);
    };
    child.stdout?.on('data', relay);
    child.stderr?.on('data', relay);
    child.once('close', (code) => {
      this.#children.delete(child);
      run.done = true;
      for (const f of run.followers) f.end();
      const exitCode = code ?? 137;
      const messagePath = base?.terminationMessagePath as string | undefined;
      const message =
        messagePath && existsSync(messagePath)
          ? readFileSync(messagePath).subarray(-4096).toString('utf8')
          : undefined;
      void this.#setStatus(name, {
        phase: exitCode === 0 ? 'Succeeded' : 'Failed',
        containerStatuses: [
          container({
            terminated: {
              exitCode,
              reason: exitCode === 0 ? 'Completed' : 'Error',
              ...(message !== undefined ? { message } : {}),
              startedAt,
              finishedAt: new Date().toISOString(),
            },
          }),
        ],
      }).catch(() => undefined);
    });
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    for (const child of this.#children) child.kill('SIGKILL');
    for (const run of this.#runs.values()) for (const f of run.followers) f.end();
    await new Promise<void>((resolve) => {
      if (!this.#server) resolve();
      else this.#server.close(() => resolve());
      this.#server?.closeAllConnections();
    });
    rmSync(this.#dir, { recursive: true, force: true });
  }
}

/** Creates a namespace on the API server (the test's own, so its pods are the test node's). */
export async function createNamespace(api: KubeApiServer, name: string): Promise<void> {
  const r = await api.request('/api/v1/namespaces', {
    method: 'POST',
    body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name } },
  });
  if (r.status !== 201)
    throw new Error(`could not create namespace ${name}: ${r.status} ${JSON.stringify(r.body)}`);
}
