/**
 * A task's pod override: what a DAG author changes in the pod of each try when the kubernetes
 * executor runs the task (Airflow's executor_config={"pod_override": ...}). Plain JSON, stored
 * with the serialized DAG and handed to the executor in the workload; the executor merges it over
 * kubernetes.pod_template_file. Fields of Kubernetes' own shape (volumes, affinity, security
 * context) are passed through as written and checked by the API server.
 */
import { z } from '#zod';

/** A Kubernetes object passed through as written (a volume, an affinity, a security context). */
export type KubeObject = { [key: string]: unknown };

export interface PodToleration {
  key?: string;
  operator?: 'Exists' | 'Equal';
  value?: string;
  effect?: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
  tolerationSeconds?: number;
}

export interface PodVolumeMount {
  name: string;
  mountPath: string;
  subPath?: string;
  readOnly?: boolean;
}

export interface PodOverride {
  /** image of the try's container (default kubernetes.worker_image, or the template's) */
  image?: string;
  /** quantities as Kubernetes writes them: { requests: { cpu: '500m', memory: '1Gi' } } */
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  /** extra environment variables of the container */
  env?: Record<string, string>;
  /** secrets whose keys become environment variables (envFrom) */
  envFromSecrets?: string[];
  /** config maps whose keys become environment variables (envFrom) */
  envFromConfigMaps?: string[];
  /** pod volumes (Kubernetes' V1Volume shape), by name over the template's */
  volumes?: (KubeObject & { name: string })[];
  /** mounts in the container, by mountPath over the template's */
  volumeMounts?: PodVolumeMount[];
  nodeSelector?: Record<string, string>;
  /** added to the template's */
  tolerations?: PodToleration[];
  /** replaces the template's (Kubernetes' V1Affinity shape) */
  affinity?: KubeObject;
  serviceAccountName?: string;
  /** names of secrets to pull the image with, added to the template's */
  imagePullSecrets?: string[];
  /** added to the pod's labels (Gale's own labels win) */
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  /** the container's security context (Kubernetes' V1SecurityContext shape), replaces the template's */
  securityContext?: KubeObject;
}

const stringMap = z.record(z.string(), z.string());
const kubeObject = z.record(z.string(), z.unknown());

export const podOverrideSchema = z
  .object({
    image: z.string().min(1).optional(),
    resources: z.object({ requests: stringMap.optional(), limits: stringMap.optional() }).strict().optional(),
    env: stringMap.optional(),
    envFromSecrets: z.array(z.string().min(1)).optional(),
    envFromConfigMaps: z.array(z.string().min(1)).optional(),
    volumes: z.array(kubeObject.and(z.object({ name: z.string().min(1) }))).optional(),
    volumeMounts: z
      .array(
        z
          .object({
            name: z.string().min(1),
            mountPath: z.string().min(1),
            subPath: z.string().optional(),
            readOnly: z.boolean().optional(),
          })
          .strict(),
      )
      .optional(),
    nodeSelector: stringMap.optional(),
    tolerations: z
      .array(
        z
          .object({
            key: z.string().optional(),
            operator: z.enum(['Exists', 'Equal']).optional(),
            value: z.string().optional(),
            effect: z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']).optional(),
            tolerationSeconds: z.number().int().optional(),
          })
          .strict(),
      )
      .optional(),
    affinity: kubeObject.optional(),
    serviceAccountName: z.string().min(1).optional(),
    imagePullSecrets: z.array(z.string().min(1)).optional(),
    labels: stringMap.optional(),
    annotations: stringMap.optional(),
    securityContext: kubeObject.optional(),
  })
  .strict();
