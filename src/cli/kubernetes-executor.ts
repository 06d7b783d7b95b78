/**
 * The kubernetes executor of a scheduler, from the kubernetes section of the settings. Checks
 * everything it needs before the scheduler starts (worker_image, the Kubernetes connection, the
 * pod template, the task execution API and api.secret_key) and fails naming the setting.
 */
import { hostname } from 'node:os';
import { liveJobHostnames } from '../db/index.js';
import type { Executor } from '../executors/index.js';
import { GaleError } from '../models/index.js';
import type { CliEnv } from './environment.js';
import { executionApi } from './execution-api-settings.js';

export async function makeKubernetesExecutor(env: CliEnv): Promise<Executor> {
  const c = env.loaded.config;
  const k = c.kubernetes;
  if (k.worker_image.trim() === '') {
    throw new GaleError(
      'GALE_ERR_CONFIG_INVALID',
      'The kubernetes executor needs kubernetes.worker_image: the image its task pods run',
      { hint: 'Set GALE__KUBERNETES__WORKER_IMAGE to an image whose entrypoint is gale, e.g. gale:0.1.0.' },
    );
  }
  const taskApi = executionApi(c, 'The kubernetes executor');
  // Loaded only here: @kubernetes/client-node takes seconds and 70 MB to import, which every other
  // command and every task process would otherwise pay (so executors/index.ts exports its types only).
  const { KubernetesExecutor, loadKubeConfig, loadPodTemplate } = await import(
    '../executors/kubernetes/index.js'
  );
  const log = env.log.child({ component: 'kubernetes-executor' });
  // Dead as /api/v2/monitor/health counts it: no heartbeat for three heartbeats and 5 s.
  const healthThresholdMs = c.scheduler.scheduler_heartbeat_sec * 3_000 + 5_000;
  return new KubernetesExecutor({
    kubeConfig: loadKubeConfig(k),
    namespace: k.namespace,
    image: k.worker_image,
    podTemplate: k.pod_template_file ? loadPodTemplate(k.pod_template_file) : null,
    // The host's name outlives a restart of the scheduler on it, so the restarted one adopts its pods.
    schedulerId: hostname(),
    // A scheduler of a Deployment comes back under another hostname: the pods of dead ones are adopted.
    liveSchedulerIds: async () =>
      new Set(await liveJobHostnames(env.gdb.db, 'scheduler', new Date(Date.now() - healthThresholdMs))),
    adoptIntervalMs: Math.min(healthThresholdMs, 30_000),
    parallelism: c.core.parallelism,
    deletePods: k.delete_pods,
    pendingTimeoutSeconds: k.pending_timeout,
    taskApi,
    onError: (message, error) => log.warn({ err: error }, message),
    onInfo: (message, details) => log.info(details, message),
  });
}
