/**
 * The chart with podTask on the kubernetes container engine (config.containers.engine:
 * kubernetes): a Role with only what the engine calls (create, get and delete pods, read their
 * logs), bound to the accounts of the pods that run tries, a service account token and Kubernetes
 * API egress for exactly those pods and the triggerer, and nothing of it without the setting.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ensureHelm } from '../support/chart-tools.js';
import type { KubeObject } from '../support/kube-schema.js';
import { find, type Manifest, podTemplates, renderChart } from './render.js';

let helmPath: string;

beforeAll(() => {
  helmPath = ensureHelm();
}, 600_000);

const podTasks = { config: { containers: { engine: 'kubernetes' } } };

/** The owners of the pods that mount a service account token (the task pod's template too). */
function withToken(objects: KubeObject[]): string[] {
  return podTemplates(objects)
    .filter((p) => p.spec.automountServiceAccountToken !== false)
    .map((p) => p.owner)
    .sort();
}

/** The components whose network policy lets them reach the Kubernetes API (port 6443). */
function kubeApiEgress(objects: KubeObject[]): string[] {
  return objects
    .filter((o) => o.kind === 'NetworkPolicy')
    .filter((o) =>
      ((o.spec as Manifest).egress ?? []).some((e: Manifest) =>
        (e.ports ?? []).some((p: Manifest) => p.port === 6443),
      ),
    )
    .map((o) => String(o.metadata?.name))
    .sort();
}

describe('podTask on the kubernetes container engine, by executor', () => {
  const cases = [
    {
      executor: 'local',
      token: ['Deployment/gale-scheduler', 'Deployment/gale-triggerer'],
      egress: ['gale-scheduler', 'gale-triggerer'],
      subjects: ['gale'],
    },
    {
      executor: 'queue',
      token: ['Deployment/gale-triggerer', 'Deployment/gale-worker'],
      egress: ['gale-triggerer', 'gale-worker'],
      subjects: ['gale'],
    },
    {
      executor: 'kubernetes',
      token: ['Deployment/gale-triggerer', 'StatefulSet/gale-scheduler', 'task pod'],
      egress: ['gale-scheduler', 'gale-task', 'gale-triggerer'],
      subjects: ['gale', 'gale-task'],
    },
  ];
  it.each(cases)(
    '$executor: a least-privilege Role, and a token and API egress only where tries run',
    ({ executor, token, egress, subjects }) => {
      const objects = renderChart(helmPath, { executor, ...podTasks });
      expect(find(objects, 'Role', 'gale-pod-tasks').rules).toEqual([
        { apiGroups: [''], resources: ['pods'], verbs: ['create', 'get', 'delete'] },
        { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] },
      ]);
      const binding = find(objects, 'RoleBinding', 'gale-pod-tasks') as Manifest;
      expect(binding.subjects.map((s: Manifest) => s.name)).toEqual(subjects);
      expect(withToken(objects)).toEqual(token);
      expect(kubeApiEgress(objects)).toEqual(egress);
      const config = parse(
        (find(objects, 'ConfigMap', 'gale-config').data as Record<string, string>)['gale.yaml'] ?? '',
      );
      expect(config.containers.engine).toBe('kubernetes');
      expect(config.kubernetes).toMatchObject({ namespace: 'orchestration', in_cluster: true });
    },
  );

  it('renders no podTask Role without the setting', () => {
    const objects = renderChart(helmPath, { executor: 'queue' });
    expect(objects.filter((o) => String(o.metadata?.name).includes('pod-tasks'))).toEqual([]);
    expect(withToken(objects)).toEqual([]);
  });
});
