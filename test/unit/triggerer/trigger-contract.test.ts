/**
 * The contract every built-in trigger passes: made from its stored row, it does not fire before
 * its condition holds, fires once with a JSON event when it does, and stops at once, leaving no
 * timer behind, when it is aborted. A new trigger adds a fixture here (the last test checks that
 * every registered trigger has one).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Kysely } from '#kysely';
import {
  type Database,
  deferTry,
  type GaleDb,
  migrate,
  openDatabase,
  recordAnswer,
} from '../../../src/db/index.js';
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
  /** the metadata database, for triggers that read it */
  db?(): Kysely<Database> | null;
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

/** The HTTP trigger's fixture: a real local server that answers 503 for a path until satisfy() makes it ready. */
const readyPaths = new Set<string>();
let httpServer: Server | null = null;
let httpCount = 0;
const httpFixture: Fixture = {
  classpath: TRIGGER_CLASSPATHS.http,
  kwargs: () => ({
    url: `http://127.0.0.1:${(httpServer?.address() as AddressInfo | null)?.port ?? 1}/f${++httpCount}`,
    poke_interval_ms: 20,
  }),
  satisfy: (k) => readyPaths.add(new URL(String(k.url)).pathname),
  event: (k) => ({ status: 200, body: `ready ${new URL(String(k.url)).pathname}` }),
  async setup() {
    httpServer = createServer((req, res) => {
      if (readyPaths.has(req.url ?? '')) res.writeHead(200).end(`ready ${req.url}`);
      else res.writeHead(503).end('not yet');
    });
    await new Promise<void>((r) => httpServer!.listen(0, '127.0.0.1', () => r()));
  },
  async teardown() {
    httpServer?.closeAllConnections();
    await new Promise<void>((r) => (httpServer ? httpServer.close(() => r()) : r()));
  },
};

/**
 * The external task trigger's fixture: a real SQLite metadata database with running DAG runs of
 * DAG "upstream"; satisfy() marks one's run success.
 */
let metadata: GaleDb | null = null;
const runDates: string[] = [];
const externalTaskFixture: Fixture = {
  classpath: TRIGGER_CLASSPATHS.externalTask,
  kwargs: () => ({
    external_dag_id: 'upstream',
    task_ids: null,
    logical_date: runDates.shift() ?? '2000-01-01T00:00:00.000Z',
    allowed_states: ['success'],
    failed_states: ['failed'],
    poke_interval_ms: 20,
  }),
  satisfy: (k) => {
    metadata?.db
      .updateTable('dag_run')
      .set({ state: 'success' })
      .where('logical_date', '=', String(k.logical_date))
      .execute()
      .catch((error: unknown) => console.error(error));
  },
  event: () => ({ externalDagId: 'upstream', states: { '*': 'success' } }),
  db: () => metadata?.db ?? null,
  async setup() {
    metadata = openDatabase(`sqlite://${join(dir, 'metadata.db')}`);
    await migrate(metadata.db, { defaultPoolSlots: 1 });
    for (let i = 1; i <= 6; i++) {
      const date = new Date(Date.UTC(2026, 0, i)).toISOString();
      runDates.push(date);
      await metadata.db
        .insertInto('dag_run')
        .values({
          dag_id: 'upstream',
          run_id: `manual__${i}`,
          run_type: 'manual',
          state: 'running',
          logical_date: date,
          data_interval_start: date,
          data_interval_end: date,
          run_after: date,
          conf: '{}',
          dag_version_hash: 'v1',
          created_at: date,
        })
        .execute();
    }
  },
  async teardown() {
    await metadata?.close();
  },
};

/**
 * The HITL trigger's fixture: a real SQLite metadata database whose task instances deferred on a
 * HITLTrigger through deferTry (which stores their requests); satisfy() answers one.
 */
let hitlDb: GaleDb | null = null;
const hitlTis: string[] = [];
const ANSWERED_AT = new Date('2026-01-02T03:04:05.000Z');
const hitlKwargs = (taskId: string) => ({
  dag_id: 'hitl',
  run_id: 'manual__1',
  task_id: taskId,
  map_index: -1,
  subject: `Approve ${taskId}?`,
  body: null,
  options: ['Approve', 'Reject'],
  multiple: false,
  params: {},
  defaults: null,
  assignees: null,
  timeout_ms: null,
  poke_interval_ms: 20,
});
const hitlFixture: Fixture = {
  classpath: TRIGGER_CLASSPATHS.hitl,
  kwargs: () => hitlKwargs(hitlTis.shift() ?? 'none-left'),
  satisfy: (k) => {
    const detail = { tiId: String(k.task_id), taskId: String(k.task_id), runId: 'manual__1', tryNumber: 1 };
    const answer = { chosenOptions: ['Approve'], paramsInput: {}, respondedBy: 'ann' };
    if (hitlDb)
      recordAnswer(hitlDb.db, detail, answer, ANSWERED_AT).catch((error: unknown) => console.error(error));
  },
  event: () => ({
    chosen_options: ['Approve'],
    params_input: {},
    responded_by: 'ann',
    responded_at: ANSWERED_AT.toISOString(),
    timed_out: false,
  }),
  db: () => hitlDb?.db ?? null,
  async setup() {
    hitlDb = openDatabase(`sqlite://${join(dir, 'hitl.db')}`);
    await migrate(hitlDb.db, { defaultPoolSlots: 1 });
    const now = new Date();
    for (let i = 1; i <= 6; i++) {
      const id = `h${i}`;
      await hitlDb.db
        .insertInto('task_instance')
        .values({
          ...{
            id,
            dag_id: 'hitl',
            run_id: 'manual__1',
            task_id: id,
            map_index: -1,
            try_number: 1,
            max_tries: 0,
          },
          ...{ state: 'running', operator: 'task', start_date: now.toISOString(), pool: 'default_pool' },
          ...{ pool_slots: 1, priority_weight: 1, queue: 'default', updated_at: now.toISOString() },
        })
        .execute();
      const trigger = { classpath: TRIGGER_CLASSPATHS.hitl, kwargs: hitlKwargs(id) };
      const deferral = { trigger, method: 'execute', kwargs: {}, timeoutMs: null, executionTimeoutMs: null };
      expect(await deferTry(hitlDb.db, { tiId: id, tryNumber: 1, deferral, now })).toBe(true);
      hitlTis.push(id);
    }
  },
  async teardown() {
    await hitlDb?.close();
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
  httpFixture,
  externalTaskFixture,
  hitlFixture,
];

const clock: Clock = { now: () => new Date() };

function make(f: Fixture, kwargs: Record<string, unknown>, createdDate = new Date()): Trigger {
  return createTrigger(
    { classpath: f.classpath, kwargs: JSON.stringify(kwargs), created_date: createdDate.toISOString() },
    clock,
    f.db?.() ?? null,
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
