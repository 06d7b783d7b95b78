/**
 * podTask(): a task whose work is a container (Airflow's KubernetesPodOperator), on any executor.
 * Its options are Kubernetes-shaped; the engine of containers.engine runs them (docker: Docker's
 * API, mapping what it can; kubernetes: a pod, every option as written). This module only checks and compiles the options: no I/O.
 */
import {
  type ContainerTaskSpec,
  containerTaskSpecSchema,
  DEFAULT_OUTPUT_FILE,
  type Duration,
  GaleError,
  type ImagePullPolicy,
  type KubeObject,
  memoryBytes,
  nanoCpus,
  type OnFinishAction,
  type PodSecretInput,
  type PodToleration,
  type PodVolumeMount,
  parseDuration,
} from '../models/index.js';
import { addContainerTask, type TaskRef } from './dag.js';
import { compileExpand, compileExpandKwargs, type ExpandArg, type OutputLike } from './mapping.js';
import type { TaskOptions } from './task-options.js';

/** An environment variable in Kubernetes' list form. */
export interface PodEnvVar {
  name: string;
  value: string;
}

export interface PodTaskOptions extends Omit<TaskOptions, 'resume'> {
  /** the image (a template), e.g. 'python:3.12-slim' */
  image: string;
  /** the entrypoint (Kubernetes' command; templates); default: the image's */
  cmds?: string[];
  /** its arguments (Kubernetes' args; templates): ['-c', 'echo {{ ds }}']; default: the image's */
  args?: string[];
  /** environment variables; values are templates ({{ var.value.x }}, {{ conn.db.password }}: masked in the log) */
  env?: Record<string, string> | PodEnvVar[];
  /**
   * Kubernetes secrets (not on the docker engine), as Airflow's Secret objects: a name (every key
   * a variable, envFrom); { deployType: 'env', deployTarget: 'VAR', secret, key } (one variable);
   * { deployType: 'volume', deployTarget: '/mount/path', secret, items? } (the keys as files)
   */
  secrets?: (string | PodSecretInput)[];
  /** Kubernetes config maps whose keys become environment variables (envFrom); not on the docker engine */
  configMaps?: string[];
  /** pod volumes, Kubernetes' shape; docker: hostPath (a bind mount), persistentVolumeClaim (a named volume), emptyDir (a tmpfs) */
  volumes?: (KubeObject & { name: string })[];
  volumeMounts?: PodVolumeMount[];
  /** quantities as Kubernetes writes them: { limits: { memory: '64Mi', cpu: '0.5' } } */
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  /** Kubernetes only: the pod's namespace (default kubernetes.namespace) */
  namespace?: string;
  labels?: Record<string, string>;
  /** Kubernetes only: secrets to pull the image with */
  imagePullSecrets?: string[];
  /** when the image is pulled: IfNotPresent (default), Never, Always */
  imagePullPolicy?: ImagePullPolicy;
  /** Kubernetes only */
  nodeSelector?: Record<string, string>;
  /** Kubernetes only */
  tolerations?: PodToleration[];
  /** Kubernetes only (V1Affinity's shape) */
  affinity?: KubeObject;
  /** Kubernetes only */
  serviceAccountName?: string;
  /** stream the container's output into the try's log as it comes (default true) */
  getLogs?: boolean;
  /**
   * read the JSON the container wrote to outputFile as the task's output (default false, as
   * Airflow's do_xcom_push); on the kubernetes engine at most 4 KiB (the termination message)
   */
  doXcomPush?: boolean;
  /** the file read back as the task's output; setting it turns doXcomPush on (default /gale/xcom/return.json) */
  outputFile?: string;
  /** wait for the container in the triggerer, freeing the worker slot (default false) */
  deferrable?: boolean;
  /** deferrable: how often the triggerer looks at the container (default "2s") */
  pollInterval?: Duration;
  /** what becomes of the container when it is done: delete (default) or keep */
  onFinish?: OnFinishAction;
}

const POD_KEYS = [
  'image',
  'cmds',
  'args',
  'env',
  'secrets',
  'configMaps',
  'volumes',
  'volumeMounts',
  'resources',
  'namespace',
  'labels',
  'imagePullSecrets',
  'imagePullPolicy',
  'nodeSelector',
  'tolerations',
  'affinity',
  'serviceAccountName',
  'getLogs',
  'doXcomPush',
  'outputFile',
  'deferrable',
  'pollInterval',
  'onFinish',
] as const;

