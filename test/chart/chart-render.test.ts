/**
 * The Helm chart renders, for every way of installing it in the matrix, objects that Kubernetes
 * 1.29 and 1.33 accept (their own OpenAPI schemas, strictly: no unknown field), passes
 * `helm lint --strict`, and a wrong value fails with values.schema.json's message.
 * Custom resources (KEDA, Prometheus operator) are checked against crdShapes instead.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Ajv } from 'ajv';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { SETTINGS } from '../../src/config/schema.js';
import { ensureHelm, ensureKubeOpenApi, helmVersion, KUBE_VERSIONS } from '../support/chart-tools.js';
import { crdShapes, type KubeObject, KubeValidator } from '../support/kube-schema.js';
import { CHART_DIR, find, lintChart, type Manifest, renderChart, SCENARIOS, taskPod } from './render.js';

let helmPath = '';
const validators = new Map<string, KubeValidator>();
const crdAjv = new Ajv({ strict: false, allErrors: true });

beforeAll(() => {
  const started = Date.now();
  helmPath = ensureHelm();
  for (const version of KUBE_VERSIONS) validators.set(version, new KubeValidator(ensureKubeOpenApi(version)));
  // says exactly what validates the chart, in the test output
  process.stdout.write(
    `chart tests: ${helmVersion(helmPath)}; objects validated with ajv against the swagger.json of k8s.io/kubernetes ${KUBE_VERSIONS.map((v) => `v${v}`).join(' and ')} (additionalProperties false everywhere); KEDA and Prometheus operator kinds against test/support/kube-schema.ts crdShapes (tools ready in ${Date.now() - started} ms)\n`,
  );
}, 600_000);

function problemsOf(object: KubeObject): string[] {
  const key = `${object.apiVersion}/${object.kind}`;
  const shape = crdShapes[key];
  if (shape) {
    const check = crdAjv.compile(shape);
    return check(object) ? [] : (check.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
  }
  const problems: string[] = [];
  for (const [version, validator] of validators) {
    for (const p of validator.validate(object)) problems.push(`k8s ${version}: ${p}`);
  }
  return problems;
}

describe('the schema validation itself', () => {
  it('rejects a misspelt field, a wrong type and an unknown kind', () => {
    const deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'x' },
      spec: {
        replica: 2,
        selector: { matchLabels: { a: 'b' } },
        template: { spec: { containers: [{ name: 'c', image: 'i', ports: [{ containerPort: 'http' }] }] } },
      },
    };
    const problems = problemsOf(deployment);
    expect(problems.some((p) => p.includes('(replica)'))).toBe(true);
    expect(problems.some((p) => p.includes('/containerPort'))).toBe(true);
    expect(problemsOf({ apiVersion: 'apps/v1', kind: 'Deploymnet', metadata: { name: 'x' } })).not.toEqual(
      [],
    );
    const { replica: _, ...spec } = deployment.spec;
    expect(
      problemsOf({
        ...deployment,
        spec: { ...spec, template: { spec: { containers: [{ name: 'c', image: 'i' }] } } },
      }),
    ).toEqual([]);
  });
});

describe.each(SCENARIOS)('the chart with $name', ({ values }) => {
  it('passes helm lint --strict', () => {
    expect(lintChart(helmPath, values)).toContain('0 chart(s) failed');
  });

  it('renders only objects valid for Kubernetes 1.29 and 1.33', () => {
    const objects = renderChart(helmPath, values);
    expect(objects.length).toBeGreaterThan(10);
    const pod = taskPod(objects);
    const invalid = [...objects, ...(pod ? [pod] : [])]
      .map((o) => ({ object: `${o.kind}/${o.metadata?.name}`, problems: problemsOf(o) }))
      .filter((r) => r.problems.length > 0);
    expect(invalid).toEqual([]);
  });
});

describe('toggles outside the matrix', () => {
  it.each([
    { networkPolicies: { enabled: false }, triggerer: { enabled: false }, serviceAccount: { create: false } },
    {
      executor: 'queue',
      postgresql: { persistence: { enabled: false } },
      redis: { persistence: { enabled: true } },
    },
    {
      apiServer: { defaultUser: { passwordSecretName: 'admin' } },
      fernetKeySecretName: 'fernet',
      secretKeySecretName: 'secret',
      postgresql: { auth: { existingSecret: 'pg' } },
    },
    {
      postgresql: { enabled: false },
      data: { metadataSecretName: 'db-url' },
      backup: { enabled: true, persistence: { existingClaim: 'backups' } },
    },
    {
      migrateDatabaseJob: { useHelmHooks: false },
      createUserJob: { useHelmHooks: false },
      waitForMigrations: { enabled: false },
    },
    {
      executor: 'queue',
      redis: { enabled: false },
      data: { brokerUrlSecretName: 'broker' },
      workers: {
        keda: { enabled: true, redisAddress: 'redis.example.com:6379', redisPasswordSecretName: 'redis' },
      },
    },
  ])('render valid objects with %j', (values) => {
    const invalid = renderChart(helmPath, values)
      .map((o) => ({ object: `${o.kind}/${o.metadata?.name}`, problems: problemsOf(o) }))
      .filter((r) => r.problems.length > 0);
    expect(invalid).toEqual([]);
  });
});

describe('what each way of installing renders', () => {
  const render = (name: string) => {
    const scenario = SCENARIOS.find((s) => s.name.startsWith(name));
    if (!scenario) throw new Error(`no scenario ${name}`);
    return renderChart(helmPath, scenario.values);
  };
  const galeYaml = (objects: KubeObject[]) =>
    parse((find(objects, 'ConfigMap', 'gale-config').data as Record<string, string>)['gale.yaml'] ?? '');

  it('local: two schedulers, bundled PostgreSQL, migrate and create-user hooks, no workers', () => {
    const objects = render('local');
    expect(find(objects, 'Deployment', 'gale-scheduler').spec.replicas).toBe(2);
    expect(find(objects, 'StatefulSet', 'gale-postgresql').spec.replicas).toBe(1);
    expect(find(objects, 'Job', 'gale-migrate-database').metadata.annotations['helm.sh/hook']).toBe(
      'post-install,post-upgrade',
    );
    expect(find(objects, 'Job', 'gale-create-user').spec.template.spec.containers[0].command[2]).toContain(
      'gale users create --username "admin" --role "Admin" --password-stdin --if-not-exists',
    );
    const scheduler = find(objects, 'Deployment', 'gale-scheduler').spec.template.spec;
    expect(
      scheduler.initContainers.find((c: { name: string }) => c.name === 'wait-for-migrations').args,
    ).toEqual(['db', 'check', '--wait', '600']);
    expect(objects.some((o) => o.metadata?.name === 'gale-worker')).toBe(false);
    expect(galeYaml(objects)).toMatchObject({
      core: { executor: 'local', load_examples: false },
      api: { host: '0.0.0.0', port: 8080 },
      metrics: { host: '0.0.0.0', port: 8974 },
    });
  });

  it('queue + KEDA: a ScaledObject on the BullMQ lists of every queue, scaling to zero', () => {
    const objects = render('queue');
    const scaled = find(objects, 'ScaledObject', 'gale-worker').spec;
    expect(scaled.minReplicaCount).toBe(0);
    expect(scaled.triggers.map((t: { metadata: { listName: string } }) => t.metadata.listName)).toEqual([
      'gale:default:wait',
      'gale:default:active',
      'gale:heavy:wait',
      'gale:heavy:active',
    ]);
    expect(find(objects, 'Deployment', 'gale-worker').spec.replicas).toBeUndefined();
    expect(find(objects, 'Deployment', 'gale-worker').spec.template.spec.containers[0].args).toEqual([
      'worker',
      '--queues',
      'default,heavy',
      '--concurrency',
      '16',
    ]);
    expect(galeYaml(objects).execution_api.url).toBe('http://gale-api-server:8080');
    const rules = find(objects, 'PrometheusRule', 'gale').spec.groups[0].rules.map(
      (r: { alert: string }) => r.alert,
    );
    expect(rules).toEqual(
      expect.arrayContaining([
        'GaleSchedulerDown',
        'GaleWorkerDown',
        'GaleDagRunTooLong',
        'GaleDagImportErrors',
      ]),
    );
    // fires while a run still runs, from the scheduler's running-age gauge
    const tooLong = find(objects, 'PrometheusRule', 'gale').spec.groups[0].rules.find(
      (r: { alert: string }) => r.alert === 'GaleDagRunTooLong',
    );
    expect(tooLong.expr).toMatch(
      /^max by \(dag_id\) \(gale_dagrun_oldest_running_seconds\{namespace="[^"]+"\}\) > \d+$/,
    );
    // the API servers' /metrics is scraped on their http port
    const monitor = find(objects, 'ServiceMonitor', 'gale').spec;
    expect(monitor.endpoints.map((e: { port: string; path: string }) => [e.port, e.path])).toEqual([
      ['metrics', '/metrics'],
      ['http', '/metrics'],
    ]);
    expect(find(objects, 'Service', 'gale-api-server').metadata.labels['gale.dev/metrics']).toBe('true');
    const dashboard = JSON.parse(find(objects, 'ConfigMap', 'gale-dashboard').data['gale.json']);
    expect(dashboard.panels.length).toBeGreaterThan(10);
    expect(find(objects, 'CronJob', 'gale-backup').spec.schedule).toBe('0 2 * * *');
  });

  it('kubernetes: a Role with only pods, pods/log and events, and a pod template for task pods', () => {
    const objects = render('kubernetes');
    const role = find(objects, 'Role', 'gale-executor');
    expect(role.rules).toEqual([
      { apiGroups: [''], resources: ['pods'], verbs: ['create', 'get', 'list', 'watch', 'patch', 'delete'] },
      { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] },
      { apiGroups: [''], resources: ['events'], verbs: ['get', 'list', 'watch'] },
    ]);
    expect(find(objects, 'RoleBinding', 'gale-executor').subjects).toEqual([
      { kind: 'ServiceAccount', name: 'gale', namespace: 'orchestration' },
    ]);
    expect(
      find(objects, 'StatefulSet', 'gale-scheduler').spec.template.spec.automountServiceAccountToken,
    ).toBe(true);
    expect(galeYaml(objects).kubernetes).toMatchObject({
      namespace: 'orchestration',
      in_cluster: true,
      delete_pods: 'on_success',
      pod_template_file: '/opt/gale-home/pod_templates/pod_template_file.yaml',
    });
    expect(galeYaml(objects).execution_api.url).toBe('http://gale-api-server:8080');
    // task pods get no credentials from the chart: the executor adds a token for their one try
    const pod = taskPod(objects) as Manifest;
    expect(pod.spec.containers[0].env.map((e: { name: string }) => e.name)).toEqual([
      'GALE_HOME',
      'GALE_LOG_FORMAT',
    ]);
    expect(pod.spec.serviceAccountName).toBe('gale-task');
    expect(
      find(objects, 'Deployment', 'gale-api-server').spec.template.spec.automountServiceAccountToken,
    ).toBe(false);
  });

  it('git-sync: an init container and a sidecar with the branch, period and credentials', () => {
    const objects = render('git-sync');
    const pod = find(objects, 'Deployment', 'gale-dag-processor').spec.template.spec;
    const sidecar = pod.containers.find((c: { name: string }) => c.name === 'git-sync');
    const env = Object.fromEntries(
      sidecar.env.map((e: { name: string; value?: string; valueFrom?: unknown }) => [
        e.name,
        e.value ?? e.valueFrom,
      ]),
    );
    expect(env).toMatchObject({
      GITSYNC_REPO: 'https://git.example.com/team/dags.git',
      GITSYNC_REF: 'release',
      GITSYNC_PERIOD: '30s',
      GITSYNC_PASSWORD: { secretKeyRef: { name: 'git-credentials', key: 'GITSYNC_PASSWORD' } },
    });
    expect(pod.initContainers.map((c: { name: string }) => c.name)).toContain('git-sync-init');
    expect(galeYaml(objects).core.dags_folder).toBe('/opt/gale-home/dags/repo/dags');
  });

  it('external database: no bundled PostgreSQL or Redis, URLs from the secrets, TLS ingress, HPA', () => {
    const objects = render('external');
    expect(objects.some((o) => o.kind === 'StatefulSet')).toBe(false);
    const env = find(objects, 'Deployment', 'gale-scheduler').spec.template.spec.containers[0].env;
    expect(env.find((e: { name: string }) => e.name === 'GALE__DATABASE__URL').value).toBe(
      'postgresql://gale:$(GALE_DATABASE_PASSWORD)@db.example.com:5432/gale?sslmode=verify-full',
    );
    expect(env.find((e: { name: string }) => e.name === 'GALE__QUEUE__REDIS_URL').valueFrom).toEqual({
      secretKeyRef: { name: 'gale-broker', key: 'connection' },
    });
    expect(find(objects, 'Ingress', 'gale-api-server').spec.tls).toEqual([
      { hosts: ['gale.example.com'], secretName: 'gale-tls' },
    ]);
    expect(find(objects, 'HorizontalPodAutoscaler', 'gale-worker').spec.maxReplicas).toBe(5);
  });

  it('generates the fernet key and secret key (random, no default) into Secrets kept on uninstall', () => {
    const keyOf = (objects: KubeObject[]) =>
      (find(objects, 'Secret', 'gale-fernet-key').data as Record<string, string>)['fernet-key'] ?? '';
    const first = render('local');
    const second = render('local');
    const fernet = Buffer.from(Buffer.from(keyOf(first), 'base64').toString(), 'base64url');
    expect(fernet.length).toBe(32);
    expect(keyOf(first)).not.toBe(keyOf(second));
    expect(find(first, 'Secret', 'gale-secret-key').metadata.annotations).toEqual({
      'helm.sh/resource-policy': 'keep',
    });
    // kept on upgrade: chart-upgrade.test.ts
  });
});

describe('values.schema.json', () => {
  it.each([
    [{ scheduler: { replicas: 'two' } }, "at '/scheduler/replicas': got string, want integer"],
    [{ executor: 'celery' }, "at '/executor': value must be one of 'local', 'queue', 'kubernetes'"],
    [{ workers: { concurrency: 0 } }, "at '/workers/concurrency': minimum: got 0, want 1"],
    [{ config: { core: { paralelism: 4 } } }, "additional properties 'paralelism' not allowed"],
    [{ config: { database: { url: 'postgresql://u:p@h/db' } } }, 'a secret: set it with postgresql.*'],
    [{ dags: { gitSync: { period: 'often' } } }, "at '/dags/gitSync/period'"],
    [{ config: { api: { port: 9000 } } }, 'set by the chart: use ports.apiServer'],
    [{ shceduler: {} }, "additional properties 'shceduler' not allowed"],
  ])('refuses %j with a message naming the value', (values, message) => {
    expect(() => renderChart(helmPath, values)).toThrow(message);
  });

  it('refuses KEDA and an HPA together, and a missing external database host', () => {
    expect(() =>
      renderChart(helmPath, {
        executor: 'queue',
        workers: { keda: { enabled: true }, hpa: { enabled: true } },
      }),
    ).toThrow('workers.keda.enabled and workers.hpa.enabled cannot both be true');
    expect(() =>
      renderChart(helmPath, {
        postgresql: { enabled: false },
        data: { metadataConnection: { passwordSecretName: 'x' } },
      }),
    ).toThrow('data.metadataConnection.host is required');
  });

  it('lists every Gale setting under config, so a setting Gale has is never refused', () => {
    const schema = JSON.parse(readFileSync(join(CHART_DIR, 'values.schema.json'), 'utf8'));
    const sections = schema.properties.config.properties as Record<string, { properties: object }>;
    for (const [section, defs] of Object.entries(SETTINGS)) {
      expect(Object.keys(sections[section]?.properties ?? {}), section).toEqual(
        expect.arrayContaining(Object.keys(defs)),
      );
    }
  });

  it("Chart.yaml's appVersion is package.json's version", () => {
    const chart = parse(readFileSync(join(CHART_DIR, 'Chart.yaml'), 'utf8'));
    const pkg = JSON.parse(readFileSync(resolve(CHART_DIR, '..', 'package.json'), 'utf8'));
    expect(chart.appVersion).toBe(pkg.version);
  });
});
