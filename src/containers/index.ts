/** Container engines: what runs podTask containers, for the task runner and the triggerer. */
import type { GaleConfig } from '../config/index.js';
import type { ContainerEngineName } from '../models/index.js';
import type { ContainerEngine } from './engine.js';

export { dockerConnection, dockerCreateOptions, dockerIgnoredFields, dockerMounts } from './docker-spec.js';
export type { ContainerEngine, ContainerRef, ContainerSpec, ContainerState, LogLine } from './engine.js';
export { demuxLogBuffer, LineSplitter } from './log-lines.js';

/** The engine settings a process needs (the `containers` section, or a container trigger's kwargs). */
export interface ContainerEngineSettings {
  engine: ContainerEngineName;
  /** docker: its API's address ("" = $DOCKER_HOST, else /var/run/docker.sock) */
  dockerHost: string;
}

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
  }
}

/** The engine settings of the `containers` section. */
export function containerSettings(section: GaleConfig['containers']): ContainerEngineSettings {
  return { engine: section.engine, dockerHost: section.docker_host };
}
