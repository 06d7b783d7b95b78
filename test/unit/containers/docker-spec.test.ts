import { describe, expect, it } from 'vitest';
import {
  type ContainerSpec,
  demuxLogBuffer,
  dockerConnection,
  dockerCreateOptions,
  dockerIgnoredFields,
  LineSplitter,
} from '../../../src/containers/index.js';
import { exitReason } from '../../../src/runner/container-task.js';
import { containerSpec } from './container-spec-fixture.js';

const spec = containerSpec;

describe('dockerCreateOptions', () => {
  it.each([
    { what: 'nothing but an image', more: {}, expected: { Image: 'alpine:3', Env: [], Labels: {} } },
    {
      what: 'cmds and args (entrypoint and command, as Kubernetes)',
      more: { cmds: ['sh', '-c'], args: ['echo hi'] },
      expected: { Entrypoint: ['sh', '-c'], Cmd: ['echo hi'] },
    },
    {
      what: 'cmds alone (the image command is dropped)',
      more: { cmds: ['date'] },
      expected: { Entrypoint: ['date'], Cmd: [] },
    },
    { what: 'args alone (the image entrypoint is kept)', more: { args: ['-v'] }, expected: { Cmd: ['-v'] } },
    {
      what: 'env and labels',
      more: { env: { A: '1', B: 'x=y' }, labels: { team: 'data' } },
      expected: { Env: ['A=1', 'B=x=y'], Labels: { team: 'data' } },
    },
  ])('maps $what', ({ more, expected }) => {
    const options = dockerCreateOptions(spec(more));
    expect(options).toMatchObject({ name: 'gale-x-1-abcdef12', ...expected });
    if (!('cmds' in more)) expect(options.Entrypoint).toBeUndefined();
  });

  it.each<{ limits?: Record<string, string>; requests?: Record<string, string>; host: object }>([
    { limits: { memory: '64Mi' }, host: { Memory: 67_108_864, MemorySwap: 67_108_864 } },
    { limits: { cpu: '0.5' }, host: { NanoCpus: 500_000_000 } },
    { limits: { cpu: '250m', memory: '1Gi' }, host: { NanoCpus: 250_000_000, Memory: 1_073_741_824 } },
    { requests: { memory: '32Mi' }, host: { MemoryReservation: 33_554_432 } },
    { requests: { cpu: '1' }, host: { CpuShares: 1024 } },
    { requests: { cpu: '1m' }, host: { CpuShares: 2 } },
  ])('maps resources $limits $requests', ({ limits = {}, requests = {}, host }) => {
    expect(dockerCreateOptions(spec({ resources: { limits, requests } })).HostConfig).toMatchObject(host);
  });

  it.each([
    {
      volume: { name: 'v', hostPath: { path: '/data' } },
      mount: { name: 'v', mountPath: '/in', readOnly: true },
      expected: { Type: 'bind', Source: '/data', Target: '/in', ReadOnly: true },
    },
    {
      volume: { name: 'v', hostPath: { path: '/data/' } },
      mount: { name: 'v', mountPath: '/in', subPath: 'a/b' },
      expected: { Type: 'bind', Source: '/data/a/b', Target: '/in', ReadOnly: false },
    },
    {
      volume: { name: 'v', persistentVolumeClaim: { claimName: 'cache' } },
      mount: { name: 'v', mountPath: '/cache' },
      expected: { Type: 'volume', Source: 'cache', Target: '/cache' },
    },
    {
      volume: { name: 'v', emptyDir: { sizeLimit: '1Mi' } },
      mount: { name: 'v', mountPath: '/tmp/x' },
      expected: { Type: 'tmpfs', Target: '/tmp/x', TmpfsOptions: { SizeBytes: 1_048_576, Mode: 0o1777 } },
    },
  ])('mounts a $volume volume', ({ volume, mount, expected }) => {
    const options = dockerCreateOptions(spec({ volumes: [volume], volumeMounts: [mount] }));
    expect(options.HostConfig?.Mounts).toEqual([expect.objectContaining(expected)]);
  });

  it.each([
    {
      what: 'secrets',
      more: { secrets: ['db'] },
      code: 'GALE_ERR_CONTAINER_UNSUPPORTED',
      message: /secrets or config maps/,
    },
    {
      what: 'config maps',
      more: { configMaps: ['cfg'] },
      code: 'GALE_ERR_CONTAINER_UNSUPPORTED',
      message: /secrets or config maps/,
    },
    {
      what: 'a configMap volume',
      more: {
        volumes: [{ name: 'v', configMap: { name: 'c' } }],
        volumeMounts: [{ name: 'v', mountPath: '/c' }],
      },
      code: 'GALE_ERR_CONTAINER_UNSUPPORTED',
      message: /volume "v"/,
    },
    {
      what: 'a mount of no volume',
      more: { volumeMounts: [{ name: 'nope', mountPath: '/c' }] },
      code: 'GALE_ERR_DAG_INVALID',
      message: /"nope" names no volume/,
    },
  ])('refuses $what, saying why', ({ more, code, message }) => {
    expect(() => dockerCreateOptions(spec(more as Partial<ContainerSpec>))).toThrow(
      expect.objectContaining({ code, message: expect.stringMatching(message) }),
    );
  });
});