function envRecord(env: PodTaskOptions['env'], where: string): Record<string, string> {
  if (!Array.isArray(env)) return { ...(env ?? {}) };
  const out: Record<string, string> = {};
  for (const v of env) {
    if (typeof v?.name !== 'string' || typeof v.value !== 'string') {
      throw new GaleError('GALE_ERR_DAG_INVALID', `${where}: env entries must be { name, value } strings`);
    }
    out[v.name] = v.value;
  }
  return out;
}

/** podTask()'s options, checked and with defaults applied. Throws GALE_ERR_DAG_INVALID naming the field. */
export function compilePodTaskOptions(o: PodTaskOptions, where: string): ContainerTaskSpec {
  const resources = { requests: { ...o.resources?.requests }, limits: { ...o.resources?.limits } };
  for (const [kind, values] of Object.entries(resources)) {
    if (values.memory !== undefined) memoryBytes(values.memory, `${where}: resources.${kind}.memory`);
    if (values.cpu !== undefined) nanoCpus(values.cpu, `${where}: resources.${kind}.cpu`);
  }
  const parsed = containerTaskSpecSchema.safeParse({
    image: o.image ?? '',
    cmds: o.cmds ?? [],
    args: o.args ?? [],
    env: envRecord(o.env, where),
    secrets: o.secrets ?? [],
    configMaps: o.configMaps ?? [],
    volumes: o.volumes ?? [],
    volumeMounts: o.volumeMounts ?? [],
    resources,
    namespace: o.namespace ?? null,
    labels: o.labels ?? {},
    imagePullSecrets: o.imagePullSecrets ?? [],
    imagePullPolicy: o.imagePullPolicy ?? 'IfNotPresent',
    nodeSelector: o.nodeSelector ?? {},
    tolerations: o.tolerations ?? [],
    affinity: o.affinity ?? null,
    serviceAccountName: o.serviceAccountName ?? null,
    getLogs: o.getLogs ?? true,
    outputFile:
      o.outputFile !== undefined ? o.outputFile : o.doXcomPush === true ? DEFAULT_OUTPUT_FILE : null,
    deferrable: o.deferrable ?? false,
    pollIntervalMs: parseDuration(o.pollInterval ?? '2s', `${where}: pollInterval`),
    onFinish: o.onFinish ?? 'delete',
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new GaleError(
      'GALE_ERR_DAG_INVALID',
      `${where}: ${issue?.path.join('.') || 'options'}: ${issue?.message ?? 'invalid'}`,
      { hint: 'See the PodTaskOptions type of gale/sdk for the fields a podTask takes.' },
    );
  }
  if (o.doXcomPush === false && o.outputFile !== undefined) {
    throw new GaleError('GALE_ERR_DAG_INVALID', `${where}: outputFile is set but doXcomPush is false`, {
      hint: 'Leave doXcomPush out (outputFile turns it on), or remove outputFile.',
    });
  }
  return Object.freeze(parsed.data);
}

/** The fields a mapped podTask maps over (Airflow's KubernetesPodOperator.partial().expand(image=, cmds=, arguments=, env_vars=)). */
export interface PodArgs {
  image?: string;
  cmds?: string[];
  args?: string[];
  env?: Record<string, string> | PodEnvVar[];
}

const POD_ARGS: readonly string[] = ['image', 'cmds', 'args', 'env'];

/** A container task to map, with the options given to podTask.partial() fixed. */
export interface PartialPodTask<P extends object, T> {
  /** One task instance per combination of the lists (or zip()); outputs as podTask's, in a list. */
  expand(inputs: { [K in keyof P]: ExpandArg<P[K]> }): TaskRef<T[]>;
  /** One task instance per object of fields ({ cmds, args, env }), a literal list or a task's output. */
  expandKwargs(list: readonly P[] | OutputLike<readonly P[]>): TaskRef<T[]>;
}

/** podTask.partial()'s options: the image may come from expand() instead. */
export type PartialPodTaskOptions = Omit<PodTaskOptions, 'image'> & { image?: string };

function noImage(where: string, hint: string): GaleError {
  return new GaleError('GALE_ERR_DAG_INVALID', `${where} has no image`, { hint });
}

/**
 * The task options and container of a podTask, checked: what podTask() and its partial() share.
 * partial() may leave the image out (imageLater): it is then mapped over, which expand() checks.
 */
function compilePodTask(
  idOrOptions: string | TaskOptions,
  pod: PartialPodTaskOptions,
  kind: string,
  imageLater = false,
) {
  const base: TaskOptions = typeof idOrOptions === 'string' ? { taskId: idOrOptions } : { ...idOrOptions };
  const options = { ...base, ...pod } as PodTaskOptions;
  const taskId = options.taskId;
  if (!taskId) throw new GaleError('GALE_ERR_DAG_INVALID', `${kind} needs a taskId`);
  const where = `podTask "${taskId}"`;
  const given = options.image !== undefined || !imageLater;
  if (given && (typeof options.image !== 'string' || options.image.trim() === '')) {
    throw noImage(
      where,
      "Give it the image to run: podTask('t', { image: 'alpine:3', cmds: ['echo', 'hi'] }).",
    );
  }
  const spec = compilePodTaskOptions(options, where);
  const taskOptions: Record<string, unknown> = { ...options };
  for (const k of POD_KEYS) delete taskOptions[k];
  return { taskOptions: { ...(taskOptions as TaskOptions), taskId }, spec, where };
}

/**
 * podTask.partial('t', { image, cmds: ['sh', '-c'] }).expand({ args: [['echo 1'], ['echo 2']] }):
 * a mapped container task, one container per instance (its name has the map index). The options
 * given here are fixed; image, cmds, args and env not given here come from the expand input, per
 * instance, and are templates as well. Without an image here, every instance needs one from expand.
 */
function partialPodTask<T = unknown, F extends PartialPodTaskOptions = PartialPodTaskOptions>(
  idOrOptions: string | TaskOptions,
  pod: F,
): PartialPodTask<Omit<PodArgs, keyof F>, T> {
  const { taskOptions, spec, where } = compilePodTask(idOrOptions, pod, 'podTask.partial()', true);
  const add = (names: string[] | null, compile: Parameters<typeof addContainerTask>[2]) => {
    if (names !== null && pod.image === undefined && !names.includes('image')) {
      throw noImage(
        `mapped ${where}`,
        "Give the image to podTask.partial(), or map over it: .expand({ image: ['alpine:3', 'busybox:1'] }).",
      );
    }
    for (const name of names ?? []) {
      if (!POD_ARGS.includes(name)) {
        throw new GaleError('GALE_ERR_DAG_INVALID', `mapped ${where}: cannot map over "${name}"`, {
          hint: 'A podTask maps over image, cmds, args and env; fix the other options in podTask.partial().',
        });
      }
      if (name in pod) {
        throw new GaleError(
          'GALE_ERR_DAG_INVALID',
          `mapped ${where}: "${name}" given to both partial() and expand()`,
          {
            hint: 'Give each field either to partial() (the same for every instance) or to expand() (mapped over).',
          },
        );
      }
    }
    return addContainerTask(taskOptions, spec, compile) as TaskRef<T[]>;
  };
  return {
    expand: (inputs) => add(Object.keys(inputs), (toArg, w) => compileExpand({}, inputs, toArg, w)),
    expandKwargs: (list) => add(null, (toArg, w) => compileExpandKwargs({}, list, toArg, w)),
  } as PartialPodTask<Omit<PodArgs, keyof F>, T>;
}

/**
 * Adds a container task to the DAG being built (Airflow's KubernetesPodOperator):
 *   podTask('report', { image: 'alpine:3', cmds: ['sh', '-c'], args: ['echo {{ ds }}'] })
 * Its log is the container's output; it fails with the container's exit code and reason; with
 * doXcomPush (or outputFile) the JSON the container wrote to /gale/xcom/return.json is its output.
 */
function singlePodTask<T = unknown>(idOrOptions: string | TaskOptions, pod: PodTaskOptions): TaskRef<T> {
  const { taskOptions, spec } = compilePodTask(idOrOptions, pod, 'podTask()');
  return addContainerTask(taskOptions, spec) as TaskRef<T>;
}

/** podTask(id, options): one container task; podTask.partial(id, options).expand(...): a mapped one. */
export const podTask = Object.assign(singlePodTask, { partial: partialPodTask });
