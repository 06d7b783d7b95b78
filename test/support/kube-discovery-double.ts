/**
 * A test double of the Kubernetes API server, for what `helm template --dry-run=server` asks of a
 * cluster: discovery (every built-in kind of a Kubernetes version, read from its swagger.json) and
 * GET of the objects the test puts in it (Helm's `lookup`). It stores nothing and accepts no
 * writes. A real API server cannot run on the test machine; this one answers only reads.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { KubeObject } from './kube-schema.js';

interface Resource {
  name: string;
  singularName: string;
  namespaced: boolean;
  kind: string;
  verbs: string[];
}

/** Resources per group/version ("v1", "apps/v1"), from the list paths of swagger.json. */
function discovery(swaggerPath: string): Map<string, Resource[]> {
  const swagger = JSON.parse(readFileSync(swaggerPath, 'utf8')) as {
    paths: Record<string, { get?: { 'x-kubernetes-group-version-kind'?: { kind: string } } }>;
  };
  const out = new Map<string, Resource[]>();
  const pattern = /^\/(?:api\/(v1)|apis\/([^/]+\/[^/]+))\/(namespaces\/\{namespace\}\/)?([a-z]+)$/;
  for (const [path, item] of Object.entries(swagger.paths)) {
    const m = pattern.exec(path);
    const kind = item.get?.['x-kubernetes-group-version-kind']?.kind;
    if (!m || !kind || kind.endsWith('List')) continue;
    const groupVersion = m[1] ?? m[2] ?? '';
    const resources = out.get(groupVersion) ?? [];
    const name = m[4] ?? '';
    if (resources.some((r) => r.name === name)) continue;
    resources.push({
      name,
      singularName: kind.toLowerCase(),
      namespaced: !!m[3],
      kind,
      verbs: ['get', 'list'],
    });
    out.set(groupVersion, resources);
  }
  return out;
}

export interface KubeApiDouble {
  /** a kubeconfig file that points at the double */
  readonly kubeconfig: string;
  close(): Promise<void>;
}

/** Starts the double on a free loopback port, holding `objects` (each with metadata.namespace). */
export async function startKubeApiDouble(
  swaggerPath: string,
  objects: KubeObject[],
  dir: string,
): Promise<KubeApiDouble> {
  const groups = discovery(swaggerPath);
  const plural = new Map([...groups.values()].flat().map((r) => [r.kind, r.name]));
  const byPath = new Map<string, KubeObject>();
  for (const o of objects) {
    const meta = o.metadata as { name: string; namespace: string };
    const base = o.apiVersion === 'v1' ? '/api/v1' : `/apis/${o.apiVersion}`;
    byPath.set(`${base}/namespaces/${meta.namespace}/${plural.get(o.kind ?? '')}/${meta.name}`, o);
  }
  const server: Server = createServer((req, res) => {
    const send = (code: number, body: unknown) => {
      res.writeHead(code, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const path = (req.url ?? '').split('?')[0] ?? '';
    if (req.method !== 'GET') return send(405, { kind: 'Status', apiVersion: 'v1', code: 405 });
    if (path === '/version') return send(200, { major: '1', minor: '33', gitVersion: 'v1.33.0' });
    if (path === '/api')
      return send(200, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] });
    if (path === '/apis') {
      const list = [...groups.keys()].filter((gv) => gv.includes('/'));
      return send(200, {
        kind: 'APIGroupList',
        apiVersion: 'v1',
        groups: [...new Set(list.map((gv) => gv.split('/')[0]))].map((name) => {
          const versions = list
            .filter((gv) => gv.startsWith(`${name}/`))
            .map((gv) => ({ groupVersion: gv, version: gv.split('/')[1] }));
          return { name, versions, preferredVersion: versions[0] };
        }),
      });
    }
    const gv = path === '/api/v1' ? 'v1' : path.replace(/^\/apis\//, '');
    const resources = groups.get(gv);
    if (resources) return send(200, { kind: 'APIResourceList', groupVersion: gv, resources });
    const found = byPath.get(path);
    if (found) return send(200, found);
    return send(404, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404 });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(
    kubeconfig,
    [
      'apiVersion: v1',
      'kind: Config',
      `clusters: [{name: double, cluster: {server: "http://127.0.0.1:${port}"}}]`,
      'users: [{name: double, user: {}}]',
      'contexts: [{name: double, context: {cluster: double, user: double}}]',
      'current-context: double',
    ].join('\n'),
  );
  return {
    kubeconfig,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
