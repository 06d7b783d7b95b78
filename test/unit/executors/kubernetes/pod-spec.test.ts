import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { TaskWorkload } from '../../../../src/executors/index.js';
import {
  ACTIVE_DEADLINE_MARGIN_SECONDS,
  buildPod,
  loadPodTemplate,
} from '../../../../src/executors/kubernetes/index.js';
import type { PodOverride } from '../../../../src/models/index.js';

const workload: TaskWorkload = {
  tiId: 'ti-1',
  dagId: 'etl',
  runId: 'manual__1',
  taskId: 'load',
  mapIndex: -1,
  tryNumber: 1,
  token: 'tok',
  fileloc: '/dags/etl.ts',
  queue: 'default',
  executionTimeoutMs: null,
  logPath: '/logs/x.log',
  freshProcess: false,
};

const ctx = {
  namespace: 'jobs',
  image: 'gale:0.1.0',
  schedulerId: 'sched-1',
  executionApiUrl: 'http://gale-api:8080',
  apiToken: 'api-token',
};

const template: V1Pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {
    name: 'ignored',
    labels: { team: 'data', 'gale.dev/dag-id': 'spoof' },
    annotations: { a: '1' },
  },
  spec: {
    serviceAccountName: 'gale-task',
    restartPolicy: 'Always',
    nodeSelector: { pool: 'general' },
    tolerations: [{ key: 'batch', operator: 'Exists' }],
    volumes: [{ name: 'dags', emptyDir: {} }],
    imagePullSecrets: [{ name: 'registry' }],
    containers: [
      {
        name: 'base',
        image: 'template-image:1',
        command: ['tini', '--', 'gale'],
        env: [
          { name: 'GALE__LOGGING__LEVEL', value: 'debug' },
          { name: 'GALE_TASK_WORKLOAD', value: 'spoofed' },
        ],
        resources: { requests: { cpu: '100m', memory: '256Mi' } },
        volumeMounts: [{ name: 'dags', mountPath: '/opt/gale/dags' }],
      },
      { name: 'sidecar', image: 'proxy:1' },
    ],
  },
};

function envOf(pod: V1Pod): Record<string, string | undefined> {
  const base = pod.spec?.containers.find((c) => c.name === 'base');
  return Object.fromEntries((base?.env ?? []).map((e) => [e.name, e.value]));
}

const base = (pod: V1Pod) => pod.spec!.containers.find((c) => c.name === 'base')!;

