/**
 * The kubernetes executor, driven through the built `gale scheduler`, against the Kubernetes API
 * TEST DOUBLE (test/support/kube-api-double.ts): no real cluster runs here. The double's "kubelet"
 * (kube-host-kubelet.ts) runs a pod's try on this host with the pod's args and env only, so a
 * succeeding run proves the pod spec is complete. Covered: runs through pods with a task's pod
 * override and live logs; exit code 2; an image that cannot be pulled; an eviction; a pod stuck
 * Pending; a scheduler restart that adopts running pods; a scheduler on another host that adopts
 * the pods of a dead one (PATCH through kube-patch-proxy.ts, as the double serves none; "another
 * host" is a TEST DOUBLE too: os.hostname() replaced in the scheduler process); a dropped watch and
 * 410 Gone.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
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
import { KubeApiDouble, type PodJson } from '../support/kube-api-double.js';
import { HostKubelet } from '../support/kube-host-kubelet.js';
import { KubePatchProxy } from '../support/kube-patch-proxy.js';

/** Makes os.hostname() (and its ESM export) return $GALE_TEST_HOSTNAME in a process that imports it. */
const HOSTNAME_MODULE = `import os from 'node:os';
import { syncBuiltinESMExports } from 'node:module';
const name = process.env.GALE_TEST_HOSTNAME;
os.hostname = () => name;
syncBuiltinESMExports();
`;

