/**
 * The contract every built-in trigger passes: made from its stored row, it does not fire before
 * its condition holds, fires once with a JSON event when it does, and stops at once, leaving no
 * timer behind, when it is aborted. A new trigger adds a fixture here (the last test checks that
 * every registered trigger has one).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TRIGGER_CLASSPATHS } from '../../../src/models/index.js';
import { BUILT_IN_TRIGGERS, type Clock, createTrigger, type Trigger } from '../../../src/triggerer/index.js';
import { type DockerApi, ensurePodman, podman, podmanOk, startDockerApi } from '../../support/podman.js';

const dir = mkdtempSync(join(tmpdir(), 'gale-trigger-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Fixture {
  classpath: string;
  /** kwargs of a trigger whose condition holds only after satisfy() (or ~300 ms) */
  kwargs(): Record<string, unknown>;
  /** makes the condition hold */
  satisfy(kwargs: Record<string, unknown>): void;
  /** what the event must be */
  event(kwargs: Record<string, unknown>, createdDate: Date): unknown;
  /** makes what the fixture needs (a container engine), before its tests */
  setup?(): Promise<void>;
  teardown?(): Promise<void>;
}

/**
 * The container trigger's fixture: containers on podman's Docker API (a real engine), started
 * before the tests, each waiting for a file of its name in a mounted folder; satisfy() writes it,
 * and the container exits 0.
 */
const CONTAINERS = 3;
let dockerApi: DockerApi | null = null;
const started: string[] = [];
const containerFixture: Fixture = {
  classpath: TRIGGER_CLASSPATHS.container,
  kwargs: () => ({
    engine: 'docker',
    docker_host: dockerApi?.dockerHost ?? '',
    name: started.shift() ?? 'gale-contract-none-left',
    poll_interval_ms: 20,
  }),
  satisfy: (k) => writeFileSync(join(dir, 'signals', String(k.name)), ''),
  event: () => ({ exitCode: 0, oomKilled: false, reason: 'Completed' }),
  async setup() {
    const image = await ensurePodman();
    mkdirSync(join(dir, 'signals'));
    dockerApi = await startDockerApi(join(dir, 'docker.sock'));
    for (let i = 0; i < CONTAINERS; i++) {
      const name = `gale-contract-${process.pid}-${i}`;
      await podman(['rm', '-f', name]);
      await podmanOk([
        ...['run', '-d', '--pull=never', '--name', name, '-v', `${join(dir, 'signals')}:/signals`, image],
        ...['sh', '-c', `while [ ! -f /signals/${name} ]; do sleep 0.05; done`],
      ]);
      started.push(name);
    }
  },
  async teardown() {
    for (let i = 0; i < CONTAINERS; i++) await podman(['rm', '-f', `gale-contract-${process.pid}-${i}`]);
    await dockerApi?.stop();
  },
};

const WAIT_MS = 300;
let fileCount = 0;

const FIXTURES: Fixture[] = [
  {
    classpath: TRIGGER_CLASSPATHS.dateTime,
    kwargs: () => ({ moment: new Date(Date.now() + WAIT_MS).toISOString() }),
    satisfy: () => undefined,
    event: (k) => k.moment,
  },
  {
    classpath: TRIGGER_CLASSPATHS.timeDelta,
    kwargs: () => ({ delta_ms: WAIT_MS }),
    satisfy: () => undefined,
    event: (k, created) => new Date(created.getTime() + Number(k.delta_ms)).toISOString(),
  },
  {
    classpath: TRIGGER_CLASSPATHS.file,
    kwargs: () => ({ filepath: join(dir, `file-${++fileCount}.csv`), poke_interval_ms: 20 }),
    satisfy: (k) => writeFileSync(String(k.filepath), 'a,b\n'),
    event: (k) => ({ filepath: k.filepath }),
  },
  containerFixture,
];

const clock: Clock = { now: () => new Date() };

function make(f: Fixture, kwargs: Record<string, unknown>, createdDate = new Date()): Trigger {
  return createTrigger(
    { classpath: f.classpath, kwargs: JSON.stringify(kwargs), created_date: createdDate.toISOString() },
    clock,
  );
}

/** Settles with the trigger's event, or 'pending' when it has not fired within `ms`. */
async function within(promise: Promise<unknown>, ms: number): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve('pending'), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function timers(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
}

describe.each(FIXTURES)('trigger $classpath', (f) => {
  beforeAll(() => f.setup?.(), 900_000);
  afterAll(() => f.teardown?.(), 60_000);

  it('does not fire before its condition holds', async () => {
    const controller = new AbortController();
    const run = make(f, f.kwargs()).run(controller.signal);
    expect(await within(run, 100)).toBe('pending');
    controller.abort(new Error('test over'));
    await expect(run).rejects.toBeDefined();
  });

  it('fires once its condition holds, with a JSON event', async () => {
    const kwargs = f.kwargs();
    const created = new Date();
    const run = make(f, kwargs, created).run(new AbortController().signal);
    f.satisfy(kwargs);
    const event = await within(run, 5_000);
    expect(event).toEqual(f.event(kwargs, created));
    expect(JSON.parse(JSON.stringify(event))).toEqual(event);
  });

  it('stops at once when aborted, leaving no timer behind', async () => {
    const before = timers();
    const controller = new AbortController();
    const run = make(f, f.kwargs()).run(controller.signal);
    await within(run, 50);
    const reason = new Error('taken away');
    controller.abort(reason);
    const settled = await within(
      run.then(
        () => 'fired',
        () => 'rejected',
      ),
      200,
    );
    expect(settled).toBe('rejected');
    expect(timers()).toBeLessThanOrEqual(before);
  });

  it('refuses kwargs it does not understand, naming them', () => {
    expect(() => make(f, { ...f.kwargs(), nonsense: true })).toThrow(/nonsense/);
    try {
      make(f, { nonsense: true });
    } catch (error) {
      expect(error).toMatchObject({ code: 'GALE_ERR_TRIGGER_INVALID' });
    }
  });
});

describe('the trigger registry', () => {
  it('has a contract fixture for every built-in trigger', () => {
    expect([...BUILT_IN_TRIGGERS.keys()].sort()).toEqual(FIXTURES.map((f) => f.classpath).sort());
  });

  it.each([
    { classpath: 'airflow.triggers.temporal.DateTimeTrigger', kwargs: '{}' },
    { classpath: TRIGGER_CLASSPATHS.timeDelta, kwargs: 'not json' },
  ])('refuses $classpath with $kwargs', ({ classpath, kwargs }) => {
    expect(() => createTrigger({ classpath, kwargs, created_date: new Date().toISOString() }, clock)).toThrow(
      expect.objectContaining({ code: 'GALE_ERR_TRIGGER_INVALID' }),
    );
  });

  it('fires a time-delta trigger counted from when the try deferred, not from when it starts', async () => {
    const created = new Date(Date.now() - 10_000);
    const trigger = createTrigger(
      {
        classpath: TRIGGER_CLASSPATHS.timeDelta,
        kwargs: JSON.stringify({ delta_ms: 1_000 }),
        created_date: created.toISOString(),
      },
      clock,
    );
    expect(await within(trigger.run(new AbortController().signal), 200)).toBe(
      new Date(created.getTime() + 1_000).toISOString(),
    );
  });
});
