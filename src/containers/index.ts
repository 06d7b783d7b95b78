/** Container engines: what runs podTask containers, for the task runner and the triggerer. */
import type { GaleConfig } from '../config/index.js';
import type { ContainerEngineName } from '../models/index.js';
import type { ContainerEngine, KubeEngineSettings } from './engine.js';

export { dockerConnection, dockerCreateOptions, dockerIgnoredFields, dockerMounts } from './docker-spec.js';
export type {
  ContainerEngine,
  ContainerRef,
  ContainerSpec,
  ContainerState,
  KubeEngineSettings,
  LogLine,
} from './engine.js';
export { demuxLogBuffer, LineSplitter } from './log-lines.js';

/** The engine settings a process needs (the `containers` section, or a container trigger's kwargs). */
export interface ContainerEngineSettings {
  engine: ContainerEngineName;
  /** docker: its API's address ("" = $DOCKER_HOST, else /var/run/docker.sock) */
  dockerHost: string;
  /** kubernetes (absent: the `kubernetes` section's defaults) */
  kubernetes?: KubeEngineSettings;
}

const DEFAULT_KUBE: KubeEngineSettings = {
  inCluster: false,
  configFile: '',
  context: '',
  namespace: 'default',
  pendingTimeoutMs: 300_000,
};

/**
 * The engine of the settings. Its client is imported here, when a container task runs, not by
 * every task process (dockerode takes most of a second to import).
 */
export async function createContainerEngine(settings: ContainerEngineSettings): Promise<ContainerEngine> {
  switch (settings.engine) {
    case 'docker': {
      const { DockerEngine } = await import('./docker-engine.js');
      return new DockerEngine(settings.dockerHost);
    }
    case 'kubernetes': {
      // @kubernetes/client-node takes about 2 s to import: only here, when a pod is to run
      const { KubernetesEngine } = await import('./kubernetes-engine.js');
      return KubernetesEngine.connect(settings.kubernetes ?? DEFAULT_KUBE);
    }
  }
}

/** The engine settings of the `containers` section (and, for the kubernetes engine, of `kubernetes`). */
export function containerSettings(
  config: Pick<GaleConfig, 'containers' | 'kubernetes'>,
): ContainerEngineSettings {
  const k = config.kubernetes;
  return {
    engine: config.containers.engine,
    dockerHost: config.containers.docker_host,
    kubernetes: {
      inCluster: k.in_cluster,
      configFile: k.config_file,
      context: k.context,
      namespace: k.namespace,
      pendingTimeoutMs: k.pending_timeout * 1000,
    },
  };
}
