/**
 * The kubernetes executor against a REAL Kubernetes API server: kube-apiserver v1.33 with etcd,
 * built from source (test/support/kube-apiserver.ts), with a test node (kube-test-node.ts) that
 * binds the pods, runs their "base" container on this host with the pod's args and env only, and
 * reports them through pods/status, and serves their logs to the API server as a kubelet does.
 * The same behaviours as test/integration/kubernetes-executor.test.ts (against the test double)
 * where a real server changes what is proven: creation, labels and validation of real pod specs,
 * watches, status, log streaming through the API server, deletion, and adoption after a restart.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type GaleHome,
  makeGaleHome,
  runsOf,
  type Service,
  startExecutionApi,
  taskStates,
  tryLog,
  waitFor,
} from '../support/gale-home.js';
import { type KubeApiServer, startKubeApiServer } from '../support/kube-apiserver.js';
import { TestNode } from '../support/kube-test-node.js';

const NAMESPACE = 'gale-tasks';

describe('kubernetes executor (against a real kube-apiserver)', () => {
  let api: KubeApiServer;
  let g: GaleHome;
  let node: TestNode;
  let scheduler: Service;

  beforeAll(async () => {
    // The first run on a machine builds kube-apiserver and etcd from source: minutes.
    api = await startKubeApiServer();
    const ns = await api.request('/api/v1/namespaces', {
      method: 'POST',
      body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NAMESPACE } },
    });
    expect(ns.status).toBe(201);
  }, 3_600_000);

  afterAll(async () => {
    await api?.stop();
  });

  afterEach(async () => {
    await node?.stop();
    g?.cleanup();
  });

  // biome-ignore lint/suspicious/noExplicitAny: pods are the API's JSON
  const pods = async (): Promise<any[]> =>
    (await api.request(`/api/v1/namespaces/${NAMESPACE}/pods?labelSelector=gale.dev/dag-id`)).body.items;

  async function setUp(dagId: string, source: string): Promise<void> {
    g = makeGaleHome({
      GALE__CORE__EXECUTOR: 'kubernetes',
      GALE__KUBERNETES__WORKER_IMAGE: 'gale:test',
      GALE__KUBERNETES__NAMESPACE: NAMESPACE,
    });
    g.env.GALE__KUBERNETES__CONFIG_FILE = api.writeKubeconfig(join(g.home, 'kubeconfig'));
    node = new TestNode(api, NAMESPACE, { RELEASE_FILE: join(g.home, 'release') });
    await node.start();
    g.writeDag('dag.ts', source);
    expect(g.gale(['db', 'migrate']).code).toBe(0);
    await startExecutionApi(g);
    const processor = g.start(['dag-processor']);
    await waitFor(() => g.gale(['dags', 'list', '-o', 'json']).stdout.includes(`"${dagId}"`), {
      what: 'the DAG to be parsed',
      seen: () => processor.output(),
    });
    await processor.stop();
    scheduler = g.start(['scheduler']);
    expect(g.gale(['dags', 'trigger', dagId]).code).toBe(0);
  }

  const waitForRun = (dagId: string, state: string) =>
    waitFor(() => runsOf(g.db(), dagId)[0]?.state === state, {
      what: `the run to be ${state}`,
      timeoutMs: 120_000,
      seen: () => ({ states: taskStates(g.db(), dagId), scheduler: scheduler.output().slice(-3000) }),
    });

  it('runs tries in pods, streams their logs through the API server, fails exit code 2, deletes pods that succeeded', {
    timeout: 300_000,
  }, async () => {
    await setUp(
      'real_pods',
      `import { existsSync } from 'node:fs';
       import { dag, task } from 'gale/sdk';
       const talk = task('talk', async (ctx) => {
         ctx.log.info('first line through the API server');
         while (!existsSync(process.env.RELEASE_FILE)) await new Promise((r) => setTimeout(r, 100));
         ctx.log.info('last line through the API server');
         return 1;
       });
       const crash = task('crash', () => { process.exit(2); });
       dag({ dagId: 'real_pods' }, () => { talk(); crash(); });`,
    );
    await waitFor(() => tryLog(g.home, 'talk').includes('first line through the API server'), {
      what: "the pod's first line in the try's log while it runs",
      seen: () => ({ states: taskStates(g.db(), 'real_pods'), scheduler: scheduler.output().slice(-2000) }),
    });
    expect(taskStates(g.db(), 'real_pods').talk).toBe('running');
    const running = (await pods()).find((p) => p.metadata.annotations['gale.dev/task-id'] === 'talk');
    expect(running.metadata.labels['gale.dev/dag-id']).toBe('real_pods');
    expect(running.spec.nodeName).toBe('gale-test-node');
    writeFileSync(join(g.home, 'release'), '');
    await waitForRun('real_pods', 'failed');
    expect(taskStates(g.db(), 'real_pods')).toEqual({ talk: 'success', crash: 'failed' });
    await waitFor(() => tryLog(g.home, 'talk').includes('last line through the API server'), {
      what: 'the last line',
    });
    expect(tryLog(g.home, 'crash')).toContain('exit code 2');
    // delete_pods on_success (the default): the succeeded pod is deleted, the failed one stays
    await waitFor(
      async () => (await pods()).map((p) => p.metadata.annotations['gale.dev/task-id']).join() === 'crash',
      {
        what: 'only the failed pod to remain',
      },
    );
    expect(node.ran.size).toBe(2);
    await scheduler.stop();
  });

  it('a restarted scheduler adopts its running pod instead of starting another', {
    timeout: 300_000,
  }, async () => {
    await setUp(
      'real_adopt',
      `import { existsSync } from 'node:fs';
       import { dag, task } from 'gale/sdk';
       const wait = task('wait', async (ctx) => {
         while (!existsSync(process.env.RELEASE_FILE)) await new Promise((r) => setTimeout(r, 100));
         ctx.log.info('after the restart');
       });
       dag({ dagId: 'real_adopt' }, () => { wait(); });`,
    );
    await waitFor(() => taskStates(g.db(), 'real_adopt').wait === 'running', { what: 'the try to run' });
    await scheduler.stop();
    scheduler = g.start(['scheduler']);
    await waitFor(() => scheduler.output().includes('adopted a running task pod'), {
      what: 'the new scheduler to adopt the pod',
      seen: () => scheduler.output().slice(-2000),
    });
    writeFileSync(join(g.home, 'release'), '');
    await waitForRun('real_adopt', 'success');
    expect(node.ran.size).toBe(1);
    await waitFor(() => tryLog(g.home, 'wait').includes('after the restart'), {
      what: "the adopted pod's log",
      seen: () => tryLog(g.home, 'wait'),
    });
    await scheduler.stop();
  });
});