describe('dockerIgnoredFields', () => {
  it.each([
    { more: {}, ignored: [] },
    { more: { ref: { name: 'n', namespace: 'jobs' } }, ignored: ['namespace'] },
    {
      more: {
        nodeSelector: { disk: 'ssd' },
        tolerations: [{ key: 'k', operator: 'Exists' as const }],
        affinity: { nodeAffinity: {} },
        serviceAccountName: 'sa',
        imagePullSecrets: ['reg'],
      },
      ignored: ['nodeSelector', 'tolerations', 'affinity', 'serviceAccountName', 'imagePullSecrets'],
    },
    {
      more: {
        resources: {
          requests: { 'ephemeral-storage': '1Gi' },
          limits: { memory: '1Gi', 'nvidia.com/gpu': '1' },
        },
      },
      ignored: ['resources.requests.ephemeral-storage', 'resources.limits.nvidia.com/gpu'],
    },
  ])('ignores $ignored', ({ more, ignored }) => {
    expect(dockerIgnoredFields(spec(more))).toEqual(ignored);
  });
});

describe('dockerConnection', () => {
  it.each([
    { setting: '', env: {}, expected: { socketPath: '/var/run/docker.sock' } },
    {
      setting: '',
      env: { DOCKER_HOST: 'unix:///run/podman/podman.sock' },
      expected: { socketPath: '/run/podman/podman.sock' },
    },
    {
      setting: 'unix:///tmp/d.sock',
      env: { DOCKER_HOST: 'tcp://x:1' },
      expected: { socketPath: '/tmp/d.sock' },
    },
    { setting: '/tmp/d.sock', env: {}, expected: { socketPath: '/tmp/d.sock' } },
    { setting: 'tcp://engine:2375', env: {}, expected: { host: 'engine', port: 2375, protocol: 'http' } },
    { setting: 'https://engine', env: {}, expected: { host: 'engine', port: 2376, protocol: 'https' } },
  ])('reaches "$setting" (env $env)', ({ setting, env, expected }) => {
    expect(dockerConnection(setting, env)).toEqual(expected);
  });

  it('refuses an address it cannot read', () => {
    expect(() => dockerConnection('ftp://x', {})).toThrow(
      expect.objectContaining({ code: 'GALE_ERR_CONFIG_INVALID' }),
    );
  });
});

describe('exitReason', () => {
  it.each([
    { exit: { exitCode: 137, oomKilled: true, reason: 'OOMKilled' }, limit: '32Mi', reason: 'OOMKilled' },
    {
      exit: { exitCode: 137, oomKilled: false, reason: 'Error' },
      limit: '32Mi',
      reason: 'killed (exit code 137) under a memory limit of 32Mi: most likely out of memory',
    },
    {
      exit: { exitCode: 137, oomKilled: false, reason: 'Error' },
      limit: undefined,
      reason: 'killed (SIGKILL)',
    },
    { exit: { exitCode: 2, oomKilled: false, reason: 'Error' }, limit: '32Mi', reason: 'Error' },
    { exit: { exitCode: 1, oomKilled: false, reason: null }, limit: undefined, reason: 'Error' },
  ])('says $reason', ({ exit, limit, reason }) => {
    expect(exitReason(exit, limit)).toBe(reason);
  });
});

describe('container output as lines', () => {
  it('splits chunks into lines across chunk boundaries, multi-byte characters included', () => {
    const lines: string[] = [];
    const splitter = new LineSplitter((l) => lines.push(l));
    const bytes = Buffer.from('one\ntw€o\r\nthr');
    splitter.push(bytes.subarray(0, 7)); // cuts the € in two
    splitter.push(bytes.subarray(7));
    splitter.push(Buffer.from('ee'));
    expect(lines).toEqual(['one', 'tw€o']);
    splitter.flush();
    expect(lines).toEqual(['one', 'tw€o', 'three']);
  });

  it("reads Docker's multiplexed frames by stream", () => {
    const frame = (type: number, text: string) => {
      const data = Buffer.from(text);
      const header = Buffer.alloc(8);
      header[0] = type;
      header.writeUInt32BE(data.length, 4);
      return Buffer.concat([header, data]);
    };
    const frames = demuxLogBuffer(Buffer.concat([frame(1, 'out\n'), frame(2, 'err\n'), frame(1, 'more')]));
    expect(frames.map((f) => [f.stream, f.data.toString()])).toEqual([
      ['stdout', 'out\n'],
      ['stderr', 'err\n'],
      ['stdout', 'more'],
    ]);
  });
});
