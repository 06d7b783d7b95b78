/**
 * Container tasks (podTask) on a real container engine: podman's Docker-API service, driven through
 * the built CLI's standalone (scheduler, local executor, triggerer). A container's output streams
 * into the try's log while it runs; its exit code and reason fail the try (2; 137 under a memory
 * limit); the JSON it writes becomes the task's output for a downstream task; a deferrable one
 * waits in the triggerer; its templates are rendered; its container is removed when done.
 * Needs podman (test/support/podman.ts installs it when the tests run as root).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type GaleHome,
  makeGaleHome,
  runsOf,
  type Service,
  taskStates,
  waitFor,
} from '../support/gale-home.js';
import { type DockerApi, ensurePodman, podmanOk, startDockerApi } from '../support/podman.js';

let g: GaleHome;
let api: DockerApi;
let standalone: Service;
let signals: string;
let baseImage: string;

/** A second name of the base image, so that a podTask can map over two images that are both here. */
const ALT_IMAGE = 'localhost/gale-pod-task-alt:1';
const MISSING_IMAGE = 'localhost/gale-pod-task-missing:0';

const dagFile = (image: string, signalDir: string) => `
import { dag, podTask, task } from 'gale/sdk';
const base = { image: ${JSON.stringify(image)}, imagePullPolicy: 'Never' as const };
const signal = {
  volumes: [{ name: 'signals', hostPath: { path: ${JSON.stringify(signalDir)} } }],
  volumeMounts: [{ name: 'signals', mountPath: '/signals' }],
};
const waitFor = (file: string) => \`while [ ! -f /signals/\${file} ]; do sleep 0.1; done\`;

dag({ dagId: 'pod_ok', params: { rows: 3 } }, () => {
  const made = podTask('make', {
    ...base,
    cmds: ['sh', '-c'],
    args: ['echo "made on {{ ds }}"; mkdir -p /gale/xcom; echo "{\\\\"rows\\\\": {{ params.rows }}, \\\\"who\\\\": \\\\"$WHO\\\\"}" > /gale/xcom/return.json'],
    env: { WHO: '{{ dag.dag_id }}' },
    doXcomPush: true,
    nodeSelector: { disk: 'ssd' },
  });
  const double = task('double', (_ctx, made: { rows: number; who: string }) => ({ rows: made.rows * 2, who: made.who }));
  double(made);
});

dag({ dagId: 'pod_exit' }, () => {
  podTask('exit2', { ...base, cmds: ['sh', '-c', 'echo about to fail; exit 2'] });
});

dag({ dagId: 'pod_oom' }, () => {
  podTask('hog', { ...base, cmds: ['sh', '-c', 'tail /dev/zero'], resources: { limits: { memory: '32Mi' } } });
});

dag({ dagId: 'pod_stream' }, () => {
  podTask('stream', { ...base, ...signal, cmds: ['sh', '-c', \`echo first-line-before-the-signal; \${waitFor('stream')}; echo after-the-signal\`] });
});

dag({ dagId: 'pod_bad_output' }, () => {
  podTask('garbled', { ...base, cmds: ['sh', '-c', 'mkdir -p /gale/xcom; echo not-json > /gale/xcom/return.json'], doXcomPush: true });
});

dag({ dagId: 'pod_gone' }, () => {
  podTask('vanishing', { ...base, ...signal, deferrable: true, pollInterval: '200ms', cmds: ['sh', '-c', waitFor('never')] });
});

dag({ dagId: 'pod_timeout' }, () => {
  podTask({ taskId: 'slow', executionTimeout: '3s' }, { ...base, cmds: ['sh', '-c', 'echo sleeping; sleep 600'] });
});

dag({ dagId: 'pod_mapped' }, () => {
  const sizes = podTask
    .partial('size', { ...base, cmds: ['sh', '-c'], env: { UNIT: 'kb' }, doXcomPush: true })
    .expand({ args: [['echo sized $UNIT; mkdir -p /gale/xcom; echo 10 > /gale/xcom/return.json'], ['mkdir -p /gale/xcom; echo "{{ ti.map_index }}1" > /gale/xcom/return.json']] });
  const greet = podTask
    .partial('greet', { ...base, cmds: ['sh', '-c', 'echo "hello $WHO"'] })
    .expand({ env: [[{ name: 'WHO', value: 'ada' }], { WHO: 'grace' }] });
  const total = task('total', (_ctx, values: number[]) => values.reduce((a, b) => a + b, 0));
  total(sizes);
  greet;
});

dag({ dagId: 'pod_mapped_image' }, () => {
  podTask
    .partial('which', { imagePullPolicy: 'Never', cmds: ['sh', '-c', 'echo "instance {{ ti.map_index }} ran"'] })
    .expand({ image: [${JSON.stringify(image)}, ${JSON.stringify(ALT_IMAGE)}, ${JSON.stringify(MISSING_IMAGE)}] });
});

dag({ dagId: 'pod_killed' }, () => {
  podTask('orphan', { ...base, ...signal, cmds: ['sh', '-c', \`trap 'exit 143' TERM; echo orphan-waiting; \${waitFor('never')}\`] });
});

dag({ dagId: 'pod_defer' }, () => {
  podTask('deferred', {
    ...base,
    ...signal,
    deferrable: true,
    pollInterval: '200ms',
    cmds: ['sh', '-c', \`echo deferred-start; \${waitFor('defer')}; echo deferred-end; mkdir -p /out; echo '[1, 2]' > /out/o.json\`],
    outputFile: '/out/o.json',
  });
});
`;

