import { describe, expect, it } from 'vitest';
import type { ContainerSpec } from '../../../src/containers/index.js';
import { containerPod, secretParts } from '../../../src/containers/kubernetes-pod-spec.js';
import { compilePodTaskOptions } from '../../../src/sdk/pod-task.js';
import { containerSpec } from './container-spec-fixture.js';

const spec = containerSpec;

const base = (s: ContainerSpec) => containerPod(s, 'ns').spec?.containers[0];

describe('containerPod: a container spec as the pod the kubernetes engine runs', () => {
  const cases: {
    name: string;
    spec: Partial<ContainerSpec>;
    path: (s: ContainerSpec) => unknown;
    want: unknown;
  }[] = [
    {
      name: 'one container "base", restartPolicy Never, the image and its pull policy',
      spec: { imagePullPolicy: 'Always' },
      path: (s) => {
        const pod = containerPod(s, 'ns');
        return [
          pod.spec?.restartPolicy,
          pod.spec?.containers.map((c) => [c.name, c.image, c.imagePullPolicy]),
        ];
      },
      want: ['Never', [['base', 'alpine:3', 'Always']]],
    },
    {
      name: 'cmds are the command, args the args; empty ones keep the image entrypoint',
      spec: { cmds: ['sh', '-c'], args: ['echo hi'] },
      path: (s) => [base(s)?.command, base(s)?.args, base(spec())?.command, base(spec())?.args],
      want: [['sh', '-c'], ['echo hi'], undefined, undefined],
    },
    {
      name: 'the namespace given, the name of the ref',
      spec: {},
      path: (s) => [containerPod(s, 'team-a').metadata?.namespace, containerPod(s, 'ns').metadata?.name],
      want: ['team-a', 'gale-x-1-abcdef12'],
    },
    {
      name: "Gale's labels made valid label values; the originals kept as annotations; user labels as they are",
      spec: { labels: { team: 'data', 'gale.io/run-id': 'manual__2026-01-01T00:00:00+00:00' } },
      path: (s) => {
        const m = containerPod(s, 'ns').metadata;
        return [
          m?.labels?.team,
          /^[A-Za-z0-9][-A-Za-z0-9_.]*[A-Za-z0-9]$/.test(m?.labels?.['gale.io/run-id'] ?? ''),
          m?.annotations,
        ];
      },
      want: ['data', true, { 'gale.io/run-id': 'manual__2026-01-01T00:00:00+00:00' }],
    },
    {
      name: 'env as a list; secrets by name and config maps as envFrom',
      spec: { env: { A: '1' }, secrets: ['db'], configMaps: ['cfg'] },
      path: (s) => [base(s)?.env, base(s)?.envFrom],
      want: [[{ name: 'A', value: '1' }], [{ secretRef: { name: 'db' } }, { configMapRef: { name: 'cfg' } }]],
    },
    {
      name: 'resources: only the kinds given, any resource name',
      spec: { resources: { requests: {}, limits: { memory: '64Mi', 'nvidia.com/gpu': '1' } } },
      path: (s) => [base(s)?.resources, base(spec())?.resources],
      want: [{ limits: { memory: '64Mi', 'nvidia.com/gpu': '1' } }, undefined],
    },
    {
      name: 'scheduling and identity fields of the pod',
      spec: {
        nodeSelector: { disk: 'ssd' },
        tolerations: [{ key: 'k', operator: 'Exists', effect: 'NoSchedule' }],
        affinity: { nodeAffinity: {} },
        serviceAccountName: 'etl',
        imagePullSecrets: ['regcred'],
      },
      path: (s) => {
        const p = containerPod(s, 'ns').spec;
        return [p?.nodeSelector, p?.tolerations, p?.affinity, p?.serviceAccountName, p?.imagePullSecrets];
      },
      want: [
        { disk: 'ssd' },
        [{ key: 'k', operator: 'Exists', effect: 'NoSchedule' }],
        { nodeAffinity: {} },
        'etl',
        [{ name: 'regcred' }],
      ],
    },
    {
      name: 'none of them when not given',
      spec: {},
      path: (s) => Object.keys(containerPod(s, 'ns').spec ?? {}).sort(),
      want: ['containers', 'restartPolicy'],
    },
    {
      name: 'volumes and mounts as written',
      spec: {
        volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'pvc' } }],
        volumeMounts: [{ name: 'data', mountPath: '/data', readOnly: true }],
      },
      path: (s) => [containerPod(s, 'ns').spec?.volumes, base(s)?.volumeMounts],
      want: [
        [{ name: 'data', persistentVolumeClaim: { claimName: 'pvc' } }],
        [{ name: 'data', mountPath: '/data', readOnly: true }],
      ],
    },
    {
      name: 'the output file is the termination message file (policy File); none without one',
      spec: { outputFile: '/gale/xcom/return.json' },
      path: (s) => [
        base(s)?.terminationMessagePath,
        base(s)?.terminationMessagePolicy,
        base(spec())?.terminationMessagePath,
      ],
      want: ['/gale/xcom/return.json', 'File', undefined],
    },
  ];
  it.each(cases)('$name', ({ spec: more, path, want }) => {
    expect(path(spec(more))).toEqual(want);
  });
});

