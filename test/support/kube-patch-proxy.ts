/**
 * JSON Patch of pod metadata for the Kubernetes API TEST DOUBLE (kube-api-double.ts serves no
 * PATCH): an HTTP proxy in front of the double that applies `test`, `add` and `replace` operations
 * under /metadata to the double's pod, answering 422 when a `test` fails as the real API server
 * does, and passes every other request (lists, watches, logs) through unchanged. It counts the
 * lists of other schedulers' pods (label selector with "!="), so a test can wait for an
 * executor's looks for pods to adopt. Unlike the real API it sends no watch event for a patch:
 * the next change of the pod carries the new labels to the watches that match them.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { KubeApiDouble, PodJson } from './kube-api-double.js';

interface PatchOp {
  op: string;
  path: string;
  value?: unknown;
}

function unescapeToken(token: string): string {
  return token.replace(/~1/g, '/').replace(/~0/g, '~');
}

/** Applies `ops` to a copy of `pod`; null when a test fails or an op is not supported. */
export function applyMetadataPatch(pod: PodJson, ops: PatchOp[]): PodJson | null {
  const copy = structuredClone(pod);
  for (const { op, path, value } of ops) {
    const tokens = path.split('/').slice(1).map(unescapeToken);
    if (tokens[0] !== 'metadata' || tokens.length < 2 || tokens.length > 3) return null;
    const key = tokens.at(-1)!;
    const parent = tokens.length === 2 ? copy.metadata : copy.metadata[tokens[1]!];
    if (parent === undefined || parent === null) return null;
    if (op === 'test') {
      if (JSON.stringify(parent[key]) !== JSON.stringify(value)) return null;
    } else if (op === 'add' || (op === 'replace' && key in parent)) {
      parent[key] = value;
    } else return null;
  }
  return copy;
}

export class KubePatchProxy {
  readonly #double: KubeApiDouble;
  #server: Server | null = null;
  url = '';
  /** lists of other schedulers' pods ("k!=id" selectors: looks for pods to adopt), by the id excluded */
  readonly otherPodLists = new Map<string, number>();

  constructor(double: KubeApiDouble) {
    this.#double = double;
  }

  async start(): Promise<void> {
    this.#server = createServer((req, res) => this.#handle(req, res));
    await new Promise<void>((r) => this.#server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise<void>((r) => (this.#server ? this.#server.close(() => r()) : r()));
  }

  /** Writes the double's kubeconfig, pointing at this proxy; returns its path. */
  writeKubeconfig(path: string): string {
    const config = JSON.parse(readFileSync(this.#double.writeKubeconfig(path), 'utf8'));
    config.clusters[0].cluster.server = this.url;
    writeFileSync(path, JSON.stringify(config));
    return path;
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', this.url);
    const m = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)$/.exec(url.pathname);
    if (req.method === 'PATCH' && m && req.headers.authorization === `Bearer ${this.#double.token}`) {
      let body = '';
      req.on('data', (d: Buffer) => {
        body += d.toString();
      });
      req.on('end', () => this.#patch(m[1]!, m[2]!, JSON.parse(body) as PatchOp[], res));
      return;
    }
    const excluded = /!=([^,]+)/.exec(url.searchParams.get('labelSelector') ?? '')?.[1];
    if (req.method === 'GET' && excluded && url.searchParams.get('watch') !== 'true') {
      this.otherPodLists.set(excluded, (this.otherPodLists.get(excluded) ?? 0) + 1);
    }
    const upstream = request(
      `${this.#double.url}${req.url}`,
      { method: req.method, headers: req.headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  }

  #patch(namespace: string, name: string, ops: PatchOp[], res: ServerResponse): void {
    const send = (code: number, body: PodJson) => {
      res.writeHead(code, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const pod = this.#double.pods.get(name);
    if (!pod || pod.metadata.namespace !== namespace) {
      send(404, { kind: 'Status', code: 404, reason: 'NotFound', message: `pods "${name}" not found` });
      return;
    }
    const patched = applyMetadataPatch(pod, ops);
    if (!patched) {
      send(422, { kind: 'Status', code: 422, reason: 'Invalid', message: 'the JSON patch does not apply' });
      return;
    }
    pod.metadata = patched.metadata;
    send(200, pod);
  }
}
