/**
 * What the chart tests require of every pod: the restricted Pod Security Standard, resources,
 * NetworkPolicy coverage, and secrets only from Secrets. Each check returns its problems as
 * "owner/container: what", empty when the pod is fine.
 */
import type { KubeObject } from '../support/kube-schema.js';
import type { Manifest, PodTemplate } from './render.js';

export interface Container {
  name: string;
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: unknown } }[];
  securityContext?: Manifest;
  resources?: { requests?: Record<string, unknown>; limits?: Record<string, unknown> };
}

function containersOf(pod: PodTemplate): Container[] {
  const spec = pod.spec as { containers?: Container[]; initContainers?: Container[] };
  return [...(spec.initContainers ?? []), ...(spec.containers ?? [])];
}

/** What in a pod breaks the restricted profile or lacks resources, as "owner/container: problem". */
export function podProblems(pod: PodTemplate): string[] {
  const podContext = (pod.spec.securityContext ?? {}) as Manifest;
  const problems: string[] = [];
  for (const c of containersOf(pod)) {
    const sc = c.securityContext ?? {};
    const where = `${pod.owner}/${c.name}`;
    if ((sc.runAsNonRoot ?? podContext.runAsNonRoot) !== true) problems.push(`${where}: runAsNonRoot`);
    if ((sc.runAsUser ?? podContext.runAsUser) === 0) problems.push(`${where}: runs as uid 0`);
    if (sc.readOnlyRootFilesystem !== true) problems.push(`${where}: readOnlyRootFilesystem`);
    if (sc.allowPrivilegeEscalation !== false) problems.push(`${where}: allowPrivilegeEscalation`);
    if (!sc.capabilities?.drop?.includes('ALL')) problems.push(`${where}: capabilities drop ALL`);
    if (sc.capabilities?.add?.length) problems.push(`${where}: adds capabilities`);
    if ((sc.seccompProfile ?? podContext.seccompProfile)?.type !== 'RuntimeDefault') {
      problems.push(`${where}: seccomp RuntimeDefault`);
    }
    for (const kind of ['requests', 'limits'] as const) {
      for (const resource of ['cpu', 'memory']) {
        if (c.resources?.[kind]?.[resource] === undefined) problems.push(`${where}: ${kind}.${resource}`);
      }
    }
  }
  return problems;
}

const SENSITIVE = /PASSWORD|SECRET|FERNET|TOKEN|_KEY$|DATABASE__URL|REDIS_URL|CONNECTION/;

/** Env entries that carry a secret as a plain value (a $(VAR) reference to a Secret-fed var is fine). */
export function plainSecrets(pod: PodTemplate, secretValues: string[]): string[] {
  const problems: string[] = [];
  for (const c of containersOf(pod)) {
    const fromSecret = new Set((c.env ?? []).filter((e) => e.valueFrom?.secretKeyRef).map((e) => e.name));
    for (const e of c.env ?? []) {
      const where = `${pod.owner}/${c.name} ${e.name}`;
      if (e.value !== undefined && secretValues.some((s) => s.length >= 8 && e.value?.includes(s))) {
        problems.push(`${where}: holds a Secret's value`);
      }
      if (!SENSITIVE.test(e.name) || e.valueFrom) continue;
      const refs = [...(e.value ?? '').matchAll(/\$\(([A-Z0-9_]+)\)/g)].map((m) => m[1] ?? '');
      if (refs.length === 0 || !refs.every((r) => fromSecret.has(r))) problems.push(`${where}: plain value`);
    }
  }
  return problems;
}

interface Selector {
  matchLabels?: Record<string, string>;
}

const matches = (selector: Selector, labels: Record<string, string>) =>
  Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);

/** Pods no NetworkPolicy selects, or only the default deny (a policy without rules). */
export function uncoveredPods(objects: KubeObject[], pods: PodTemplate[]): string[] {
  const policies = objects
    .filter((o) => o.kind === 'NetworkPolicy')
    .map((o) => o.spec as { podSelector: Selector; ingress?: unknown[]; egress?: unknown[] });
  const problems: string[] = [];
  for (const pod of pods) {
    const selecting = policies.filter((p) => matches(p.podSelector, pod.labels));
    if (!selecting.some((p) => !p.ingress && !p.egress)) problems.push(`${pod.owner}: no default deny`);
    if (!selecting.some((p) => p.ingress || p.egress))
      problems.push(`${pod.owner}: no policy allows its flows`);
  }
  return problems;
}

export function secretValuesOf(objects: KubeObject[]): string[] {
  return objects
    .filter((o) => o.kind === 'Secret')
    .flatMap((o) => Object.values((o.data ?? {}) as Record<string, string>))
    .map((b64) => Buffer.from(b64, 'base64').toString());
}