describe("secretParts: Airflow's Secret objects", () => {
  const cases: { name: string; secrets: ContainerSpec['secrets']; want: ReturnType<typeof secretParts> }[] = [
    {
      name: 'a name: every key as a variable (envFrom)',
      secrets: ['db'],
      want: { env: [], envFrom: [{ secretRef: { name: 'db' } }], volumes: [], mounts: [] },
    },
    {
      name: 'env without a key: envFrom',
      secrets: [{ deployType: 'env', deployTarget: null, secret: 'db', key: null, items: null }],
      want: { env: [], envFrom: [{ secretRef: { name: 'db' } }], volumes: [], mounts: [] },
    },
    {
      name: 'env with a key: one variable from secretKeyRef',
      secrets: [{ deployType: 'env', deployTarget: 'TOKEN', secret: 'api', key: 'token', items: null }],
      want: {
        env: [{ name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'api', key: 'token' } } }],
        envFrom: [],
        volumes: [],
        mounts: [],
      },
    },
    {
      name: 'volume: the secret mounted read-only at deployTarget, with its items',
      secrets: [
        {
          deployType: 'volume',
          deployTarget: '/etc/certs',
          secret: 'TLS.certs',
          key: null,
          items: [{ key: 'ca', path: 'ca.pem' }],
        },
      ],
      want: {
        env: [],
        envFrom: [],
        volumes: [
          {
            name: 'secret-0-tls-certs',
            secret: { secretName: 'TLS.certs', items: [{ key: 'ca', path: 'ca.pem' }] },
          },
        ],
        mounts: [{ name: 'secret-0-tls-certs', mountPath: '/etc/certs', readOnly: true }],
      },
    },
  ];
  it.each(cases)('$name', ({ secrets, want }) => {
    expect(secretParts(secrets)).toEqual(want);
  });
});

describe("podTask's secrets option", () => {
  const compile = (secrets: unknown[]) =>
    compilePodTaskOptions({ image: 'a', secrets: secrets as never }, 'podTask "t"').secrets;
  const cases: { name: string; secrets: unknown[]; want: unknown }[] = [
    { name: 'names stay names', secrets: ['db'], want: ['db'] },
    {
      name: 'a Secret object gets its defaults',
      secrets: [{ deployType: 'env', secret: 'db' }],
      want: [{ deployType: 'env', deployTarget: null, secret: 'db', key: null, items: null }],
    },
    {
      name: 'a volume Secret needs deployTarget',
      secrets: [{ deployType: 'volume', secret: 'db' }],
      want: /GALE_ERR_DAG_INVALID|needs deployTarget/,
    },
    {
      name: 'an env Secret with a key needs deployTarget',
      secrets: [{ deployType: 'env', secret: 'db', key: 'k' }],
      want: /needs deployTarget/,
    },
  ];
  it.each(cases)('$name', ({ secrets, want }) => {
    if (want instanceof RegExp) expect(() => compile(secrets)).toThrow(want);
    else expect(compile(secrets)).toEqual(want);
  });
});
