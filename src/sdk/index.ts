/** What DAG authors import: `import { dag, task, shell, chain } from 'gale/sdk'`. */

export type {
  ContainerExit,
  ExecutorName,
  ExternalTaskTriggerEvent,
  FileTriggerEvent,
  HttpTriggerEvent,
  ImagePullPolicy,
  KubeObject,
  OnFinishAction,
  PodOverride,
  PodToleration,
  PodVolumeMount,
} from '../models/index.js';
export {
  Asset,
  AssetAll,
  AssetAny,
  type AssetEventInfo,
  type AssetLike,
  type AssetOptions,
  asset,
  assetAll,
  assetAny,
  type OutletEventAccessor,
} from './assets.js';
export type {
  TaskConnection,
  TaskContext,
  TaskLogger,
  TriggerDagRunRequest,
  TriggeredDagRun,
} from './context.js';
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
  type KwArgsOf,
  latestOnly,
  type MappedTaskGroupFactory,
  Param,
  type PartialShell,
  type PartialTask,
  param,
  type ShellArgs,
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
  taskGroup,
} from './dag.js';
export type { DagRunCallback, DagRunCallbackContext, DeadlineAlert } from './dag-callbacks.js';
export { type ExternalTaskSensorOptions, externalTaskSensor } from './external-task-sensor.js';
export {
  type ApprovalOptions,
  type ApprovalResult,
  approval,
  type HitlEntryOptions,
  type HitlOptions,
  type HitlResult,
  type HitlText,
  hitl,
  hitlBranch,
  hitlEntry,
} from './hitl.js';
export { type HttpRequestTaskOptions, httpRequest } from './http-request.js';
export { type HttpSensorOptions, type HttpSensorResponse, httpSensor } from './http-sensor.js';
export type { GroupArg, GroupArgs } from './mapped-group.js';
export { type ExpandArg, type OutputLike, ZipInput, zip, zipLongest } from './mapping.js';
export { type NotificationInfo, type WebhookNotifierOptions, webhookNotifier } from './notifiers.js';
export { empty } from './operators.js';
export {
  type PartialPodTask,
  type PartialPodTaskOptions,
  type PodArgs,
  type PodEnvVar,
  type PodTaskOptions,
  podTask,
} from './pod-task.js';
export {
  type PokeFunction,
  type PokeResult,
  type SensorMode,
  type SensorOptions,
  type SensorSettings,
  sensor,
  waitFor,
  waitForFile,
  waitUntil,
} from './sensors.js';
export { type SqlQueryOptions, type SqlRow, sqlQuery } from './sql-query.js';
export { type SqlSensorOptions, sqlSensor } from './sql-sensor.js';
export type {
  DefaultArgs,
  ResumeFunction,
  ResumeFunctions,
  TaskCallback,
  TaskCallbacks,
  TaskOptions,
} from './task-options.js';
export { TaskFailed, TaskSkipped, terminalStateOf } from './task-outcomes.js';
export {
  AssetOrTimeSchedule,
  assetOrTime,
  type CronOptions,
  cronDataIntervals,
  cronTrigger,
  events,
  every,
  type Schedule,
  Timetable,
} from './timetables.js';
export {
  type CompiledTriggerDagRunOptions,
  compileTriggerDagRunOptions,
  type TriggerDagRunOptions,
  triggerDagRun,
} from './trigger-dag-run.js';
export {
  type DeferOptions,
  dateTimeTrigger,
  type ExternalTaskTriggerOptions,
  externalTaskTrigger,
  type FileTriggerOptions,
  fileTrigger,
  type HttpTriggerOptions,
  httpTrigger,
  isTaskDeferred,
  TaskDeferred,
  type TriggerSpec,
  timeDeltaTrigger,
} from './triggers.js';
export {
  type DefinedTrigger,
  defineTrigger,
  findDefinedTrigger,
  type TriggerRunContext,
  type TriggerRunFunction,
} from './user-triggers.js';