describe('buildPod', () => {
  it('without a template: one "base" container running `gale tasks run-workload`, no database settings', () => {
    const pod = buildPod(null, workload, ctx);
    expect(pod.metadata?.namespace).toBe('jobs');
    expect(pod.spec?.restartPolicy).toBe('Never');
    expect(pod.spec?.containers.map((c) => c.name)).toEqual(['base']);
    expect(base(pod).image).toBe('gale:0.1.0');
    expect(base(pod).args).toEqual(['tasks', 'run-workload']);
    const env = envOf(pod);
    expect(JSON.parse(env.GALE_TASK_WORKLOAD!)).toEqual(workload);
    expect(env.GALE_EXECUTION_API_URL).toBe('http://gale-api:8080');
    expect(env.GALE_EXECUTION_API_TOKEN).toBe('api-token');
    expect(Object.keys(env).filter((k) => k.startsWith('GALE__DATABASE'))).toEqual([]);
  });

  type Case = [string, PodOverride | null, (pod: V1Pod) => void];
  const cases: Case[] = [
    [
      'template only: its fields stay, Gale owns name, labels it sets, env of the try, restartPolicy',
      null,
      (pod) => {
        expect(pod.metadata?.name).not.toBe('ignored');
        expect(pod.metadata?.labels?.team).toBe('data');
        expect(pod.metadata?.labels?.['gale.dev/dag-id']).toBe('etl');
        expect(pod.metadata?.annotations?.a).toBe('1');
        expect(pod.spec?.serviceAccountName).toBe('gale-task');
        expect(pod.spec?.restartPolicy).toBe('Never');
        expect(pod.spec?.containers.map((c) => c.name)).toEqual(['base', 'sidecar']);
        expect(base(pod).image).toBe('gale:0.1.0'); // worker_image over the template's
        expect(base(pod).command).toEqual(['tini', '--', 'gale']);
        expect(envOf(pod).GALE__LOGGING__LEVEL).toBe('debug');
        expect(envOf(pod).GALE_TASK_WORKLOAD).not.toBe('spoofed');
        expect(base(pod).resources?.requests).toEqual({ cpu: '100m', memory: '256Mi' });
      },
    ],
    [
      'image and resources: override wins per key, the rest of the template stays',
      { image: 'etl:2', resources: { requests: { memory: '2Gi' }, limits: { memory: '4Gi' } } },
      (pod) => {
        expect(base(pod).image).toBe('etl:2');
        expect(base(pod).resources).toEqual({
          requests: { cpu: '100m', memory: '2Gi' },
          limits: { memory: '4Gi' },
        });
      },
    ],
    [
      "env and envFrom: added, but never over Gale's own variables",
      {
        env: { REGION: 'eu', GALE__LOGGING__LEVEL: 'info', GALE_EXECUTION_API_TOKEN: 'x' },
        envFromSecrets: ['db-creds'],
        envFromConfigMaps: ['settings'],
      },
      (pod) => {
        const env = envOf(pod);
        expect(env.REGION).toBe('eu');
        expect(env.GALE__LOGGING__LEVEL).toBe('info');
        expect(env.GALE_EXECUTION_API_TOKEN).toBe('api-token');
        expect(base(pod).envFrom).toEqual([
          { secretRef: { name: 'db-creds' } },
          { configMapRef: { name: 'settings' } },
        ]);
      },
    ],
    [
      "volumes by name and mounts by path replace the template's, others are added",
      {
        volumes: [
          { name: 'dags', persistentVolumeClaim: { claimName: 'dags' } },
          { name: 'scratch', emptyDir: {} },
        ],
        volumeMounts: [
          { name: 'dags', mountPath: '/opt/gale/dags', readOnly: true },
          { name: 'scratch', mountPath: '/scratch' },
        ],
      },
      (pod) => {
        expect(pod.spec?.volumes).toEqual([
          { name: 'dags', persistentVolumeClaim: { claimName: 'dags' } },
          { name: 'scratch', emptyDir: {} },
        ]);
        expect(base(pod).volumeMounts).toEqual([
          { name: 'dags', mountPath: '/opt/gale/dags', readOnly: true },
          { name: 'scratch', mountPath: '/scratch' },
        ]);
      },
    ],
    [
      'scheduling: node selector merged, tolerations added, affinity and service account replaced',
      {
        nodeSelector: { gpu: 'true' },
        tolerations: [{ key: 'gpu', operator: 'Exists', effect: 'NoSchedule' }],
        affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: {} } },
        serviceAccountName: 'etl',
        imagePullSecrets: ['registry', 'private'],
      },
      (pod) => {
        expect(pod.spec?.nodeSelector).toEqual({ pool: 'general', gpu: 'true' });
        expect(pod.spec?.tolerations).toHaveLength(2);
        expect(pod.spec?.affinity).toEqual({
          nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: {} },
        });
        expect(pod.spec?.serviceAccountName).toBe('etl');
        expect(pod.spec?.imagePullSecrets).toEqual([{ name: 'registry' }, { name: 'private' }]);
      },
    ],
    [
      "labels and annotations: added, but Gale's own win",
      {
        labels: { cost: 'etl', 'gale.dev/ti-id': 'spoof' },
        annotations: { note: 'x' },
        securityContext: { runAsNonRoot: true },
      },
      (pod) => {
        expect(pod.metadata?.labels?.cost).toBe('etl');
        expect(pod.metadata?.labels?.['gale.dev/ti-id']).toBe('ti-1');
        expect(pod.metadata?.annotations?.note).toBe('x');
        expect(base(pod).securityContext).toEqual({ runAsNonRoot: true });
      },
    ],
  ];

  it.each(cases)('%s', (_what, override, check) => {
    const pod = buildPod(template, { ...workload, podOverride: override }, ctx);
    check(pod);
    // the template itself is never changed
    expect(template.spec?.containers[0]?.env).toHaveLength(2);
  });
});

describe('buildPod: activeDeadlineSeconds, the backstop of executionTimeout', () => {
  const withDeadline = (seconds: number): V1Pod => ({
    spec: { containers: [], activeDeadlineSeconds: seconds },
  });
  const cases: [string, number | null, V1Pod | null, number | undefined][] = [
    ['no executionTimeout: no deadline', null, null, undefined],
    ['no executionTimeout: the template keeps its deadline', null, withDeadline(900), 900],
    ['10 min: 600 s and the margin', 600_000, null, 600 + ACTIVE_DEADLINE_MARGIN_SECONDS],
    ['1.5 s: rounded up to whole seconds', 1_500, null, 2 + ACTIVE_DEADLINE_MARGIN_SECONDS],
    [
      "a template's longer deadline gives way",
      600_000,
      withDeadline(7200),
      600 + ACTIVE_DEADLINE_MARGIN_SECONDS,
    ],
    ["a template's shorter deadline stays", 600_000, withDeadline(300), 300],
  ];
  it.each(cases)('%s', (_what, executionTimeoutMs, tpl, expected) => {
    const pod = buildPod(tpl, { ...workload, executionTimeoutMs }, ctx);
    expect(pod.spec?.activeDeadlineSeconds).toBe(expected);
  });
});

describe('loadPodTemplate', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gale-tpl-'));
  const write = (text: string) => {
    const path = join(dir, `${Math.random()}.yaml`);
    writeFileSync(path, text);
    return path;
  };

  it('reads a YAML Pod', () => {
    const pod = loadPodTemplate(write('apiVersion: v1\nkind: Pod\nspec:\n  containers:\n    - name: base\n'));
    expect(pod.spec?.containers[0]?.name).toBe('base');
  });

  it.each([
    ['not a Pod', 'kind: Deployment\n'],
    ['not YAML', '{ [ nope'],
  ])('fails naming the setting: %s', (_what, text) => {
    expect(() => loadPodTemplate(write(text))).toThrow(/kubernetes.pod_template_file/);
  });

  it('fails naming the setting when the file is missing', () => {
    expect(() => loadPodTemplate(join(dir, 'missing.yaml'))).toThrow(/kubernetes.pod_template_file/);
    rmSync(dir, { recursive: true, force: true });
  });
});
