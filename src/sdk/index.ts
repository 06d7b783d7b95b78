/** What DAG authors import: `import { dag, task, shell, chain } from 'gale/sdk'`. */

export type {
  ContainerExit,
  ExecutorName,
  FileTriggerEvent,
  ImagePullPolicy,
  KubeObject,
  OnFinishAction,
  PodOverride,
  PodToleration,
  PodVolumeMount,
} from '../models/index.js';
export type { TaskConnection, TaskContext, TaskLogger } from './context.js';
export {
  type Arg,
  type Args,
  branch,
  chain,
  Dag,
  type DagOptions,
  type Dependency,
  dag,
  group,
  latestOnly,
  Param,
  param,
  type ShellOptions,
  shell,
  shortCircuit,
  type TaskFactory,
  type TaskFunction,
  type TaskGroup,
  type TaskGroupOptions,
  type TaskNode,
  type TaskRef,
  takeDefinedDags,
  task,
} from './dag.js';
export { type PodEnvVar, type PodTaskOptions, podTask } from './pod-task.js';
export { waitFor, waitForFile, waitUntil } from './sensors.js';
export type {
  DefaultArgs,
  ResumeFunction,
  ResumeFunctions,
  TaskCallback,
  TaskCallbacks,
  TaskOptions,
} from './task-options.js';
export {
  type DeferOptions,
  dateTimeTrigger,
  type FileTriggerOptions,
  fileTrigger,
  isTaskDeferred,
  TaskDeferred,
  type TriggerSpec,
  timeDeltaTrigger,
} from './triggers.js';
