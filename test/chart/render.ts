/**
 * Renders the chart in chart/ with helm for the chart tests, and the values matrix they share:
 * each scenario is a way a user installs Gale (executor, DAG source, database).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { helm, helmAsync } from '../support/chart-tools.js';
import type { KubeObject } from '../support/kube-schema.js';

export const CHART_DIR = resolve(import.meta.dirname, '../../chart');
export const NAMESPACE = 'orchestration';
export const RELEASE = 'gale';

export interface Scenario {
  name: string;
  values: Record<string, unknown>;
}

/** A small extra container as a user would add one: restricted, with resources. */
const busybox = (name: string, args: string[]) => ({
  name,
  image: 'busybox:1.37',
  args,
  securityContext: {
    runAsNonRoot: true,
    readOnlyRootFilesystem: true,
    allowPrivilegeEscalation: false,
    capabilities: { drop: ['ALL'] },
  },
  resources: { requests: { cpu: '1m', memory: '8Mi' }, limits: { cpu: '10m', memory: '16Mi' } },
});

export const SCENARIOS: Scenario[] = [
  { name: 'local executor (defaults)', values: {} },
  {
    name: 'queue executor with KEDA, monitoring and backups',
    values: {
      executor: 'queue',
      workers: { keda: { enabled: true }, queues: 'default,heavy' },
      metrics: {
        serviceMonitor: { enabled: true },
        prometheusRule: { enabled: true },
        grafanaDashboard: { enabled: true },
      },
      backup: { enabled: true },
      logs: { persistence: { enabled: true } },
    },
  },
  {
    name: 'kubernetes executor',
    values: {
      executor: 'kubernetes',
      dags: { persistence: { enabled: true } },
      config: { kubernetes: { delete_pods: 'on_success' } },
    },
  },
  {
    name: 'git-sync with the queue and kubernetes executors',
    values: {
      executor: 'queue,kubernetes',
      dags: {
        gitSync: {
          enabled: true,
          repo: 'https://git.example.com/team/dags.git',
          branch: 'release',
          subPath: 'dags',
          period: '30s',
          credentialsSecret: 'git-credentials',
        },
      },
    },
  },
  {
    name: 'git-sync over SSH, with extra env, volumes and containers',
    values: {
      dags: {
        gitSync: {
          enabled: true,
          repo: 'git@git.example.com:team/dags.git',
          rev: 'v1.2.0',
          sshKeySecret: 'git-ssh',
          knownHosts: 'git.example.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample',
        },
      },
      extraEnv: [{ name: 'TZ', value: 'UTC' }],
      extraVolumes: [{ name: 'shared', emptyDir: {} }],
      extraVolumeMounts: [{ name: 'shared', mountPath: '/shared' }],
      scheduler: {
        extraEnv: [{ name: 'API_TOKEN', valueFrom: { secretKeyRef: { name: 'tokens', key: 'api' } } }],
        extraContainers: [busybox('sidecar', ['sleep', 'infinity'])],
      },
      apiServer: {
        extraInitContainers: [busybox('hello', ['true'])],
      },
    },
  },
  {
    name: 'external database and Redis, ingress with TLS, worker HPA',
    values: {
      executor: 'local,queue',
      postgresql: { enabled: false },
      redis: { enabled: false },
      data: {
        metadataConnection: {
          host: 'db.example.com',
          sslmode: 'verify-full',
          passwordSecretName: 'gale-db',
        },
        brokerUrlSecretName: 'gale-broker',
      },
      workers: { hpa: { enabled: true } },
      ingress: {
        apiServer: {
          enabled: true,
          ingressClassName: 'nginx',
          hosts: [{ name: 'gale.example.com', tls: { enabled: true, secretName: 'gale-tls' } }],
        },
      },
      dags: { persistence: { enabled: true, existingClaim: 'team-dags', subPath: 'dags' } },
    },
  },
];