function trigger(dagId: string): string {
  const r = g.gale(['dags', 'trigger', dagId, '-o', 'json']);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout).run_id as string;
}

/** The first try's log of a task instance (a mapped one's with its map index). */
function logOf(dagId: string, runId: string, taskId: string, mapIndex = -1): string {
  const path = join(
    g.home,
    'logs',
    `dag_id=${dagId}`,
    `run_id=${runId}`,
    `task_id=${taskId}`,
    ...(mapIndex >= 0 ? [`map_index=${mapIndex}`] : []),
    'attempt=1.log',
  );
  return existsSync(path) ? readFileSync(path, 'utf8') : '';
}

function output(dagId: string, taskId: string): unknown {
  const row = g
    .db()
    .prepare("select value from xcom where dag_id = ? and task_id = ? and key = 'return_value'")
    .get(dagId, taskId) as { value: string } | undefined;
  return row ? JSON.parse(row.value) : undefined;
}

function tryError(dagId: string, taskId: string): string {
  const row = g
    .db()
    .prepare('select state, error from task_instance_try where dag_id = ? and task_id = ?')
    .get(dagId, taskId) as { state: string; error: string | null } | undefined;
  return `${row?.state}: ${row?.error}`;
}

async function runEnds(dagId: string, state: string, runId: string): Promise<void> {
  await waitFor(() => runsOf(g.db(), dagId)[0]?.state === state, {
    what: `run ${runId} of ${dagId} to be ${state}`,
    timeoutMs: 90_000,
    seen: () => ({ states: taskStates(g.db(), dagId, runId), log: standalone.output().slice(-1500) }),
  });
}

/**
 * The containers of a run's tries still on the engine (they carry Gale's labels). By run, so that a
 * container an earlier, interrupted test run left on this machine's podman does not count.
 */
async function containersOf(dagId: string, runId: string): Promise<string[]> {
  const out = await podmanOk([
    'ps',
    '-a',
    '--filter',
    `label=gale.io/dag-id=${dagId}`,
    '--filter',
    `label=gale.io/run-id=${runId}`,
    '--format',
    '{{.Names}}',
  ]);
  return out.split('\n').filter((l) => l.trim() !== '');
}

