/**
 * Every object the chart renders, for every installation in the matrix, is accepted by a REAL
 * Kubernetes API server (kube-apiserver v1.33 built from source with etcd, test/support/
 * kube-apiserver.ts) in a server-side dry run with strict field validation, in a namespace that
 * enforces the `restricted` Pod Security Standard, without a single warning (PodSecurity admission
 * warns about a workload whose pod template breaks `restricted`). Custom resources (KEDA, the
 * Prometheus operator) have no definitions in a bare API server: they are left to the shape checks
 * of chart-render.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureHelm } from '../support/chart-tools.js';
import { type KubeApiServer, startKubeApiServer } from '../support/kube-apiserver.js';
import { crdShapes, type KubeObject } from '../support/kube-schema.js';
import { NAMESPACE, renderChart, SCENARIOS } from './render.js';

interface ApiResource {
  /** the URL path of the collection, with {ns} for a namespaced one */
  path: string;
  namespaced: boolean;
}

let helmPath = '';
let api: KubeApiServer;
const resources = new Map<string, ApiResource>();

/** Finds each kind's collection through the API server's discovery, as kubectl does. */
async function resourceOf(object: KubeObject): Promise<ApiResource> {
  const apiVersion = object.apiVersion ?? '';
  const key = `${apiVersion}/${object.kind}`;
  const known = resources.get(key);
  if (known) return known;
  const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  const discovery = await api.request(base);
  expect(discovery.status, `discovery of ${base}`).toBe(200);
  for (const r of discovery.body.resources as { name: string; kind: string; namespaced: boolean }[]) {
    if (r.name.includes('/')) continue;
    resources.set(`${apiVersion}/${r.kind}`, {
      path: r.namespaced ? `${base}/namespaces/{ns}/${r.name}` : `${base}/${r.name}`,
      namespaced: r.namespaced,
    });
  }
  const found = resources.get(key);
  if (!found) throw new Error(`the API server serves no ${key}`);
  return found;
}

beforeAll(async () => {
  helmPath = ensureHelm();
  // The first run on a machine builds kube-apiserver and etcd from source: minutes.
  api = await startKubeApiServer();
  const created = await api.request('/api/v1/namespaces', {
    method: 'POST',
    body: {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name: NAMESPACE,
        labels: {
          'pod-security.kubernetes.io/enforce': 'restricted',
          'pod-security.kubernetes.io/warn': 'restricted',
        },
      },
    },
  });
  expect(created.status).toBe(201);
}, 3_600_000);

afterAll(async () => {
  await api?.stop();
});

describe('the chart against a real Kubernetes API server (server-side dry run)', () => {
  it('refuses what it must: the check itself can fail', async () => {
    const unrestricted = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'probe', namespace: NAMESPACE },
      spec: {
        selector: { matchLabels: { app: 'probe' } },
        template: {
          metadata: { labels: { app: 'probe' } },
          spec: { containers: [{ name: 'c', image: 'i' }] },
        },
      },
    };
    const path = '/apis/apps/v1/namespaces/orchestration/deployments?dryRun=All&fieldValidation=Strict';
    const warned = await api.request(path, { method: 'POST', body: unrestricted });
    expect(warned.status, JSON.stringify(warned.body)).toBe(201);
    expect(warned.warnings.join(' ')).toContain('restricted');
    const typo = await api.request(path, {
      method: 'POST',
      body: { ...unrestricted, spec: { ...unrestricted.spec, replica: 2 } },
    });
    expect(typo.status).toBe(400);
    expect(JSON.stringify(typo.body)).toContain('replica');
  });

  for (const scenario of SCENARIOS) {
    it(`accepts every object of: ${scenario.name}`, async () => {
      const objects = renderChart(helmPath, scenario.values);
      const problems: string[] = [];
      let checked = 0;
      for (const object of objects) {
        if (crdShapes[`${object.apiVersion}/${object.kind}`]) continue;
        const resource = await resourceOf(object);
        const namespace = object.metadata?.namespace ?? NAMESPACE;
        const path = resource.path.replace('{ns}', namespace);
        const r = await api.request(`${path}?dryRun=All&fieldValidation=Strict`, {
          method: 'POST',
          body: object,
        });
        const name = `${object.kind}/${object.metadata?.name}`;
        if (r.status !== 201 && r.status !== 200)
          problems.push(`${name}: ${r.status} ${r.body?.message ?? ''}`);
        for (const w of r.warnings) problems.push(`${name}: warning ${w}`);
        checked++;
      }
      expect(problems).toEqual([]);
      expect(checked).toBeGreaterThan(5);
    });
  }
});
