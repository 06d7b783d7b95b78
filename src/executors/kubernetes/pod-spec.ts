/**
 * The pod of a try: kubernetes.pod_template_file, then what Gale needs (the "base" container
 * running `gale tasks run-workload` with the try's workload and execution API token, labels,
 * restartPolicy Never), then the task's podOverride, as Airflow reconciles pod_template_file,
 * its dynamic pod and pod_override. A task with an executionTimeout gets activeDeadlineSeconds (the
 * timeout and a margin) as a backstop: the try stops itself at its timeout, and should it hang past
 * that, Kubernetes stops the pod. Pure: no API calls. Must never put database settings in a pod.
 */
import { readFileSync } from 'node:fs';
import type { V1Container, V1EnvFromSource, V1EnvVar, V1Pod } from '@kubernetes/client-node';
import { parse as parseYaml } from 'yaml';
import { GaleError, type PodOverride } from '../../models/index.js';
import type { TaskWorkload } from '../executor.js';
import { podLabels, podName } from './pod-labels.js';

export const BASE_CONTAINER = 'base';
export const WORKLOAD_ENV = 'GALE_TASK_WORKLOAD';
/** what the image's entrypoint (`gale`) is given */
export const TASK_POD_ARGS = ['tasks', 'run-workload'];
/** seconds past a task's executionTimeout before Kubernetes stops its pod (activeDeadlineSeconds) */
export const ACTIVE_DEADLINE_MARGIN_SECONDS = 60;

export interface PodContext {
  namespace: string;
  /** kubernetes.worker_image */
  image: string;
  schedulerId: string;
  /** execution_api.url as pods reach it */
  executionApiUrl: string;
  /** the try's execution API token */
  apiToken: string;
}

/** Reads kubernetes.pod_template_file: a YAML Pod; fails naming the setting. */
export function loadPodTemplate(path: string): V1Pod {
  let parsed: unknown;
  try {
    parsed = parseYaml(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new GaleError('GALE_ERR_CONFIG_INVALID', `kubernetes.pod_template_file "${path}" cannot be read`, {
      hint: 'Point GALE__KUBERNETES__POD_TEMPLATE_FILE at a readable YAML file holding one Pod.',
      cause: error,
    });
  }
  const kind = (parsed as { kind?: unknown } | null)?.kind;
  if (typeof parsed !== 'object' || parsed === null || (kind !== undefined && kind !== 'Pod')) {
    throw new GaleError('GALE_ERR_CONFIG_INVALID', `kubernetes.pod_template_file "${path}" is not a Pod`, {
      hint: 'Write one object with kind: Pod (apiVersion: v1) in the file.',
    });
  }
  return parsed as V1Pod;
}

/** Entries of `base` whose key is not in `over`, then `over` (later ones replace same keys). */
function mergeBy<T>(base: readonly T[] | undefined, over: readonly T[], key: (item: T) => string): T[] {
  const keys = new Set(over.map(key));
  return [...(base ?? []).filter((item) => !keys.has(key(item))), ...over];
}

function envList(env: Record<string, string> | undefined): V1EnvVar[] {
  return Object.entries(env ?? {}).map(([name, value]) => ({ name, value }));
}

function envFrom(o: PodOverride): V1EnvFromSource[] {
  return [
    ...(o.envFromSecrets ?? []).map((name) => ({ secretRef: { name } })),
    ...(o.envFromConfigMaps ?? []).map((name) => ({ configMapRef: { name } })),
  ];
}

/** The base container with the task's override applied. */
function overrideContainer(c: V1Container, o: PodOverride): V1Container {
  const out: V1Container = { ...c };
  if (o.image) out.image = o.image;
  if (o.env) out.env = mergeBy(out.env, envList(o.env), (e) => e.name);
  const from = envFrom(o);
  if (from.length > 0) out.envFrom = [...(out.envFrom ?? []), ...from];
  if (o.resources) {
    const resources = { ...out.resources };
    for (const kind of ['requests', 'limits'] as const) {
      const merged = { ...resources[kind], ...o.resources[kind] };
      if (Object.keys(merged).length > 0) resources[kind] = merged;
    }
    out.resources = resources;
  }
  if (o.volumeMounts) out.volumeMounts = mergeBy(out.volumeMounts, o.volumeMounts, (m) => m.mountPath);
  if (o.securityContext) out.securityContext = o.securityContext;
  return out;
}

/** The pod that runs `workload`: template, then Gale's part, then the task's override. */
export function buildPod(template: V1Pod | null, workload: TaskWorkload, ctx: PodContext): V1Pod {
  const tpl: V1Pod = structuredClone(template ?? {});
  const o: PodOverride = workload.podOverride ?? {};
  const { labels, annotations } = podLabels(workload, ctx.schedulerId);
  const containers = tpl.spec?.containers ?? [];
  const templateBase = containers.find((c) => c.name === BASE_CONTAINER);
  const galeEnv: V1EnvVar[] = [
    { name: WORKLOAD_ENV, value: JSON.stringify(workload) },
    { name: 'GALE_EXECUTION_API_URL', value: ctx.executionApiUrl },
    { name: 'GALE_EXECUTION_API_TOKEN', value: ctx.apiToken },
  ];
  const base: V1Container = overrideContainer(
    {
      ...templateBase,
      name: BASE_CONTAINER,
      image: ctx.image || templateBase?.image,
      args: TASK_POD_ARGS,
      env: mergeBy(templateBase?.env, galeEnv, (e) => e.name),
    },
    o,
  );
  // Gale's variables win over the override's too: the try must be the one queued.
  base.env = mergeBy(base.env, galeEnv, (e) => e.name);
  const spec = { ...tpl.spec, containers: [base, ...containers.filter((c) => c !== templateBase)] };
  spec.restartPolicy = 'Never';
  if (o.volumes) spec.volumes = mergeBy(spec.volumes, o.volumes as never[], (v: { name: string }) => v.name);
  if (o.nodeSelector) spec.nodeSelector = { ...spec.nodeSelector, ...o.nodeSelector };
  if (o.tolerations) spec.tolerations = [...(spec.tolerations ?? []), ...o.tolerations];
  if (o.affinity) spec.affinity = o.affinity;
  if (workload.executionTimeoutMs !== null) {
    const deadline = Math.ceil(workload.executionTimeoutMs / 1000) + ACTIVE_DEADLINE_MARGIN_SECONDS;
    // a template's own deadline stays when it is the shorter
    spec.activeDeadlineSeconds = Math.min(deadline, spec.activeDeadlineSeconds ?? deadline);
  }
  if (o.serviceAccountName) spec.serviceAccountName = o.serviceAccountName;
  if (o.imagePullSecrets) {
    const secrets = o.imagePullSecrets.map((name) => ({ name }));
    spec.imagePullSecrets = mergeBy(spec.imagePullSecrets, secrets, (s) => s.name ?? '');
  }
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      ...tpl.metadata,
      name: podName(workload),
      namespace: ctx.namespace,
      labels: { ...tpl.metadata?.labels, ...o.labels, ...labels },
      annotations: { ...tpl.metadata?.annotations, ...o.annotations, ...annotations },
    },
    spec,
  };
}

/** The workload a pod runs, read back from its base container (to adopt a pod after a restart). */
export function workloadOfPod(pod: V1Pod): string | undefined {
  const base = pod.spec?.containers.find((c) => c.name === BASE_CONTAINER);
  return base?.env?.find((e) => e.name === WORKLOAD_ENV)?.value;
}