describe('podTask on podman', () => {
  beforeAll(async () => {
    const image = await ensurePodman();
    baseImage = image;
    await podmanOk(['tag', image, ALT_IMAGE]);
    g = makeGaleHome({
      GALE__TRIGGERER__POLL_INTERVAL: '0.2',
      GALE__TRIGGERER__JOB_HEARTBEAT_SEC: '0.5',
      // a stopped try has this long to stop and remove its container: podman is slow on a loaded CI machine
      GALE__CORE__KILLED_TASK_CLEANUP_TIME: '30',
    });
    api = await startDockerApi(join(g.home, 'docker.sock'));
    g.env.GALE__CONTAINERS__DOCKER_HOST = api.dockerHost;
    signals = join(g.home, 'signals');
    mkdirSync(signals);
    g.writeDag('pods.ts', dagFile(image, signals));
    standalone = g.start(['standalone']);
    await waitFor(() => standalone.output().includes('Gale standalone is ready'), {
      what: 'standalone to be ready',
      timeoutMs: 60_000,
      seen: () => standalone.output().slice(-2000),
    });
    await waitFor(() => g.gale(['dags', 'list', '-o', 'json']).stdout.includes('"pod_defer"'), {
      what: 'the DAGs to be parsed',
      timeoutMs: 60_000,
      seen: () => standalone.output().slice(-2000),
    });
  }, 900_000);

  afterAll(async () => {
    await standalone?.stop();
    await api?.stop();
    g?.cleanup();
  });

  it('a container that exits 0 succeeds; the JSON it wrote, from templated args and env, is the output a downstream task gets', {
    timeout: 120_000,
  }, async () => {
    const runId = trigger('pod_ok');
    await runEnds('pod_ok', 'success', runId);
    const ds = runsOf(g.db(), 'pod_ok')[0]!.logical_date.slice(0, 10);
    expect(output('pod_ok', 'make')).toEqual({ rows: 3, who: 'pod_ok' });
    expect(output('pod_ok', 'double')).toEqual({ rows: 6, who: 'pod_ok' });
    const log = logOf('pod_ok', runId, 'make');
    expect(log).toContain(`made on ${ds}`);
    expect(log).toContain('ignores these Kubernetes-only fields: nodeSelector');
    expect(await containersOf('pod_ok', runId)).toEqual([]); // onFinish: delete (the default)
  });

  it('a container that exits 2 fails the try, naming the exit code', { timeout: 120_000 }, async () => {
    const runId = trigger('pod_exit');
    await runEnds('pod_exit', 'failed', runId);
    expect(tryError('pod_exit', 'exit2')).toMatch(/^failed: .*exited with code 2: Error/);
    const log = logOf('pod_exit', runId, 'exit2');
    expect(log).toContain('about to fail');
    expect(log).toContain('exited with code 2');
    expect(await containersOf('pod_exit', runId)).toEqual([]);
  });

  it('a container killed under a 32Mi memory limit fails the try as out of memory', {
    timeout: 120_000,
  }, async () => {
    const runId = trigger('pod_oom');
    await runEnds('pod_oom', 'failed', runId);
    // runc on cgroup v1 reports OOMKilled=false: either the engine's reason or the exit 137 under a limit
    expect(tryError('pod_oom', 'hog')).toMatch(
      /exited with code 137: (OOMKilled|killed \(exit code 137\) under a memory limit of 32Mi: most likely out of memory)/,
    );
  });

  it("streams the container's output into the try's log while the container still runs", {
    timeout: 120_000,
  }, async () => {
    const runId = trigger('pod_stream');
    await waitFor(() => logOf('pod_stream', runId, 'stream').includes('first-line-before-the-signal'), {
      what: 'the first line in the log',
      timeoutMs: 60_000,
      seen: () => ({
        states: taskStates(g.db(), 'pod_stream', runId),
        log: logOf('pod_stream', runId, 'stream'),
      }),
    });
    // the container waits for the signal: the try still runs, and its last line is not there yet
    expect(taskStates(g.db(), 'pod_stream', runId).stream).toBe('running');
    expect(logOf('pod_stream', runId, 'stream')).not.toContain('after-the-signal');
    writeFileSync(join(signals, 'stream'), '');
    await runEnds('pod_stream', 'success', runId);
    expect(logOf('pod_stream', runId, 'stream')).toContain('after-the-signal');
  });

  it('an output file that is not JSON fails the try, saying so', { timeout: 120_000 }, async () => {
    const runId = trigger('pod_bad_output');
    await runEnds('pod_bad_output', 'failed', runId);
    expect(tryError('pod_bad_output', 'garbled')).toMatch(/return\.json, which is not JSON/);
    expect(await containersOf('pod_bad_output', runId)).toEqual([]);
  });

  it('a deferred try whose container is removed meanwhile fails instead of waiting forever', {
    timeout: 120_000,
  }, async () => {
    const runId = trigger('pod_gone');
    await waitFor(() => taskStates(g.db(), 'pod_gone', runId).vanishing === 'deferred', {
      what: 'the task to defer',
      timeoutMs: 60_000,
      seen: () => ({
        states: taskStates(g.db(), 'pod_gone', runId),
        log: logOf('pod_gone', runId, 'vanishing'),
      }),
    });
    const [name] = await containersOf('pod_gone', runId);
    await podmanOk(['rm', '-f', String(name)]);
    await runEnds('pod_gone', 'failed', runId);
    // `rm -f` kills, then removes: the trigger sees either the kill (the resumed try fails with
    // it) or no container (the trigger fails); the try never waits forever
    expect(tryError('pod_gone', 'vanishing')).toMatch(
      /GALE_ERR_TRIGGER_FAILED: Container .* is gone|exited with code 137: killed \(SIGKILL\)/,
    );
  });

  it('a try stopped by its executionTimeout stops and removes its container', {
    timeout: 120_000,
  }, async () => {
    const runId = trigger('pod_timeout');
    await runEnds('pod_timeout', 'failed', runId);
    expect(tryError('pod_timeout', 'slow')).toContain('GALE_ERR_TASK_TIMEOUT');
    expect(logOf('pod_timeout', runId, 'slow')).toContain('sleeping');
    // the watchdog records the failure, then stops the task process, which stops its container
    await waitFor(
      () => logOf('pod_timeout', runId, 'slow').includes('The try is stopping: stopping container'),
      {
        what: 'the task process to stop its container',
        timeoutMs: 30_000,
        seen: () => logOf('pod_timeout', runId, 'slow'),
      },
    );
    await waitFor(async () => (await containersOf('pod_timeout', runId)).length === 0, {
      what: 'the container of the stopped try to be gone',
      timeoutMs: 60_000,
      seen: () => logOf('pod_timeout', runId, 'slow'),
    });
  });

  it('a mapped podTask runs one container per instance, each with its own args or env; the outputs are handed on as a list', {
    timeout: 150_000,
  }, async () => {
    const runId = trigger('pod_mapped');
    await runEnds('pod_mapped', 'success', runId);
    expect(output('pod_mapped', 'total')).toBe(21); // 10 + 11
    const sizes = g
      .db()
      .prepare(
        "select map_index, value from xcom where dag_id = 'pod_mapped' and task_id = 'size' order by map_index",
      )
      .all() as { map_index: number; value: string }[];
    expect(sizes.map((r) => [r.map_index, JSON.parse(r.value)])).toEqual([
      [0, 10],
      [1, 11],
    ]);
    expect(logOf('pod_mapped', runId, 'size', 0)).toContain('sized kb');
    expect(logOf('pod_mapped', runId, 'greet', 0)).toContain('hello ada');
    expect(logOf('pod_mapped', runId, 'greet', 1)).toContain('hello grace');
    expect(await containersOf('pod_mapped', runId)).toEqual([]);
  });

  it('a podTask mapped over its image runs each instance from its own image; an instance whose image is missing fails alone', {
    timeout: 150_000,
  }, async () => {
    const runId = trigger('pod_mapped_image');
    await runEnds('pod_mapped_image', 'failed', runId);
    const states = g
      .db()
      .prepare(
        "select map_index, state from task_instance where dag_id = 'pod_mapped_image' and run_id = ? order by map_index",
      )
      .all(runId);
    expect(states).toEqual([
      { map_index: 0, state: 'success' },
      { map_index: 1, state: 'success' },
      { map_index: 2, state: 'failed' },
    ]);
    const log = (i: number) => logOf('pod_mapped_image', runId, 'which', i);
    // what the instance rendered, as `gale tasks render` shows it
    const rendered = g.gale([
      'tasks',
      'render',
      'pod_mapped_image',
      'which',
      '--run-id',
      runId,
      '--map-index',
      '1',
    ]);
    expect(rendered.code, rendered.stderr).toBe(0);
    expect(rendered.stdout).toContain(ALT_IMAGE);
    expect(log(0)).toContain('instance 0 ran');
    expect(log(0)).toContain(`from image ${baseImage} on the docker engine`);
    expect(log(1)).toContain(`from image ${ALT_IMAGE} on the docker engine`);
    expect(log(1)).toContain('instance 1 ran');
    expect(log(2)).toContain(`Image ${MISSING_IMAGE} is not on the engine`);
    expect(await containersOf('pod_mapped_image', runId)).toEqual([]);
  });

  it("a task process killed with SIGKILL leaves no container behind: the scheduler stops and removes the lost try's container", {
    timeout: 150_000,
  }, async () => {
    const runId = trigger('pod_killed');
    await waitFor(
      async () =>
        logOf('pod_killed', runId, 'orphan').includes('orphan-waiting') &&
        (await containersOf('pod_killed', runId)).length === 1,
      {
        what: 'the container to run',
        timeoutMs: 60_000,
        seen: () => ({
          states: taskStates(g.db(), 'pod_killed', runId),
          log: logOf('pod_killed', runId, 'orphan'),
        }),
      },
    );
    const { pid } = g
      .db()
      .prepare("select pid from task_instance where dag_id = 'pod_killed' and run_id = ?")
      .get(runId) as { pid: number };
    // the task process (a warm one) dies at once: it cannot stop its container itself
    process.kill(pid, 'SIGKILL');
    await runEnds('pod_killed', 'failed', runId);
    expect(tryError('pod_killed', 'orphan')).toMatch(/The task process was killed by SIGKILL/);
    await waitFor(async () => (await containersOf('pod_killed', runId)).length === 0, {
      what: "the lost try's container to be removed",
      timeoutMs: 60_000,
      seen: () => standalone.output().slice(-2000),
    });
    expect(standalone.output()).toContain('removed the container of a lost try');
  });

  it('a deferrable container task waits in the triggerer (deferred) while its container runs, then succeeds', {
    timeout: 120_000,
  }, async () => {
    const runId = trigger('pod_defer');
    await waitFor(() => taskStates(g.db(), 'pod_defer', runId).deferred === 'deferred', {
      what: 'the task to defer',
      timeoutMs: 60_000,
      seen: () => ({
        states: taskStates(g.db(), 'pod_defer', runId),
        log: logOf('pod_defer', runId, 'deferred'),
      }),
    });
    expect(await containersOf('pod_defer', runId)).toHaveLength(1); // it runs while the try is deferred
    writeFileSync(join(signals, 'defer'), '');
    await runEnds('pod_defer', 'success', runId);
    expect(output('pod_defer', 'deferred')).toEqual([1, 2]);
    const log = logOf('pod_defer', runId, 'deferred');
    expect(log).toContain('Deferred: waiting for gale.triggers.ContainerTrigger');
    expect(log).toContain('deferred-end'); // collected by the resumed try
    expect(await containersOf('pod_defer', runId)).toEqual([]);
  });
});