function withValuesFile<T>(values: Record<string, unknown>, fn: (file: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'gale-chart-'));
  try {
    const file = join(dir, 'values.json');
    writeFileSync(file, JSON.stringify(values));
    return fn(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `helm lint --strict` of the chart with these values; throws with helm's message on failure. */
export function lintChart(helmPath: string, values: Record<string, unknown>): string {
  return withValuesFile(values, (file) => helm(helmPath, ['lint', '--strict', CHART_DIR, '-f', file]));
}

function parseManifests(text: string): KubeObject[] {
  return parseAllDocuments(text)
    .map((doc) => {
      if (doc.errors.length > 0) throw new Error(`helm rendered invalid YAML: ${doc.errors[0]?.message}`);
      return doc.toJS() as KubeObject | null;
    })
    .filter((o): o is KubeObject => o !== null);
}

const templateArgs = (file: string) => ['template', RELEASE, CHART_DIR, '--namespace', NAMESPACE, '-f', file];

/** Every object `helm template` renders with these values; throws with helm's message on failure. */
export function renderChart(helmPath: string, values: Record<string, unknown>): KubeObject[] {
  return parseManifests(withValuesFile(values, (file) => helm(helmPath, templateArgs(file))));
}

/** renderChart with more helm flags, not blocking the event loop (a test double may serve helm). */
export async function renderChartAsync(
  helmPath: string,
  values: Record<string, unknown>,
  extraArgs: string[],
): Promise<KubeObject[]> {
  const dir = mkdtempSync(join(tmpdir(), 'gale-chart-'));
  try {
    const file = join(dir, 'values.json');
    writeFileSync(file, JSON.stringify(values));
    return parseManifests(await helmAsync(helmPath, [...templateArgs(file), ...extraArgs]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A rendered object read by path in the tests' expectations (its shape is what the Kubernetes
 * schemas check, not TypeScript).
 */
// biome-ignore lint/suspicious/noExplicitAny: manifests are navigated freely in expectations
export type Manifest = Record<string, any>;

export interface PodTemplate {
  /** "Deployment/gale-scheduler", or "task pod" for the Kubernetes executor's template */
  owner: string;
  labels: Record<string, string>;
  spec: Record<string, unknown>;
}

/** The Kubernetes executor's task pod, from the ConfigMap that holds pod_template_file.yaml. */
export function taskPod(objects: KubeObject[]): KubeObject | null {
  for (const o of objects) {
    const data = (o.kind === 'ConfigMap' ? o.data : undefined) as Record<string, string> | undefined;
    if (data?.['pod_template_file.yaml']) return parse(data['pod_template_file.yaml']) as KubeObject;
  }
  return null;
}

/** The pod template of every workload (Deployment, StatefulSet, Job, CronJob) and the task pod. */
export function podTemplates(objects: KubeObject[]): PodTemplate[] {
  const out: PodTemplate[] = [];
  for (const o of objects) {
    const spec = o.spec as Manifest | undefined;
    const template =
      o.kind === 'CronJob'
        ? spec?.jobTemplate?.spec?.template
        : ['Deployment', 'StatefulSet', 'Job'].includes(o.kind ?? '')
          ? spec?.template
          : undefined;
    if (template) {
      out.push({
        owner: `${o.kind}/${o.metadata?.name}`,
        labels: template.metadata?.labels ?? {},
        spec: template.spec,
      });
    }
  }
  const pod = taskPod(objects) as Manifest | null;
  if (pod) out.push({ owner: 'task pod', labels: pod.metadata?.labels ?? {}, spec: pod.spec });
  return out;
}

export function find(objects: KubeObject[], kind: string, name: string): Manifest {
  const found = objects.find((o) => o.kind === kind && o.metadata?.name === name);
  if (!found) {
    const have = objects.map((o) => `${o.kind}/${o.metadata?.name}`).join(', ');
    throw new Error(`no ${kind}/${name} rendered; there are: ${have}`);
  }
  return found as Manifest;
}
