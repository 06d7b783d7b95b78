/** A container spec for the engines' unit tests: an image and nothing else, then `more`. */
import type { ContainerSpec } from '../../../src/containers/index.js';

export const containerSpec = (more: Partial<ContainerSpec> = {}): ContainerSpec => ({
  ref: { name: 'gale-x-1-abcdef12', namespace: null },
  image: 'alpine:3',
  cmds: [],
  args: [],
  env: {},
  secrets: [],
  configMaps: [],
  volumes: [],
  volumeMounts: [],
  resources: { requests: {}, limits: {} },
  labels: {},
  imagePullSecrets: [],
  imagePullPolicy: 'IfNotPresent',
  nodeSelector: {},
  tolerations: [],
  affinity: null,
  serviceAccountName: null,
  outputFile: null,
  ...more,
});
