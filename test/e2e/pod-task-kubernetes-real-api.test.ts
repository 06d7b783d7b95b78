/**
 * podTask on the kubernetes container engine against a REAL Kubernetes API server: kube-apiserver
 * with etcd (test/support/kube-apiserver.ts) and a test node (kube-test-node.ts) that binds the
 * pods, runs their container's command on this host, reports them through pods/status (with the
 * termination message a kubelet copies from terminationMessagePath) and serves their logs. What a
 * real server proves beyond the test double: the pod spec Gale makes (labels, secrets, resources,
 * terminationMessagePath) passes its validation, and the output comes back through its status.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GaleHome, makeGaleHome, type Service, tryLog } from '../support/gale-home.js';
import { type KubeApiServer, startKubeApiServer } from '../support/kube-apiserver.js';
import { createNamespace, TestNode } from '../support/kube-test-node.js';
import { startStandalone } from '../support/standalone.js';
import { outputOf, runEnds as runEndsOf, tryErrorOf } from '../support/task-results.js';

const NAMESPACE = 'gale-pod-tasks';

const dagFile = (dir: string) => `
import { dag, podTask, task } from 'gale/sdk';
const out = ${JSON.stringify(join(dir, 'make.json'))};
dag({ dagId: 'real_kpod_ok' }, () => {
  const made = podTask('make', {
    image: 'busybox:1.36',
    cmds: ['sh', '-c'],
    args: [\`echo "made for $WHO"; echo '{"rows": 3}' > \${out}\`],
    env: { WHO: '{{ dag.dag_id }}' },
    outputFile: out,
    labels: { team: 'data' },
    secrets: ['db-creds', { deployType: 'env', deployTarget: 'TOKEN', secret: 'api', key: 'token' }, { deployType: 'volume', deployTarget: '/etc/certs', secret: 'certs' }],
    configMaps: ['settings'],
    resources: { requests: { cpu: '100m', memory: '32Mi' }, limits: { memory: '64Mi' } },
    nodeSelector: { disk: 'ssd' },
    tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'etl', effect: 'NoSchedule' }],
  });
  const double = task('double', (_ctx, made: { rows: number }) => made.rows * 2);
  double(made);
});
dag({ dagId: 'real_kpod_exit' }, () => {
  podTask('exit3', { image: 'busybox:1.36', cmds: ['sh', '-c', 'echo about to fail; exit 3'] });
});
`;

describe('podTask on the kubernetes engine (against a real kube-apiserver)', () => {
  let api: KubeApiServer;
  let g: GaleHome;
  let node: TestNode;
  let standalone: Service;

  beforeAll(async () => {
    // The first run on a machine builds kube-apiserver and etcd from source: minutes.
    api = await startKubeApiServer();
    await createNamespace(api, NAMESPACE);
    g = makeGaleHome({ GALE__CONTAINERS__ENGINE: 'kubernetes', GALE__KUBERNETES__NAMESPACE: NAMESPACE });
    g.env.GALE__KUBERNETES__CONFIG_FILE = api.writeKubeconfig(join(g.home, 'kubeconfig'));
    node = new TestNode(api, NAMESPACE);
    await node.start();
    g.writeDag('pods.ts', dagFile(g.home));
    standalone = await startStandalone(g, 'real_kpod_exit');
  }, 3_600_000);

  afterAll(async () => {
    await standalone?.stop();
    await node?.stop();
    g?.cleanup();
    await api?.stop();
  });

  const runEnds = (dagId: string, state: string) =>
    runEndsOf(g, dagId, state, { seen: () => standalone.output().slice(-3000) });

  // biome-ignore lint/suspicious/noExplicitAny: pods are the API's JSON
  const podsOf = async (dagId: string): Promise<any[]> =>
    (await api.request(`/api/v1/namespaces/${NAMESPACE}/pods?labelSelector=gale.io/dag-id=${dagId}`)).body
      .items;

  it('a pod that exits 0 succeeds, and its output comes back through the pod status to a downstream task', {
    timeout: 300_000,
  }, async () => {
    expect(g.gale(['dags', 'trigger', 'real_kpod_ok']).code).toBe(0);
    await runEnds('real_kpod_ok', 'success');
    expect(outputOf(g, 'real_kpod_ok', 'double')).toBe(6);
    expect(tryLog(g.home, 'make')).toContain('made for real_kpod_ok');
    expect(node.ran.size).toBe(1);
    expect(await podsOf('real_kpod_ok')).toEqual([]); // deleted when done
  });

  it('a pod whose container exits 3 fails the try with the exit code', { timeout: 300_000 }, async () => {
    expect(g.gale(['dags', 'trigger', 'real_kpod_exit']).code).toBe(0);
    await runEnds('real_kpod_exit', 'failed');
    expect(tryErrorOf(g, 'real_kpod_exit', 'exit3')).toMatch(/^failed: .* exited with code 3: Error/);
    expect(tryLog(g.home, 'exit3')).toContain('about to fail');
  });
});
