/**
 * podTask on the kubernetes container engine (containers.engine: kubernetes), driven through the
 * built CLI's standalone, against the Kubernetes API TEST DOUBLE (test/support/kube-api-double.ts):
 * no real cluster runs here. The double's "kubelet" (kube-host-kubelet.ts) runs a pod's command
 * on this host and copies its terminationMessagePath file into the pod's status, as a kubelet
 * does. Covered: a pod whose output (the termination message) a downstream task gets, with every
 * Kubernetes-shaped option in its spec; exit code 2; an image that cannot be pulled; output
 * streamed into the try's log while the pod runs; deferrable mode; a deferred try that times out
 * in the triggerer has its pod deleted.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type GaleHome,
  makeGaleHome,
  type Service,
  taskStates,
  tryLog,
  waitFor,
} from '../support/gale-home.js';
import { KubeApiDouble, type PodJson } from '../support/kube-api-double.js';
import { HostKubelet } from '../support/kube-host-kubelet.js';
import { startStandalone } from '../support/standalone.js';
import { outputOf, runEnds as runEndsOf, tryErrorOf } from '../support/task-results.js';

const UNPULLABLE = 'registry.invalid/nope:1';

const dagFile = (dir: string) => `
import { dag, podTask, task } from 'gale/sdk';
const base = { image: 'busybox:1.36', cmds: ['sh', '-c'] };
const out = (f: string) => ${JSON.stringify(dir)} + '/' + f;
const waitFor = (f: string) => \`while [ ! -f \${out(f)} ]; do sleep 0.1; done\`;

dag({ dagId: 'kpod_ok', params: { rows: 3 } }, () => {
  const made = podTask('make', {
    ...base,
    args: [\`echo "made on {{ ds }}"; echo "{\\\\"rows\\\\": {{ params.rows }}, \\\\"who\\\\": \\\\"$WHO\\\\"}" > \${out('make.json')}\`],
    env: { WHO: '{{ dag.dag_id }}' },
    outputFile: out('make.json'),
    namespace: 'team-a',
    labels: { team: 'data' },
    secrets: ['db-creds', { deployType: 'env', deployTarget: 'TOKEN', secret: 'api', key: 'token' }, { deployType: 'volume', deployTarget: '/etc/certs', secret: 'certs' }],
    configMaps: ['settings'],
    resources: { requests: { cpu: '100m' }, limits: { memory: '64Mi', 'nvidia.com/gpu': '1' } },
    imagePullSecrets: ['regcred'],
    imagePullPolicy: 'Always',
    nodeSelector: { disk: 'ssd' },
    tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'etl', effect: 'NoSchedule' }],
    affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }] } } },
    serviceAccountName: 'etl',
  });
  const double = task('double', (_ctx, made: { rows: number; who: string }) => ({ rows: made.rows * 2, who: made.who }));
  double(made);
});

dag({ dagId: 'kpod_exit' }, () => {
  podTask('exit2', { ...base, args: ['echo about to fail; exit 2'] });
});

dag({ dagId: 'kpod_pull' }, () => {
  podTask('unpullable', { ...base, image: '${UNPULLABLE}', args: ['echo never'] });
});

dag({ dagId: 'kpod_stream' }, () => {
  podTask('stream', { ...base, args: [\`echo first-line-before-the-signal; \${waitFor('stream')}; echo after-the-signal\`] });
});

dag({ dagId: 'kpod_defer' }, () => {
  podTask('deferred', {
    ...base,
    deferrable: true,
    pollInterval: '200ms',
    args: [\`echo deferred-start; \${waitFor('defer')}; echo deferred-end; echo '[1, 2]' > \${out('defer.json')}\`],
    outputFile: out('defer.json'),
  });
});

dag({ dagId: 'kpod_big_output' }, () => {
  podTask('big', { ...base, args: [\`echo "[$(seq -s, 2000)]" > \${out('big.json')}\`], outputFile: out('big.json') });
});

dag({ dagId: 'kpod_defer_pull' }, () => {
  podTask('unpullable_deferred', { ...base, image: '${UNPULLABLE}', deferrable: true, pollInterval: '200ms', args: ['echo never'] });
});

dag({ dagId: 'kpod_defer_clear' }, () => {
  podTask('cleared', { ...base, deferrable: true, pollInterval: '200ms', args: [\`echo try-started; \${waitFor('clear')}\`] });
});

dag({ dagId: 'kpod_defer_timeout' }, () => {
  podTask({ taskId: 'stuck', executionTimeout: '3s' }, { ...base, deferrable: true, pollInterval: '200ms', args: ['echo waiting-forever; sleep 600'] });
});
`;

describe('podTask on the kubernetes engine (against the Kubernetes API test double)', () => {
  let g: GaleHome;
  let double: KubeApiDouble;
  let kubelet: HostKubelet;
  let standalone: Service;
  let dir: string;

  beforeAll(async () => {
    double = new KubeApiDouble();
    await double.start();
    g = makeGaleHome({
      GALE__CONTAINERS__ENGINE: 'kubernetes',
      GALE__KUBERNETES__NAMESPACE: 'gale-pods',
      GALE__TRIGGERER__POLL_INTERVAL: '0.2',
      GALE__TRIGGERER__JOB_HEARTBEAT_SEC: '0.5',
    });
    g.env.GALE__KUBERNETES__CONFIG_FILE = double.writeKubeconfig(join(g.home, 'kubeconfig'));
    kubelet = new HostKubelet(double);
    kubelet.unpullable.add(UNPULLABLE);
    kubelet.auto();
    dir = join(g.home, 'out');
    mkdirSync(dir);
    g.writeDag('pods.ts', dagFile(dir));
    standalone = await startStandalone(g, 'kpod_defer_timeout');
  }, 180_000);

  afterAll(async () => {
    kubelet?.stop();
    await standalone?.stop();
    g?.cleanup();
    await double?.stop();
  });

  function trigger(dagId: string): string {
    const r = g.gale(['dags', 'trigger', dagId, '-o', 'json']);
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout).run_id as string;
  }

  const runEnds = (dagId: string, state: string) =>
    runEndsOf(g, dagId, state, { seen: () => standalone.output().slice(-2000) });

  const output = (dagId: string, taskId: string) => outputOf(g, dagId, taskId);
  const tryError = (dagId: string, taskId: string) => tryErrorOf(g, dagId, taskId);

  const createdPod = (dagId: string): PodJson | undefined =>
    double.created.find((p) => p.metadata.annotations?.['gale.io/dag-id'] === dagId);
  const livePods = (dagId: string): PodJson[] =>
    [...double.pods.values()].filter((p) => p.metadata.annotations?.['gale.io/dag-id'] === dagId);

  it('a pod that exits 0 succeeds; its output file, read back from the termination message, is what a downstream task gets', async () => {
    const runId = trigger('kpod_ok');
    await runEnds('kpod_ok', 'success');
    expect(output('kpod_ok', 'make')).toEqual({ rows: 3, who: 'kpod_ok' });
    expect(output('kpod_ok', 'double')).toEqual({ rows: 6, who: 'kpod_ok' });
    expect(tryLog(g.home, 'make')).toMatch(/made on \d{4}-\d{2}-\d{2}/);
    const pod = createdPod('kpod_ok')!;
    expect(pod.metadata.namespace).toBe('team-a');
    expect(pod.metadata.labels.team).toBe('data');
    expect(pod.metadata.labels['gale.io/run-id']).toMatch(/^[A-Za-z0-9][-A-Za-z0-9_.]*[A-Za-z0-9]$/);
    expect(pod.metadata.annotations['gale.io/run-id']).toBe(runId);
    expect(pod.spec.restartPolicy).toBe('Never');
    expect(pod.spec.serviceAccountName).toBe('etl');
    expect(pod.spec.nodeSelector).toEqual({ disk: 'ssd' });
    expect(pod.spec.imagePullSecrets).toEqual([{ name: 'regcred' }]);
    const base = pod.spec.containers[0];
    expect(base.terminationMessagePath).toBe(join(dir, 'make.json'));
    expect(base.terminationMessagePolicy).toBe('File');
    expect(base.imagePullPolicy).toBe('Always');
    expect(base.resources.limits).toEqual({ memory: '64Mi', 'nvidia.com/gpu': '1' });
    expect(base.envFrom).toEqual([
      { secretRef: { name: 'db-creds' } },
      { configMapRef: { name: 'settings' } },
    ]);
    expect(base.env).toContainEqual({
      name: 'TOKEN',
      valueFrom: { secretKeyRef: { name: 'api', key: 'token' } },
    });
    expect(livePods('kpod_ok')).toEqual([]); // deleted when done
  });

  it('a pod whose container exits 2 fails the try with the exit code', async () => {
    trigger('kpod_exit');
    await runEnds('kpod_exit', 'failed');
    expect(tryError('kpod_exit', 'exit2')).toMatch(
      /^failed: Container gale-kpod-exit-\S+ exited with code 2: Error/,
    );
    expect(tryLog(g.home, 'exit2')).toContain('about to fail');
    expect(livePods('kpod_exit')).toEqual([]);
  });

  it('a pod whose image cannot be pulled fails the try with the reason, and is deleted', async () => {
    trigger('kpod_pull');
    await runEnds('kpod_pull', 'failed');
    expect(tryError('kpod_pull', 'unpullable')).toMatch(
      /^failed: Pod \S+ \(namespace gale-pods\) did not run its container to an exit: ErrImagePull: pull access denied/,
    );
    expect(livePods('kpod_pull')).toEqual([]);
  });

  it('output over the 4 KiB a termination message keeps fails the try, naming the limit', async () => {
    trigger('kpod_big_output');
    await runEnds('kpod_big_output', 'failed');
    expect(tryError('kpod_big_output', 'big')).toMatch(
      /of 4096 bytes or more: Kubernetes kept only its last 4 KiB, which is not JSON\n\s*hint: .*at most 4 KiB/,
    );
  });

  it("streams the pod's log into the try's log while it runs, following again when the API ends the stream", async () => {
    trigger('kpod_stream');
    await waitFor(() => tryLog(g.home, 'stream').includes('first-line-before-the-signal'), {
      what: "the pod's first line in the try's log while it runs",
      timeoutMs: 60_000,
      seen: () => ({ states: taskStates(g.db(), 'kpod_stream'), log: tryLog(g.home, 'stream') }),
    });
    expect(taskStates(g.db(), 'kpod_stream').stream).toBe('running');
    expect(tryLog(g.home, 'stream')).not.toContain('after-the-signal');
    // the API ends the follow while the pod runs: the try follows again from its last line
    const pod = createdPod('kpod_stream')!.metadata.name as string;
    expect(double.cutLogStreams(pod)).toBe(1);
    await waitFor(() => double.logFollowers(pod) === 1, {
      what: "the pod's log to be followed again",
      timeoutMs: 30_000,
      seen: () => tryLog(g.home, 'stream'),
    });
    writeFileSync(join(dir, 'stream'), '');
    await runEnds('kpod_stream', 'success');
    const log = tryLog(g.home, 'stream');
    expect(log.split('first-line-before-the-signal').length - 1).toBe(1);
    expect(log.split('after-the-signal').length - 1).toBe(1);
  });

  it('a deferrable podTask waits in the triggerer while its pod runs, then collects its output', async () => {
    trigger('kpod_defer');
    await waitFor(() => taskStates(g.db(), 'kpod_defer').deferred === 'deferred', {
      what: 'the task to defer',
      timeoutMs: 60_000,
      seen: () => ({ states: taskStates(g.db(), 'kpod_defer'), log: tryLog(g.home, 'deferred') }),
    });
    expect(livePods('kpod_defer')).toHaveLength(1);
    writeFileSync(join(dir, 'defer'), '');
    await runEnds('kpod_defer', 'success');
    expect(output('kpod_defer', 'deferred')).toEqual([1, 2]);
    const log = tryLog(g.home, 'deferred');
    expect(log).toContain('Deferred: waiting for gale.triggers.ContainerTrigger');
    expect(log).toContain('deferred-end'); // collected by the resumed try
    expect(livePods('kpod_defer')).toEqual([]);
  });

  it('a deferred pod that cannot pull its image fails the try from the triggerer with the reason, and is deleted', async () => {
    trigger('kpod_defer_pull');
    await runEnds('kpod_defer_pull', 'failed');
    expect(tryError('kpod_defer_pull', 'unpullable_deferred')).toMatch(
      /GALE_ERR_CONTAINER_FAILED: Pod \S+ \(namespace gale-pods\) did not run its container to an exit: ErrImagePull/,
    );
    await waitFor(() => livePods('kpod_defer_pull').length === 0, {
      what: 'the pod of the failed try to be deleted',
      seen: () => standalone.output().slice(-2000),
    });
  });

  it('a deferred try cleared by a user has its pod deleted; the next try gets its own', async () => {
    trigger('kpod_defer_clear');
    const tryPods = () => livePods('kpod_defer_clear').map((p) => p.metadata.labels['gale.io/try-number']);
    await waitFor(() => taskStates(g.db(), 'kpod_defer_clear').cleared === 'deferred', {
      what: 'the task to defer',
      timeoutMs: 60_000,
      seen: () => ({ states: taskStates(g.db(), 'kpod_defer_clear'), log: tryLog(g.home, 'cleared') }),
    });
    expect(tryPods()).toEqual(['1']);
    const clear = g.gale(['tasks', 'clear', 'kpod_defer_clear', '--yes']);
    expect(clear.code, clear.stderr).toBe(0);
    await waitFor(() => !tryPods().includes('1'), {
      what: 'the pod of the cleared try to be deleted',
      seen: () => ({ pods: tryPods(), log: standalone.output().slice(-2000) }),
    });
    writeFileSync(join(dir, 'clear'), '');
    await runEnds('kpod_defer_clear', 'success');
  });

  it('a deferred try that times out in the triggerer has its pod deleted', async () => {
    trigger('kpod_defer_timeout');
    await runEnds('kpod_defer_timeout', 'failed');
    expect(tryError('kpod_defer_timeout', 'stuck')).toContain('GALE_ERR_DEFERRAL_TIMEOUT');
    await waitFor(() => livePods('kpod_defer_timeout').length === 0, {
      what: 'the pod of the timed-out try to be deleted',
      seen: () => ({
        pods: livePods('kpod_defer_timeout').map((p) => p.status),
        log: standalone.output().slice(-2000),
      }),
    });
    expect(createdPod('kpod_defer_timeout')).toBeDefined();
  });
});
