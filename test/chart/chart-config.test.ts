/**
 * What the chart gives each Gale container (gale.yaml from the ConfigMap, GALE__* variables) is
 * accepted by Gale's own configuration loader: no unknown setting, no invalid value, and the
 * settings the services need (listening on every address, the executor, the execution API).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { ensureHelm } from '../support/chart-tools.js';
import { find, type Manifest, renderChart, SCENARIOS } from './render.js';

let helmPath = '';
const home = mkdtempSync(join(tmpdir(), 'gale-chart-config-'));
beforeAll(() => {
  helmPath = ensureHelm();
}, 600_000);
afterAll(() => rmSync(home, { recursive: true, force: true }));

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { key: string }; fieldRef?: unknown };
}

/** What a Secret or the downward API would give each variable, as Kubernetes would resolve it. */
function resolveEnv(env: EnvVar[]): Record<string, string> {
  const out: Record<string, string> = {};
  const fromSecret = (e: EnvVar): string => {
    if (e.name === 'GALE__CORE__FERNET_KEY') return Buffer.alloc(32, 7).toString('base64');
    if (e.name === 'GALE__DATABASE__URL') return 'postgresql://gale:pw@db:5432/gale';
    if (e.name === 'GALE__QUEUE__REDIS_URL') return 'redis://:pw@redis:6379/0';
    if (e.name.endsWith('PASSWORD')) return 'pw';
    return 's'.repeat(48);
  };
  for (const e of env) {
    if (e.valueFrom?.secretKeyRef) out[e.name] = fromSecret(e);
    else if (e.valueFrom?.fieldRef) out[e.name] = '10.1.2.3';
    else out[e.name] = (e.value ?? '').replace(/\$\(([A-Z0-9_]+)\)/g, (_, name: string) => out[name] ?? '');
  }
  return out;
}

describe.each(SCENARIOS)('Gale loads the configuration the chart gives it with $name', ({ values }) => {
  it('in every Gale service container', () => {
    const objects = renderChart(helmPath, values);
    writeFileSync(join(home, 'gale.yaml'), find(objects, 'ConfigMap', 'gale-config').data['gale.yaml']);
    // the Gale services: Deployments, and the schedulers' StatefulSet with the kubernetes executor
    const services = (objects as Manifest[]).filter(
      (o) =>
        ['Deployment', 'StatefulSet'].includes(o.kind) &&
        o.spec.template.spec.containers[0].image.startsWith('gale:'),
    );
    expect(services.length).toBeGreaterThanOrEqual(4);
    for (const deployment of services) {
      const container = deployment.spec.template.spec.containers[0];
      const env = resolveEnv(container.env);
      expect(env.GALE__DATABASE__URL, deployment.metadata.name).toMatch(
        /^postgresql:\/\/gale:pw@[a-z.-]+:5432\/gale/,
      );
      const { config } = loadConfig({ ...env, GALE_HOME: home });
      expect(config.api.host).toBe('0.0.0.0');
      expect(config.metrics.host).toBe('0.0.0.0');
      expect(config.core.executor.join(',')).toBe(String(values.executor ?? 'local'));
      if (container.args[0] === 'worker') {
        expect(config.logging.worker_log_server_host).toBe('10.1.2.3');
        expect(config.execution_api.url).toBe('http://gale-api-server:8080');
      }
    }
  });
});
