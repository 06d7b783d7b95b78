/** The kubernetes executor: a pod per try. */

export { loadKubeConfig } from './kube-config.js';
export {
  type DeletePods,
  KubernetesExecutor,
  type KubernetesExecutorOptions,
} from './kubernetes-executor.js';
export { LogPosition } from './log-position.js';
export {
  otherSchedulersSelector,
  podLabels,
  podName,
  SCHEDULER_ID_LABEL,
  safeLabelValue,
  schedulerIdOf,
  schedulerSelector,
  TI_ID_LABEL,
} from './pod-labels.js';
export { appendLogNote } from './pod-logs.js';
export {
  ACTIVE_DEADLINE_MARGIN_SECONDS,
  BASE_CONTAINER,
  buildPod,
  loadPodTemplate,
  TASK_POD_ARGS,
} from './pod-spec.js';
export { type PodVerdict, podVerdict } from './pod-status.js';
