/**
 * Terminology
 * - container task (podTask): a task whose work is a container, run by a container engine
 *   (Airflow's KubernetesPodOperator): its image, command, arguments, environment, volumes and
 *   resources, Kubernetes-shaped whatever the engine.
 * - container engine: what runs the containers (containers.engine: docker: Docker's API, served
 *   by Docker or by podman; kubernetes: a pod per try through the Kubernetes API).
 *
 * The compiled form of a container task, stored with the serialized DAG; the deterministic name
 * of a try's container; and the container trigger's arguments and event. Pure: no I/O.
 */
import { createHash } from 'node:crypto';
import { z } from '#zod';
import { podOverrideSchema } from './pod-override.js';

/** When the image is pulled, as Kubernetes' imagePullPolicy. */
export const IMAGE_PULL_POLICIES = ['IfNotPresent', 'Never', 'Always'] as const;
export type ImagePullPolicy = (typeof IMAGE_PULL_POLICIES)[number];

/** What happens to a finished container: deleted (default) or kept to be inspected. */
export const ON_FINISH_ACTIONS = ['delete', 'keep'] as const;
export type OnFinishAction = (typeof ON_FINISH_ACTIONS)[number];

/** Where a container writes its output, as Airflow's /airflow/xcom/return.json. */
export const DEFAULT_OUTPUT_FILE = '/gale/xcom/return.json';

const pod = podOverrideSchema.shape;
const stringMap = z.record(z.string(), z.string());

/**
 * A Kubernetes secret given to a container task, as Airflow's Secret(deploy_type, deploy_target,
 * secret, key, items): deployType env with a key: one variable (deployTarget) from the key
 * (secretKeyRef); env without a key: every key as a variable (envFrom); volume: the secret's
 * files mounted at deployTarget (with items: only those keys, at those paths).
 */
export const podSecretSchema = z
  .object({
    deployType: z.enum(['env', 'volume']),
    deployTarget: z.string().min(1).nullable().default(null),
    secret: z.string().min(1),
    key: z.string().min(1).nullable().default(null),
    items: z
      .array(z.object({ key: z.string().min(1), path: z.string().min(1) }).strict())
      .nullable()
      .default(null),
  })
  .strict()
  .refine((s) => s.deployType === 'env' || s.deployTarget !== null, {
    message: 'a volume secret needs deployTarget (the mount path)',
  })
  .refine((s) => s.key === null || s.deployTarget !== null, {
    message: 'an env secret with a key needs deployTarget (the variable name)',
  });
export type PodSecret = z.infer<typeof podSecretSchema>;
export type PodSecretInput = z.input<typeof podSecretSchema>;

/** A container task as compiled from podTask()'s options (defaults applied). */
export const containerTaskSpecSchema = z
  .object({
    /**
     * template fields: image, each of cmds and args, each env value. The image is '' only in a
     * mapped podTask whose instances take theirs from expand() (the SDK refuses it elsewhere).
     */
    image: z.string(),
    /** the entrypoint (Kubernetes' command); [] keeps the image's */
    cmds: z.array(z.string()),
    /** its arguments (Kubernetes' args); [] keeps the image's */
    args: z.array(z.string()),
    env: stringMap,
    /** Kubernetes secrets: a name (every key as a variable, envFrom), or an Airflow-style Secret */
    secrets: z.array(z.union([z.string().min(1), podSecretSchema])),
    /** config maps whose keys become environment variables (envFrom) */
    configMaps: z.array(z.string().min(1)),
    volumes: pod.volumes.unwrap(),
    volumeMounts: pod.volumeMounts.unwrap(),
    resources: z.object({ requests: stringMap, limits: stringMap }).strict(),
    namespace: z.string().min(1).nullable(),
    labels: stringMap,
    imagePullSecrets: z.array(z.string().min(1)),
    imagePullPolicy: z.enum(IMAGE_PULL_POLICIES),
    nodeSelector: stringMap,
    tolerations: pod.tolerations.unwrap(),
    affinity: z.record(z.string(), z.unknown()).nullable(),
    serviceAccountName: z.string().min(1).nullable(),
    /** stream the container's output into the try's log */
    getLogs: z.boolean(),
    /** the JSON file read back as the task's output after the container exits; null: no output */
    outputFile: z.string().min(1).nullable(),
    /** wait for the container in the triggerer instead of holding a worker slot */
    deferrable: z.boolean(),
    /** deferrable: how often the triggerer looks at the container */
    pollIntervalMs: z.number().int().min(10),
    onFinish: z.enum(ON_FINISH_ACTIONS),
  })
  .strict();
export type ContainerTaskSpec = z.infer<typeof containerTaskSpecSchema>;

/** Which try a container belongs to. */
export interface ContainerTryIdentity {
  dagId: string;
  taskId: string;
  runId: string;
  tryNumber: number;
  mapIndex: number;
}

const MAX_NAME = 63;

function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

/**
 * The container of a try, by name: the same for every run of the same try (a resumed try finds
 * its container), a DNS label that Docker and Kubernetes both accept (lowercase letters, digits
 * and "-", at most 63), readable ("gale-<dag>-<task>-<run>", cut to fit) and unique (the try
 * number, the map index, and a hash of the whole identity).
 */
export function containerName(t: ContainerTryIdentity): string {
  const identity = JSON.stringify([t.dagId, t.taskId, t.runId, t.tryNumber, t.mapIndex]);
  const hash = createHash('sha256').update(identity).digest('hex').slice(0, 8);
  const suffix = `-${t.tryNumber}${t.mapIndex >= 0 ? `-m${t.mapIndex}` : ''}-${hash}`;
  const room = MAX_NAME - 'gale-'.length - suffix.length;
  const readable = slug([t.dagId, t.taskId, t.runId].map(slug).join('-'))
    .slice(0, Math.max(0, room))
    .replace(/-+$/, '');
  return readable === '' ? `gale${suffix}` : `gale-${readable}${suffix}`;
}

/** The engines Gale can run containers on (containers.engine). */
export const CONTAINER_ENGINES = ['docker', 'kubernetes'] as const;
export type ContainerEngineName = (typeof CONTAINER_ENGINES)[number];

/**
 * The container trigger's arguments: the container and the engine it runs on, as the task
 * process reached it (as Airflow's KubernetesPodTrigger carries its cluster settings), so the
 * triggerer watches the container where it was started.
 */
export const containerTriggerKwargs = z
  .object({
    engine: z.enum(CONTAINER_ENGINES),
    /** the docker engine's API address ("" = $DOCKER_HOST, else /var/run/docker.sock) */
    docker_host: z.string().default(''),
    name: z.string().min(1),
    namespace: z.string().min(1).nullable().default(null),
    poll_interval_ms: z.number().int().min(10).default(2_000),
    /** the kubernetes engine: how the task process reached the API (as KubernetesPodTrigger's) */
    kubernetes: z
      .object({
        in_cluster: z.boolean(),
        config_file: z.string(),
        context: z.string(),
        pending_timeout_ms: z.number().int().min(1),
      })
      .strict()
      .nullable()
      .default(null),
  })
  .strict();
export type ContainerTriggerKwargs = z.infer<typeof containerTriggerKwargs>;

/** How a container ended: its exit code and the engine's reason (OOMKilled, Error, ...). */
export const containerExitSchema = z.object({
  exitCode: z.number().int(),
  reason: z.string().nullable(),
  oomKilled: z.boolean(),
});
export type ContainerExit = z.infer<typeof containerExitSchema>;