describe('kubernetes executor (against the Kubernetes API test double)', () => {
  let g: GaleHome;
  let double: KubeApiDouble;
  let kubelet: HostKubelet;
  let scheduler: Service;
  let proxy: KubePatchProxy | undefined;

  afterEach(async () => {
    kubelet?.stop();
    g?.cleanup();
    await proxy?.stop();
    proxy = undefined;
    await double?.stop();
  });

  /** The env of a `gale` process that believes it runs on the machine `host`. */
  function onHost(host: string): NodeJS.ProcessEnv {
    const module = join(g.home, 'hostname.mjs');
    writeFileSync(module, HOSTNAME_MODULE);
    return { NODE_OPTIONS: `--import=${pathToFileURL(module).href}`, GALE_TEST_HOSTNAME: host };
  }

  const podOf = (taskId: string): PodJson | undefined =>
    [...double.pods.values()].find((p) => p.metadata.annotations?.['gale.dev/task-id'] === taskId);

  const stateOf = (dagId: string, taskId: string) => taskStates(g.db(), dagId)[taskId];

  async function setUp(
    dagId: string,
    source: string,
    extraEnv: NodeJS.ProcessEnv = {},
    options: { host?: string; withPatch?: boolean } = {},
  ): Promise<string> {
    double = new KubeApiDouble();
    await double.start();
    if (options.withPatch) {
      proxy = new KubePatchProxy(double);
      await proxy.start();
    }
    g = makeGaleHome({
      GALE__CORE__EXECUTOR: 'kubernetes',
      GALE__KUBERNETES__WORKER_IMAGE: 'gale:test',
      GALE__KUBERNETES__NAMESPACE: 'gale-tasks',
      ...extraEnv,
    });
    g.env.GALE__KUBERNETES__CONFIG_FILE = (proxy ?? double).writeKubeconfig(join(g.home, 'kubeconfig'));
    kubelet = new HostKubelet(double, { RELEASE_FILE: join(g.home, 'release') });
    g.writeDag('dag.ts', source);
    expect(g.gale(['db', 'migrate']).code).toBe(0);
    await startExecutionApi(g);
    const processor = g.start(['dag-processor']);
    await waitFor(() => g.gale(['dags', 'list', '-o', 'json']).stdout.includes(`"${dagId}"`), {
      what: 'the DAG to be parsed',
      seen: () => processor.output(),
    });
    await processor.stop();
    scheduler = g.start(['scheduler'], options.host ? onHost(options.host) : {});
    return JSON.parse(g.gale(['dags', 'trigger', dagId, '-o', 'json']).stdout).run_id as string;
  }

  const waitForRun = (dagId: string, state: string) =>
    waitFor(() => runsOf(g.db(), dagId)[0]?.state === state, {
      what: `the run to be ${state}`,
      timeoutMs: 90_000,
      seen: () => ({ states: taskStates(g.db(), dagId), scheduler: scheduler.output().slice(-3000) }),
    });

  it('runs a DAG through a pod per try, with the task pod override, logs streamed while it runs', {
    timeout: 240_000,
  }, async () => {
    const runId = await setUp(
      'pods',
      `import { existsSync } from 'node:fs';
       import { dag, task } from 'gale/sdk';
       const first = task('first', async (ctx) => {
         ctx.log.info('first line from the pod');
         while (!existsSync(process.env.RELEASE_FILE)) await new Promise((r) => setTimeout(r, 100));
         ctx.log.info('last line from the pod');
         return 41;
       });
       const second = task(
         { taskId: 'second', podOverride: { image: 'etl:2', env: { REGION: 'eu-1' }, resources: { limits: { memory: '1Gi' } } } },
         (ctx, n: number) => ({ n: n + 1, region: process.env.REGION, database: Object.keys(process.env).filter((k) => k.startsWith('GALE__DATABASE')) }),
       );
       dag({ dagId: 'pods' }, () => { second(first()); });`,
    );
    kubelet.auto();
    await waitFor(() => tryLog(g.home, 'first').includes('first line from the pod'), {
      what: "the pod's first line in the try's log while it runs",
      seen: () => ({ states: taskStates(g.db(), 'pods'), scheduler: scheduler.output().slice(-2000) }),
    });
    expect(stateOf('pods', 'first')).toBe('running');
    expect(tryLog(g.home, 'first')).not.toContain('last line');
    writeFileSync(join(g.home, 'release'), '');
    await waitForRun('pods', 'success');
    expect(taskStates(g.db(), 'pods', runId)).toEqual({ first: 'success', second: 'success' });
    await waitFor(() => tryLog(g.home, 'first').includes('last line from the pod'), {
      what: 'the last line',
    });
    const output = g
      .db()
      .prepare("select value from xcom where dag_id = 'pods' and task_id = 'second' and key = 'return_value'")
      .get() as { value: string };
    expect(JSON.parse(output.value)).toEqual({ n: 42, region: 'eu-1', database: [] });
    expect(double.creations).toBe(2);
    expect(kubelet.ran.size).toBe(2);
    const spec = double.created.find((p) => p.metadata.annotations['gale.dev/task-id'] === 'second')!;
    expect(spec.metadata.namespace).toBe('gale-tasks');
    expect(spec.metadata.labels['gale.dev/run-id']).toMatch(/^[A-Za-z0-9][-A-Za-z0-9_.]*[A-Za-z0-9]$/);
    expect(spec.metadata.annotations['gale.dev/run-id']).toBe(runId);
    const base = spec.spec.containers.find((c: PodJson) => c.name === 'base');
    expect(base.image).toBe('etl:2');
    expect(base.args).toEqual(['tasks', 'run-workload']);
    expect(base.resources).toEqual({ limits: { memory: '1Gi' } });
    const first = double.created.find((p) => p.metadata.annotations['gale.dev/task-id'] === 'first')!;
    expect(first.spec.containers[0].image).toBe('gale:test');
    // the pod's token outlives a Pending pod: execution_api.token_ttl (600) + kubernetes.pending_timeout (300)
    const token = first.spec.containers[0].env.find(
      (e: { name: string }) => e.name === 'GALE_EXECUTION_API_TOKEN',
    ).value as string;
    const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());
    expect(claims.exp - claims.iat).toBe(900);
    // delete_pods on_success: both pods are gone
    await waitFor(() => double.pods.size === 0, { what: 'finished pods to be deleted' });
    await scheduler.stop();
  });

  it("a log stream the API ends while the pod runs is resumed where it stopped: every line reaches the try's log once", {
    timeout: 240_000,
  }, async () => {
    await setUp(
      'resume',
      `import { existsSync } from 'node:fs';
       import { dag, task } from 'gale/sdk';
       const talk = task('talk', async (ctx) => {
         ctx.log.info('line before the cut');
         while (!existsSync(process.env.RELEASE_FILE)) await new Promise((r) => setTimeout(r, 100));
         ctx.log.info('line after the cut');
       });
       dag({ dagId: 'resume' }, () => { talk(); });`,
    );
    kubelet.auto();
    await waitFor(() => tryLog(g.home, 'talk').includes('line before the cut'), {
      what: "the pod's first line in the try's log",
      seen: () => ({ states: taskStates(g.db(), 'resume'), scheduler: scheduler.output().slice(-2000) }),
    });
    const pod = podOf('talk')!.metadata.name as string;
    expect(double.cutLogStreams(pod)).toBe(1);
    // the executor reads the pod, sees it running, and follows again from where it stopped
    await waitFor(() => double.logFollowers(pod) === 1, {
      what: 'the log to be followed again',
      seen: () => scheduler.output().slice(-2000),
    });
    writeFileSync(join(g.home, 'release'), '');
    await waitForRun('resume', 'success');
    await waitFor(() => tryLog(g.home, 'talk').includes('line after the cut'), { what: 'the last line' });
    const log = tryLog(g.home, 'talk');
    expect(log.split('line before the cut').length - 1).toBe(1);
    expect(log.split('line after the cut').length - 1).toBe(1);
    expect(log).not.toMatch(/^\d{4}-\d\d-\d\dT[^ ]*Z /m); // the API's timestamps are taken off
    expect(scheduler.output()).toContain("the pod's log stream ended while it runs; resuming");
    await scheduler.stop();
  });

  it('a pod whose try exits with code 2 fails it, with the reason in its log; the pod stays', {
    timeout: 240_000,
  }, async () => {
    await setUp(
      'exits',
      `import { dag, task } from 'gale/sdk';
       const crash = task('crash', () => { process.exit(2); });
       dag({ dagId: 'exits' }, () => { crash(); });`,
    );
    kubelet.auto();
    await waitForRun('exits', 'failed');
    expect(stateOf('exits', 'crash')).toBe('failed');
    await waitFor(() => tryLog(g.home, 'crash').includes('failed: exit code 2'), {
      what: "the reason in the try's log",
      seen: () => tryLog(g.home, 'crash'),
    });
    expect(scheduler.output()).toMatch(/exited with code 2.*\(exit code 2\)/);
    expect(podOf('crash')?.status?.phase).toBe('Failed');
    await scheduler.stop();
  });

  it('pods that cannot run fail their tries: image pull back-off, eviction, stuck Pending', {
    timeout: 240_000,
  }, async () => {
    await setUp(
      'unrunnable',
      `import { dag, task } from 'gale/sdk';
       const t = (id: string) => task(id, () => 'never runs');
       dag({ dagId: 'unrunnable' }, () => { t('pull')(); t('evicted')(); t('stuck')(); });`,
      { GALE__KUBERNETES__PENDING_TIMEOUT: '4' },
    );
    await waitFor(() => podOf('pull') && podOf('evicted') && podOf('stuck'), { what: 'three pods' });
    double.setWaiting(podOf('pull')!.metadata.name, 'ImagePullBackOff', 'Back-off pulling image "gale:test"');
    double.setRunning(podOf('evicted')!.metadata.name);
    double.evict(podOf('evicted')!.metadata.name);
    await waitForRun('unrunnable', 'failed');
    expect(taskStates(g.db(), 'unrunnable')).toEqual({ pull: 'failed', evicted: 'failed', stuck: 'failed' });
    expect(tryLog(g.home, 'pull')).toContain('ImagePullBackOff: Back-off pulling image');
    expect(tryLog(g.home, 'evicted')).toContain('Evicted: The node was low on resource: memory.');
    expect(tryLog(g.home, 'stuck')).toContain('Pending for more than 4s (kubernetes.pending_timeout)');
    // a pod that cannot pull or start is deleted; an evicted one stays to be inspected
    await waitFor(() => !podOf('pull') && !podOf('stuck'), { what: 'unrunnable pods to be deleted' });
    expect(podOf('evicted')).toBeDefined();
    await scheduler.stop();
  });

  it('a restarted scheduler adopts its running pods instead of starting new ones', {
    timeout: 240_000,
  }, async () => {
    await setUp(
      'adopt',
      `import { existsSync } from 'node:fs';
       import { dag, task } from 'gale/sdk';
       const wait = task('wait', async (ctx) => {
         ctx.log.info('before the restart');
         while (!existsSync(process.env.RELEASE_FILE)) await new Promise((r) => setTimeout(r, 100));
         ctx.log.info('after the restart');
       });
       dag({ dagId: 'adopt' }, () => { wait(); });`,
    );
    kubelet.auto();
    await waitFor(() => stateOf('adopt', 'wait') === 'running', { what: 'the try to run' });
    await scheduler.stop();
    expect(podOf('wait')?.status?.phase).toBe('Running');
    scheduler = g.start(['scheduler']);
    await waitFor(() => scheduler.output().includes('adopted a running task pod'), {
      what: 'the new scheduler to adopt the pod',
      seen: () => scheduler.output().slice(-2000),
    });
    writeFileSync(join(g.home, 'release'), '');
    await waitForRun('adopt', 'success');
    expect(double.creations).toBe(1);
    expect(kubelet.ran.size).toBe(1);
    await waitFor(() => tryLog(g.home, 'wait').includes('after the restart'), {
      what: "the adopted pod's log to be streamed",
      seen: () => tryLog(g.home, 'wait'),
    });
    await scheduler.stop();
  });

  it("a scheduler on another host adopts a dead scheduler's running pod; the try runs once", {
    timeout: 240_000,
  }, async () => {
    await setUp(
      'orphan',
      `import { existsSync } from 'node:fs';
       import { dag, task } from 'gale/sdk';
       const wait = task('wait', async (ctx) => {
         ctx.log.info('started under scheduler A');
         while (!existsSync(process.env.RELEASE_FILE)) await new Promise((r) => setTimeout(r, 100));
         ctx.log.info('ended under scheduler B');
       });
       dag({ dagId: 'orphan' }, () => { wait(); });`,
      // dead after 0.5 * 3 + 5 = 6.5 s without a heartbeat; looks for orphans as often
      { GALE__SCHEDULER__SCHEDULER_HEARTBEAT_SEC: '0.5' },
      { host: 'scheduler-a', withPatch: true },
    );
    const owner = () => podOf('wait')?.metadata.labels['gale.dev/scheduler-id'];
    kubelet.auto();
    await waitFor(() => stateOf('orphan', 'wait') === 'running', {
      what: 'the try to run',
      seen: () => scheduler.output().slice(-2000),
    });
    expect(owner()).toBe('scheduler-a');
    const schedulerA = scheduler;
    scheduler = g.start(['scheduler'], onHost('scheduler-b'));
    // While A lives, B looks (twice) and leaves A's pod alone.
    await waitFor(() => (proxy?.otherPodLists.get('scheduler-b') ?? 0) >= 2, {
      what: 'scheduler B to look for pods to adopt twice',
      seen: () => scheduler.output().slice(-2000),
    });
    expect(owner()).toBe('scheduler-a');
    expect(scheduler.output()).not.toContain('adopted a task pod');
    await schedulerA.kill9();
    await waitFor(() => scheduler.output().includes('adopted a task pod of a dead scheduler'), {
      what: "scheduler B to adopt dead A's pod",
      timeoutMs: 60_000,
      seen: () => scheduler.output().slice(-2000),
    });
    expect(owner()).toBe('scheduler-b');
    writeFileSync(join(g.home, 'release'), '');
    await waitForRun('orphan', 'success');
    expect(double.creations).toBe(1);
    expect(kubelet.ran.size).toBe(1);
    const ti = g.db().prepare("select try_number from task_instance where dag_id = 'orphan'").get();
    expect(ti).toEqual({ try_number: 1 });
    await waitFor(() => tryLog(g.home, 'wait').includes('ended under scheduler B'), {
      what: "the adopted pod's log to be streamed by B",
      seen: () => tryLog(g.home, 'wait'),
    });
    // delete_pods on_success, applied by the adopter
    await waitFor(() => double.pods.size === 0, { what: 'the pod to be deleted by B' });
    await scheduler.stop();
  });

  it('pod events still arrive after a dropped watch and after 410 Gone', { timeout: 240_000 }, async () => {
    await setUp(
      'watch',
      `import { dag, task } from 'gale/sdk';
       const t = (id: string) => task(id, () => 'never runs');
       dag({ dagId: 'watch' }, () => { t('dropped')(); t('gone')(); });`,
    );
    await waitFor(() => podOf('dropped') && podOf('gone') && double.openWatches > 0, {
      what: 'two pods and a watch',
    });
    // Changed while no watch is open: the reconnected watch resumes from its resourceVersion.
    double.dropWatches();
    double.setTerminated(podOf('dropped')!.metadata.name, 3);
    await waitFor(() => stateOf('watch', 'dropped') === 'failed', {
      what: 'the dropped watch to resume',
      seen: () => scheduler.output().slice(-2000),
    });
    await waitFor(() => double.openWatches > 0, { what: 'the watch to reconnect' });
    // Changed and forgotten: resuming gets 410 Gone, and a new list shows the change.
    double.dropWatches();
    double.setTerminated(podOf('gone')!.metadata.name, 4);
    double.expireHistory();
    await waitFor(() => stateOf('watch', 'gone') === 'failed', {
      what: 'the list after 410 Gone',
      seen: () => scheduler.output().slice(-2000),
    });
    expect(tryLog(g.home, 'gone')).toContain('exit code 4');
    await scheduler.stop();
  });

  it('the scheduler refuses to start without kubernetes.worker_image, naming the setting', async () => {
    double = new KubeApiDouble();
    await double.start();
    g = makeGaleHome({ GALE__CORE__EXECUTOR: 'kubernetes' });
    g.env.GALE__KUBERNETES__CONFIG_FILE = double.writeKubeconfig(join(g.home, 'kubeconfig'));
    expect(g.gale(['db', 'migrate']).code).toBe(0);
    const refused = g.gale(['scheduler']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('kubernetes.worker_image');
    expect(refused.stderr).toContain('GALE__KUBERNETES__WORKER_IMAGE');
    expect(refused.stderr).not.toContain('    at ');
  });
});
