/**
 * Every pod the chart makes, in every way of installing it, meets the restricted Pod Security
 * Standard, has resources, is covered by a NetworkPolicy beyond the default deny, and gets its
 * secrets from Secrets, never as plain values.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureHelm } from '../support/chart-tools.js';
import type { KubeObject } from '../support/kube-schema.js';
import { type Container, plainSecrets, podProblems, secretValuesOf, uncoveredPods } from './pod-policy.js';
import { type PodTemplate, podTemplates, renderChart, SCENARIOS } from './render.js';

let helmPath = '';
beforeAll(() => {
  helmPath = ensureHelm();
}, 600_000);

describe('the policy checks themselves', () => {
  const pod = (container: Container, labels: Record<string, string> = {}): PodTemplate => ({
    owner: 'Deployment/x',
    labels,
    spec: { containers: [container] },
  });

  it('find a root container, a plain password and an uncovered pod', () => {
    expect(podProblems(pod({ name: 'c', securityContext: { runAsUser: 0 } }))).toEqual(
      expect.arrayContaining([
        'Deployment/x/c: runAsNonRoot',
        'Deployment/x/c: readOnlyRootFilesystem',
        'Deployment/x/c: requests.cpu',
      ]),
    );
    expect(plainSecrets(pod({ name: 'c', env: [{ name: 'DB_PASSWORD', value: 'hunter22' }] }), [])).toEqual([
      'Deployment/x/c DB_PASSWORD: plain value',
    ]);
    expect(
      plainSecrets(pod({ name: 'c', env: [{ name: 'X', value: 'a-s3cret-value' }] }), ['s3cret-value']),
    ).toHaveLength(1);
    expect(uncoveredPods([], [pod({ name: 'c' }, { app: 'x' })])).toHaveLength(2);
  });
});

describe.each(SCENARIOS)('every pod of the chart with $name', ({ values }) => {
  let objects: KubeObject[] = [];
  let pods: PodTemplate[] = [];
  beforeAll(() => {
    objects = renderChart(helmPath, values);
    pods = podTemplates(objects);
  });

  it('is restricted (non-root, read-only root, no privilege escalation, no capabilities, seccomp) with resources', () => {
    expect(pods.length).toBeGreaterThan(3);
    expect(pods.flatMap(podProblems)).toEqual([]);
  });

  it('is selected by the default deny and by a policy that allows its flows', () => {
    expect(uncoveredPods(objects, pods)).toEqual([]);
  });

  it('takes its secrets from Secrets, never as plain env values', () => {
    const secrets = secretValuesOf(objects);
    expect(pods.flatMap((p) => plainSecrets(p, secrets))).toEqual([]);
  });

  it('mounts no service account token except the scheduler with the kubernetes executor', () => {
    const withToken = pods.filter((p) => p.spec.automountServiceAccountToken !== false).map((p) => p.owner);
    const k8s = String(values.executor ?? '').includes('kubernetes');
    expect(withToken).toEqual(k8s ? ['StatefulSet/gale-scheduler'] : []);
  });
});
