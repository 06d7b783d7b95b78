import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadKubeConfig } from '../../../../src/executors/kubernetes/index.js';

const dir = mkdtempSync(join(tmpdir(), 'gale-kc-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const kubeconfig = JSON.stringify({
  apiVersion: 'v1',
  kind: 'Config',
  clusters: [
    { name: 'a', cluster: { server: 'https://a.example:6443' } },
    { name: 'b', cluster: { server: 'https://b.example:6443' } },
  ],
  users: [{ name: 'u', user: { token: 't' } }],
  contexts: [
    { name: 'ctx-a', context: { cluster: 'a', user: 'u' } },
    { name: 'ctx-b', context: { cluster: 'b', user: 'u' } },
  ],
  'current-context': 'ctx-a',
});
const file = join(dir, 'config');
writeFileSync(file, kubeconfig);

describe('loadKubeConfig', () => {
  it.each([
    ['the current context', '', 'https://a.example:6443'],
    ['kubernetes.context', 'ctx-b', 'https://b.example:6443'],
  ])('reads a kubeconfig file with %s', (_what, context, server) => {
    const kc = loadKubeConfig({ in_cluster: false, config_file: file, context });
    expect(kc.getCurrentCluster()?.server).toBe(server);
  });

  it.each([
    [
      'a missing file',
      { in_cluster: false, config_file: join(dir, 'missing'), context: '' },
      /kubernetes.config_file/,
    ],
    ['an unknown context', { in_cluster: false, config_file: file, context: 'nope' }, /no current cluster/],
  ])('fails naming what to fix: %s', (_what, settings, message) => {
    expect(() => loadKubeConfig(settings)).toThrow(message);
  });

  it('fails at once with in_cluster outside a pod', () => {
    const saved = { host: process.env.KUBERNETES_SERVICE_HOST, port: process.env.KUBERNETES_SERVICE_PORT };
    delete process.env.KUBERNETES_SERVICE_HOST;
    delete process.env.KUBERNETES_SERVICE_PORT;
    try {
      expect(() => loadKubeConfig({ in_cluster: true, config_file: '', context: '' })).toThrow(/in_cluster/);
    } finally {
      if (saved.host !== undefined) process.env.KUBERNETES_SERVICE_HOST = saved.host;
      if (saved.port !== undefined) process.env.KUBERNETES_SERVICE_PORT = saved.port;
    }
  });
});
