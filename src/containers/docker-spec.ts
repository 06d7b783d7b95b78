/**
 * How a container spec (Kubernetes-shaped) becomes Docker's: the create options of the Docker API
 * (entrypoint and command, environment, labels, mounts, memory and CPU), the Kubernetes-only
 * fields the docker engine ignores, and where its API listens. Pure: no I/O.
 */
import type Docker from 'dockerode';
import { GaleError, memoryBytes, nanoCpus } from '../models/index.js';
import type { ContainerSpec } from './engine.js';

const DEFAULT_SOCKET = '/var/run/docker.sock';

/** How dockerode reaches the engine: containers.docker_host, else $DOCKER_HOST, else the default socket. */
export function dockerConnection(dockerHost: string, env: NodeJS.ProcessEnv): Docker.DockerOptions {
  const host = dockerHost.trim() || env.DOCKER_HOST?.trim() || '';
  if (host === '') return { socketPath: DEFAULT_SOCKET };
  if (host.startsWith('unix://')) return { socketPath: host.slice('unix://'.length) };
  if (host.startsWith('/')) return { socketPath: host };
  const url = /^(tcp|http|https):\/\/([^:/]+)(?::(\d+))?\/?$/.exec(host);
  if (!url) {
    throw new GaleError('GALE_ERR_CONFIG_INVALID', `containers.docker_host "${host}" is not an address`, {
      hint: 'Write unix:///var/run/docker.sock, or tcp://host:2375.',
    });
  }
  const protocol = url[1] === 'https' ? 'https' : 'http';
  return { host: url[2], port: Number(url[3] ?? (protocol === 'https' ? 2376 : 2375)), protocol };
}

/** Fields only Kubernetes can honour: set in `spec`, they are ignored by the docker engine. */
export function dockerIgnoredFields(spec: ContainerSpec): string[] {
  const ignored: string[] = [];
  if (spec.ref.namespace) ignored.push('namespace');
  if (Object.keys(spec.nodeSelector).length > 0) ignored.push('nodeSelector');
  if (spec.tolerations.length > 0) ignored.push('tolerations');
  if (spec.affinity) ignored.push('affinity');
  if (spec.serviceAccountName) ignored.push('serviceAccountName');
  if (spec.imagePullSecrets.length > 0) ignored.push('imagePullSecrets');
  for (const kind of ['requests', 'limits'] as const) {
    for (const key of Object.keys(spec.resources[kind])) {
      if (key !== 'memory' && key !== 'cpu') ignored.push(`resources.${kind}.${key}`);
    }
  }
  return ignored;
}

function unsupported(spec: ContainerSpec, what: string, hint: string): GaleError {
  return new GaleError(
    'GALE_ERR_CONTAINER_UNSUPPORTED',
    `Container ${spec.ref.name}: the docker engine cannot ${what}`,
    { hint },
  );
}

type Mount = NonNullable<NonNullable<Docker.ContainerCreateOptions['HostConfig']>['Mounts']>[number];

/** Kubernetes volumes and mounts as Docker mounts: hostPath → bind, persistentVolumeClaim → named volume, emptyDir → tmpfs. */
export function dockerMounts(spec: ContainerSpec): Mount[] {
  const volumes = new Map(spec.volumes.map((v) => [v.name, v]));
  return spec.volumeMounts.map((m): Mount => {
    const volume = volumes.get(m.name);
    if (!volume) {
      throw new GaleError('GALE_ERR_DAG_INVALID', `volumeMount "${m.name}" names no volume of the task`, {
        hint: `Add { name: '${m.name}', ... } to volumes, or fix the mount's name.`,
      });
    }
    const readOnly = m.readOnly ?? false;
    const hostPath = volume.hostPath as { path?: unknown } | undefined;
    if (hostPath && typeof hostPath.path === 'string') {
      const source = m.subPath ? `${hostPath.path.replace(/\/$/, '')}/${m.subPath}` : hostPath.path;
      return { Type: 'bind', Source: source, Target: m.mountPath, ReadOnly: readOnly };
    }
    const claim = volume.persistentVolumeClaim as { claimName?: unknown } | undefined;
    if (claim && typeof claim.claimName === 'string') {
      if (m.subPath) throw unsupported(spec, 'mount a subPath of a named volume', 'Mount the whole volume.');
      return { Type: 'volume', Source: claim.claimName, Target: m.mountPath, ReadOnly: readOnly };
    }
    const emptyDir = volume.emptyDir as { sizeLimit?: unknown } | undefined;
    if (emptyDir) {
      const size =
        typeof emptyDir.sizeLimit === 'string' ? memoryBytes(emptyDir.sizeLimit, 'emptyDir.sizeLimit') : 0;
      return {
        Type: 'tmpfs',
        Source: '',
        Target: m.mountPath,
        ...(size > 0 ? { TmpfsOptions: { SizeBytes: size, Mode: 0o1777 } } : {}),
      };
    }
    throw unsupported(
      spec,
      `mount volume "${m.name}" (only hostPath, persistentVolumeClaim and emptyDir volumes)`,
      'Use a hostPath volume (a bind mount) or a persistentVolumeClaim (a named Docker volume).',
    );
  });
}

/** The Docker API's create options for a container spec. */
export function dockerCreateOptions(spec: ContainerSpec): Docker.ContainerCreateOptions {
  if (spec.secrets.length > 0 || spec.configMaps.length > 0) {
    throw unsupported(
      spec,
      'read Kubernetes secrets or config maps (secrets, configMaps)',
      "Pass values in env instead, from Gale's variables and connections: env: { TOKEN: '{{ var.value.token }}', DB_PASSWORD: '{{ conn.db.password }}' } (masked in the log).",
    );
  }
  const { limits, requests } = spec.resources;
  const hostConfig: NonNullable<Docker.ContainerCreateOptions['HostConfig']> = {
    Mounts: dockerMounts(spec),
  };
  if (limits.memory !== undefined) {
    hostConfig.Memory = memoryBytes(limits.memory, 'resources.limits.memory');
    // no swap beyond the limit, as a Kubernetes node: over it, the container is killed
    hostConfig.MemorySwap = hostConfig.Memory;
  }
  if (limits.cpu !== undefined) hostConfig.NanoCpus = nanoCpus(limits.cpu, 'resources.limits.cpu');
  if (requests.memory !== undefined)
    hostConfig.MemoryReservation = memoryBytes(requests.memory, 'resources.requests.memory');
  // as the kubelet on cgroup v1: shares of 1024 per requested core
  if (requests.cpu !== undefined)
    hostConfig.CpuShares = Math.max(
      2,
      Math.round((nanoCpus(requests.cpu, 'resources.requests.cpu') * 1024) / 1e9),
    );
  return {
    name: spec.ref.name,
    Image: spec.image,
    ...(spec.cmds.length > 0 ? { Entrypoint: spec.cmds, Cmd: spec.args } : {}),
    ...(spec.cmds.length === 0 && spec.args.length > 0 ? { Cmd: spec.args } : {}),
    Env: Object.entries(spec.env).map(([k, v]) => `${k}=${v}`),
    Labels: { ...spec.labels },
    Tty: false,
    HostConfig: hostConfig,
  };
}
