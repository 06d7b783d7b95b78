/**
 * How a container spec becomes the pod the kubernetes engine runs (Airflow's
 * KubernetesPodOperator's pod): one container "base", restartPolicy Never, every
 * Kubernetes-shaped option mapped as written, Gale's labels made valid label values (the
 * originals kept in annotations), and the output file as the container's termination message
 * file, so the output comes back in the pod's status without exec. Pure: no API calls.
 */
import type {
  V1Container,
  V1EnvFromSource,
  V1EnvVar,
  V1Pod,
  V1PodSpec,
  V1Volume,
  V1VolumeMount,
} from '@kubernetes/client-node';
import { BASE_CONTAINER, safeLabelValue } from '../executors/kubernetes/index.js';
import type { PodSecret } from '../models/index.js';
import type { ContainerSpec } from './engine.js';

/** The kubelet copies at most this much of the termination message file (the last 4096 bytes). */
export const OUTPUT_LIMIT_BYTES = 4096;

/** A secret given by name only: every key as a variable, as Airflow's Secret('env', None, name). */
function secretOf(s: string | PodSecret): PodSecret {
  return typeof s === 'string'
    ? { deployType: 'env', deployTarget: null, secret: s, key: null, items: null }
    : s;
}

function volumeName(index: number, secret: string): string {
  const slug = secret.toLowerCase().replace(/[^a-z0-9]+/g, '-');
  return `secret-${index}-${slug}`.slice(0, 63).replace(/-+$/, '');
}

interface SecretParts {
  env: V1EnvVar[];
  envFrom: V1EnvFromSource[];
  volumes: V1Volume[];
  mounts: V1VolumeMount[];
}

/** Airflow's Secret objects as a pod's env (secretKeyRef), envFrom (secretRef) and secret volumes. */
export function secretParts(secrets: ContainerSpec['secrets']): SecretParts {
  const parts: SecretParts = { env: [], envFrom: [], volumes: [], mounts: [] };
  secrets.map(secretOf).forEach((s, index) => {
    if (s.deployType === 'volume') {
      const name = volumeName(index, s.secret);
      parts.volumes.push({
        name,
        secret: { secretName: s.secret, ...(s.items ? { items: s.items } : {}) },
      });
      parts.mounts.push({ name, mountPath: s.deployTarget ?? '', readOnly: true });
    } else if (s.key !== null) {
      parts.env.push({
        name: s.deployTarget ?? s.key,
        valueFrom: { secretKeyRef: { name: s.secret, key: s.key } },
      });
    } else {
      parts.envFrom.push({ secretRef: { name: s.secret } });
    }
  });
  return parts;
}

/** Gale's labels (gale.io/dag-id, run-id...) as valid label values; the originals as annotations. */
function labelsOf(spec: ContainerSpec): {
  labels: Record<string, string>;
  annotations: Record<string, string>;
} {
  const labels: Record<string, string> = {};
  const annotations: Record<string, string> = {};
  for (const [key, value] of Object.entries(spec.labels)) {
    labels[key] = safeLabelValue(value);
    if (key.startsWith('gale.io/')) annotations[key] = value;
  }
  return { labels, annotations };
}

function resourcesOf(spec: ContainerSpec): V1Container['resources'] | undefined {
  const { requests, limits } = spec.resources;
  const out: NonNullable<V1Container['resources']> = {};
  if (Object.keys(requests).length > 0) out.requests = { ...requests };
  if (Object.keys(limits).length > 0) out.limits = { ...limits };
  return Object.keys(out).length > 0 ? out : undefined;
}

/** The pod of a container spec, in `namespace` (the spec's, else kubernetes.namespace). */
export function containerPod(spec: ContainerSpec, namespace: string): V1Pod {
  const secrets = secretParts(spec.secrets);
  const env: V1EnvVar[] = [
    ...Object.entries(spec.env).map(([name, value]) => ({ name, value })),
    ...secrets.env,
  ];
  const envFrom: V1EnvFromSource[] = [
    ...secrets.envFrom,
    ...spec.configMaps.map((name) => ({ configMapRef: { name } })),
  ];
  const volumeMounts = [...spec.volumeMounts, ...secrets.mounts];
  const resources = resourcesOf(spec);
  const base: V1Container = {
    name: BASE_CONTAINER,
    image: spec.image,
    imagePullPolicy: spec.imagePullPolicy,
    ...(spec.cmds.length > 0 ? { command: [...spec.cmds] } : {}),
    ...(spec.args.length > 0 ? { args: [...spec.args] } : {}),
    ...(env.length > 0 ? { env } : {}),
    ...(envFrom.length > 0 ? { envFrom } : {}),
    ...(volumeMounts.length > 0 ? { volumeMounts } : {}),
    ...(resources ? { resources } : {}),
    // the kubelet copies this file into status...terminated.message: the output, without exec
    ...(spec.outputFile !== null
      ? { terminationMessagePath: spec.outputFile, terminationMessagePolicy: 'File' }
      : {}),
  };
  const volumes = [...(spec.volumes as V1Volume[]), ...secrets.volumes];
  const podSpec: V1PodSpec = {
    restartPolicy: 'Never',
    containers: [base],
    ...(volumes.length > 0 ? { volumes } : {}),
    ...(Object.keys(spec.nodeSelector).length > 0 ? { nodeSelector: { ...spec.nodeSelector } } : {}),
    ...(spec.tolerations.length > 0 ? { tolerations: [...spec.tolerations] } : {}),
    ...(spec.affinity ? { affinity: spec.affinity } : {}),
    ...(spec.serviceAccountName ? { serviceAccountName: spec.serviceAccountName } : {}),
    ...(spec.imagePullSecrets.length > 0
      ? { imagePullSecrets: spec.imagePullSecrets.map((name) => ({ name })) }
      : {}),
  };
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: spec.ref.name, namespace, ...labelsOf(spec) },
    spec: podSpec,
  };
}
