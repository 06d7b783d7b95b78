/**
 * On upgrade the chart keeps the keys and passwords it generated at install: it reads them back
 * from the cluster with Helm's `lookup` instead of generating new ones. Rendered with
 * `helm template --dry-run=server` against the Kubernetes API TEST DOUBLE
 * (test/support/kube-discovery-double.ts: discovery and GET of the Secrets the test puts in it),
 * since no real cluster runs here.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureHelm, ensureKubeOpenApi, KUBE_VERSIONS } from '../support/chart-tools.js';
import { type KubeApiDouble, startKubeApiDouble } from '../support/kube-discovery-double.js';
import type { KubeObject } from '../support/kube-schema.js';
import { find, NAMESPACE, RELEASE, renderChartAsync } from './render.js';

const b64 = (text: string) => Buffer.from(text).toString('base64');
const secret = (name: string, key: string, value: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Secret',
  // as the install left it: owned by the release
  metadata: {
    name,
    namespace: NAMESPACE,
    labels: { 'app.kubernetes.io/managed-by': 'Helm' },
    annotations: { 'meta.helm.sh/release-name': RELEASE, 'meta.helm.sh/release-namespace': NAMESPACE },
  },
  data: { [key]: b64(value) },
});

/** What an earlier install left in the cluster. */
const INSTALLED = {
  fernet: Buffer.alloc(32, 9).toString('base64'),
  secretKey: 'k'.repeat(48),
  postgres: 'KeptPostgresPassword123',
};

let helmPath = '';
let double: KubeApiDouble;
const dir = mkdtempSync(join(tmpdir(), 'gale-chart-upgrade-'));

beforeAll(async () => {
  helmPath = ensureHelm();
  double = await startKubeApiDouble(
    ensureKubeOpenApi(KUBE_VERSIONS[KUBE_VERSIONS.length - 1] ?? '1.33.0'),
    [
      secret('gale-fernet-key', 'fernet-key', INSTALLED.fernet),
      secret('gale-secret-key', 'secret-key', INSTALLED.secretKey),
      secret('gale-postgresql', 'password', INSTALLED.postgres),
    ],
    dir,
  );
}, 600_000);

afterAll(async () => {
  await double?.close();
  rmSync(dir, { recursive: true, force: true });
});

const upgrade = (values: Record<string, unknown>) =>
  renderChartAsync(helmPath, values, [
    '--kubeconfig',
    double.kubeconfig,
    '--dry-run=server',
    '--disable-openapi-validation',
  ]);

const secretValue = (objects: KubeObject[], name: string, key: string) =>
  Buffer.from(find(objects, 'Secret', name).data[key], 'base64').toString();

describe('an upgrade of an installed release', () => {
  it('keeps the fernet key, secret key and PostgreSQL password the install generated', async () => {
    const objects = await upgrade({});
    expect(secretValue(objects, 'gale-fernet-key', 'fernet-key')).toBe(INSTALLED.fernet);
    expect(secretValue(objects, 'gale-secret-key', 'secret-key')).toBe(INSTALLED.secretKey);
    expect(secretValue(objects, 'gale-postgresql', 'password')).toBe(INSTALLED.postgres);
    // a Secret the cluster does not have yet is generated: random, 24 characters
    expect(secretValue(objects, 'gale-admin-password', 'password')).toMatch(/^[A-Za-z0-9]{24}$/);
  });

  it('takes a fernet key given in the values over the kept one', async () => {
    const given = Buffer.alloc(32, 3).toString('base64');
    expect(secretValue(await upgrade({ fernetKey: given }), 'gale-fernet-key', 'fernet-key')).toBe(given);
  });
});
