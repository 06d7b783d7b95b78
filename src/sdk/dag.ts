/**
 * dag(), task(), shell() and chain(): how DAG authors define DAGs. A DAG is built by calling its
 * build function once; tasks called inside it become nodes, and passing one task's result to
 * another creates a typed data dependency. This module must never do I/O: it runs inside the
 * DAG processor's parse processes and the task runner.
 */

import {
  type ArgSpec,
  type ContainerTaskSpec,
  checkParamDefaults,
  type Duration,
  type FlowKind,
  GaleError,
  type MappingSpec,
  parseDuration,
  type SerializedDag,
  type SerializedTask,
  validateTimezone,
} from '../models/index.js';
import type { TaskContext } from './context.js';
import type { DagRunCallback, DeadlineAlert } from './dag-callbacks.js';
import {
  compileGroupInput,
  GroupArg,
  type GroupArgs,
  groupArgsOf,
  groupTaskArgs,
  type MappedGroupInput,
} from './mapped-group.js';
import {
  compileExpand,
  compileExpandKwargs,
  type ExpandArg,
  type OutputLike,
  type ToArg,
} from './mapping.js';
import {
  type CompiledTaskOptions,
  compileResumeFunctions,
  compileTaskOptions,
  compileTaskRole,
  type DefaultArgs,
  type ResumeFunctions,
  type TaskCallbacks,
  type TaskOptions,
  taskCallbacks,
  validateTaskId,
} from './task-options.js';
import { compileSchedule, needsStartDate, type Schedule } from './timetables.js';

export interface DagOptions {
  /** unique across all DAG files; letters, digits, `_`, `-`, `.` */
  dagId: string;
  /**
   * cron expression, preset (@hourly @daily @weekly @monthly @yearly @once), interval ("30m"), a
   * timetable (cronTrigger(), cronDataIntervals(), every(), events()), assets (an asset, a list:
   * all of them, assetAll() / assetAny()), assetOrTime(), or null: manual only (default null)
   */
  schedule?: Schedule;
  /** the first logical date a scheduled run may have (required for a schedule other than null) */
  startDate?: Date | string;
  /** no scheduled run has a logical date after this */
  endDate?: Date | string;
  /** create the runs missed since startDate or since the last run (default scheduler.catchup_by_default: false) */
  catchup?: boolean;
  /** give cron runs a data interval between two ticks, logical date at its start (default scheduler.create_cron_data_intervals: false) */
  dataIntervals?: boolean;
  /** IANA time zone in which cron expressions are read (default core.default_timezone: UTC) */
  timezone?: string;
  tags?: string[];
  description?: string;
  doc?: string;
  /** runs of this DAG active at once (default core.max_active_runs_per_dag: 16) */
  maxActiveRuns?: number;
  /** task instances running at once in one run of this DAG, as Airflow 3 (default core.max_active_tasks_per_dag: 16) */
  maxActiveTasks?: number;
  /** a run still unfinished this long after it started fails, and its unfinished tasks are skipped (as Airflow) */
  dagrunTimeout?: Duration;
  /** called when a run succeeds (Airflow's on_success_callback), in a DAG processor's process */
  onSuccess?: DagRunCallback;
  /** called when a run fails, also by dagrunTimeout (Airflow's on_failure_callback), in a DAG processor's process */
  onFailure?: DagRunCallback;
  /** a callback for runs still unfinished some time after their logical date or queue time (Airflow 3.1's deadline alerts) */
  deadline?: DeadlineAlert;
  /** defaults for every task of the DAG */
  defaultArgs?: DefaultArgs;
  /** whether the DAG starts paused when first seen (default core.dags_are_paused_at_creation) */
  paused?: boolean;
  /**
   * The DAG's params, readable as ctx.params and {{ params.x }}; a run's conf overrides them. A
   * plain value is a default; param(default, schema) adds a JSON Schema that a triggered run's
   * conf must pass (param(undefined, schema): required).
   */
  params?: Record<string, unknown>;
}

/** A task's future output, to pass to downstream tasks; it also orders tasks with then(). */
export interface TaskRef<T = unknown> {
  readonly taskId: string;
  /** Makes the given tasks run after this one; returns them, so chains read left to right. */
  then<N extends Dependency | readonly Dependency[]>(next: N): N;
  /** Makes this task run after the given ones; returns this task. */
  after(...upstream: (Dependency | readonly Dependency[])[]): this;
  /** The output the task pushed under `key` (ctx.xcomPush), to pass to downstream tasks. */
  output<V = unknown>(key: string): TaskRef<V>;
  /** Makes this task a setup task (Airflow's as_setup()); returns this task. */
  asSetup(): this;
  /**
   * Makes this task a teardown task (Airflow's as_teardown()): `setups` become setup tasks
   * upstream of it; with onFailureFailDagrun its failure fails the DAG run. Returns this task.
   */
  asTeardown(options?: { setups?: TaskRef | readonly TaskRef[]; onFailureFailDagrun?: boolean }): this;
  /** phantom, for type inference only */
  readonly __output?: T;
}

/** What dependencies are made between: tasks and task groups. */
export type Dependency = TaskRef | TaskGroup;

/** A task group: its tasks' ids are prefixed with the group's id; it depends and is depended on as a whole. */
export interface TaskGroup {
  readonly groupId: string;
  /** Makes the given tasks run after the group's last tasks (those nothing in the group waits for). */
  then<N extends Dependency | readonly Dependency[]>(next: N): N;
  /** Makes the group's first tasks (those that wait for nothing in the group) run after the given ones. */
  after(...upstream: (Dependency | readonly Dependency[])[]): this;
}

/** A mapped task group before expand(): see taskGroup(). */
export interface MappedTaskGroupFactory<P extends object, Out> {
  /**
   * Maps the whole group over the lists (their cross product, as a task's expand()); a list may be
   * a task's output, known when that task has run, or zip(a, b).
   */
  expand(inputs: { [K in keyof P]: ExpandArg<P[K]> }): Out;
}

export interface TaskGroupOptions {
  /** letters, digits, "_" and "-"; task ids inside become "<groupId>.<taskId>" */
  groupId: string;
  /** defaults for the group's tasks, over the DAG's defaultArgs */
  defaultArgs?: DefaultArgs;
  doc?: string;
}

export type Arg<T> = T | TaskRef<T> | GroupArg<T>;
export type Args<A extends readonly unknown[]> = { [K in keyof A]: Arg<A[K]> };
export type TaskFunction<A extends unknown[], R> = (ctx: TaskContext, ...args: A) => R | Promise<R>;

/** The argument object of a task function that takes one (ctx, args: P): P; never for other functions. */
export type KwArgsOf<A extends unknown[]> = A extends [infer P extends object] ? P : never;

/**
 * A task to map (dynamic task mapping), with the arguments of partial() fixed. The task function
 * takes one argument object: (ctx, args: P); each mapped instance gets the fixed arguments and its
 * own expanded ones, and ctx.mapIndex (0..n-1).
 */
export interface PartialTask<P extends object, R> {
  /**
   * One task instance per combination of the lists (their cross product, the last name varying
   * fastest); a list may be a task's output, known when that task has run, or zip(a, b). Downstream
   * tasks that take the result get the list of all instances' outputs, in map index order.
   */
  expand(inputs: { [K in keyof P]: ExpandArg<P[K]> }): TaskRef<R[]>;
  /** One task instance per argument object of the list (a literal list or a task's output). */
  expandKwargs(list: readonly P[] | OutputLike<readonly P[]>): TaskRef<R[]>;
}

/** A task definition; call it inside dag() to add the task, with its arguments. */
export interface TaskFactory<A extends unknown[], R> {
  (...args: Args<A>): TaskRef<R>;
  readonly taskId: string;
  /** the same task with other options, such as another taskId for a second use in one DAG */
  override(options: TaskOptions): TaskFactory<A, R>;
  /** Fixes some arguments of a task to map (Airflow's partial()); then .expand() or .expandKwargs(). */
  partial<F extends { [K in keyof KwArgsOf<A>]?: Arg<KwArgsOf<A>[K]> }>(
    fixed: F,
  ): PartialTask<Omit<KwArgsOf<A>, keyof F>, R>;
  /** Maps the task over lists of its arguments (Airflow's expand()); see PartialTask.expand. */
  expand: PartialTask<KwArgsOf<A>, R>['expand'];
  /** Maps the task over a list of argument objects (Airflow's expand_kwargs()). */
  expandKwargs: PartialTask<KwArgsOf<A>, R>['expandKwargs'];
}

export interface ShellOptions extends TaskOptions {
  /** the command, run by /bin/sh -c; a template: {{ ds }}, {{ params.x }}, {{ dag_run.conf.y }} ... */
  command: string;
  /** environment of the command; replaces the worker's unless appendEnv is true */
  env?: Record<string, string>;
  appendEnv?: boolean;
  cwd?: string;
}

export interface TaskNode {
  readonly taskId: string;
  readonly kind: 'function' | 'shell' | 'container';
  readonly options: CompiledTaskOptions;
  readonly args: ArgSpec[];
  readonly upstream: Set<string>;
  readonly fn: TaskFunction<unknown[], unknown> | null;
  readonly shell: ShellOptions | null;
  /** a container task's container (podTask); null or absent for other kinds */
  readonly container?: ContainerTaskSpec | null;
  /** how the task steers the run: branch, short_circuit or latest_only (null: it does not) */
  readonly flow: FlowKind | null;
  /** the path of the innermost task group the task is in ("outer.inner"), or null */
  readonly taskGroup: string | null;
  /** a mapped task's expand input and partial arguments (dynamic task mapping); null or absent if not mapped */
  readonly mapping?: MappingSpec | null;
  /** functions called in the task process around its tries (not serialized) */
  readonly callbacks: TaskCallbacks;
  /** the functions a deferred try may resume with, by name (not serialized) */
  readonly resume: ResumeFunctions;
}

/** A param with a JSON Schema (Airflow's Param). */
export class Param {
  constructor(
    readonly value: unknown,
    readonly schema: Record<string, unknown>,
  ) {}
}

/** param(5, { type: 'integer', minimum: 1 }): a param's default and the JSON Schema its values must pass. */
export function param(value: unknown, schema: Record<string, unknown> = {}): Param {
  return new Param(value, schema);
}

const DAG_ID = /^[A-Za-z0-9_.-]{1,250}$/;

export class Dag {
  readonly dagId: string;
  readonly options: DagOptions;
  readonly tasks = new Map<string, TaskNode>();
  /** per reused task id, the suffix uniqueTaskId tries first */
  readonly #nextSuffix = new Map<string, number>();

  constructor(options: DagOptions) {
    if (typeof options?.dagId !== 'string' || !DAG_ID.test(options.dagId)) {
      throw new GaleError('GALE_ERR_DAG_INVALID', `"${String(options?.dagId)}" is not a valid dag id`, {
        hint: 'Give dag() a dagId of 1 to 250 letters, digits, "_", "-" or ".".',
      });
    }
    this.dagId = options.dagId;
    this.options = options;
  }

  /** The params' default values (plain values and the defaults of param()). */
  paramDefaults(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(this.options.params ?? {})) {
      const value = v instanceof Param ? v.value : v;
      if (value !== undefined) out[k] = value;
    }
    return out;
  }

  /** The JSON Schemas of the params defined with param(). */
  paramSchemas(): Record<string, Record<string, unknown>> {
    const out: Record<string, Record<string, unknown>> = {};
    for (const [k, v] of Object.entries(this.options.params ?? {})) if (v instanceof Param) out[k] = v.schema;
    return out;
  }

  getTask(taskId: string): TaskNode {
    const node = this.tasks.get(taskId);
    if (!node) {
      throw new GaleError('GALE_ERR_TASK_NOT_FOUND', `DAG "${this.dagId}" has no task "${taskId}"`, {
        hint: `Its tasks are: ${[...this.tasks.keys()].join(', ')}.`,
      });
    }
    return node;
  }

  /** Gives a task a setup or teardown role after it was added (asSetup(), asTeardown()). */
  setTaskRole(
    taskId: string,
    role: { isSetup: boolean; isTeardown: boolean; onFailureFailDagrun?: boolean },
  ): void {
    const node = this.getTask(taskId);
    const where = `DAG "${this.dagId}", task "${taskId}"`;
    const compiled = compileTaskRole(role, { onFailureFailDagrun: role.onFailureFailDagrun }, where);
    const triggerRule = compiled.isTeardown ? 'all_done_setup_success' : node.options.triggerRule;
    const options = Object.freeze({ ...node.options, ...compiled, triggerRule });
    this.tasks.set(taskId, { ...node, options });
  }

  addTask(node: TaskNode): void {
    if (this.tasks.has(node.taskId)) {
      throw new GaleError(
        'GALE_ERR_DAG_DUPLICATE_TASK',
        `DAG "${this.dagId}" defines task "${node.taskId}" twice`,
        { hint: 'Give each task its own taskId, for example with factory.override({ taskId: "..." }).' },
      );
    }
    this.tasks.set(node.taskId, node);
  }

  /** A task id not yet used: `id`, then `id__1`, `id__2`, ... as Airflow does for reused @task functions. */
  uniqueTaskId(taskId: string): string {
    if (!this.tasks.has(taskId)) return taskId;
    // tasks are never removed: the suffixes below the last one given out stay taken (a DAG that
    // calls one factory 1,000 times would otherwise look at 500,000 ids)
    for (let i = this.#nextSuffix.get(taskId) ?? 1; ; i++) {
      const id = `${taskId}__${i}`;
      if (this.tasks.has(id)) continue;
      this.#nextSuffix.set(taskId, i + 1);
      return id;
    }
  }

  /** Throws naming the cycle when the dependencies go round in a circle. */
  checkAcyclic(): void {
    const state = new Map<string, 'visiting' | 'done'>();
    const path: string[] = [];
    const visit = (id: string): void => {
      const s = state.get(id);
      if (s === 'done') return;
      if (s === 'visiting') {
        const cycle = [...path.slice(path.indexOf(id)), id];
        throw new GaleError(
          'GALE_ERR_DAG_CYCLE',
          `DAG "${this.dagId}" has a dependency cycle: ${cycle.join(' -> ')}`,
          { hint: `Remove one of these dependencies so that task "${id}" does not depend on itself.` },
        );
      }
      state.set(id, 'visiting');
      path.push(id);
      for (const up of this.tasks.get(id)?.upstream ?? []) visit(up);
      path.pop();
      state.set(id, 'done');
    };
    for (const id of this.tasks.keys()) visit(id);
  }

  /** The JSON form the scheduler works from. Defaults of the installation are applied here. */
  serialize(
    fileloc: string,
    defaults: {
      catchup: boolean;
      dataIntervals: boolean;
      timezone: string;
      maxActiveRuns: number;
      maxActiveTasks: number;
    },
  ): SerializedDag {
    const o = this.options;
    const timezone = o.timezone ?? defaults.timezone;
    validateTimezone(timezone, `DAG "${this.dagId}"`);
    const compiled = compileScheduleFor(
      this.dagId,
      o.schedule ?? null,
      o.dataIntervals ?? defaults.dataIntervals,
      timezone,
    );
    const schedule = compiled.spec;
    const startDate = toDate(o.startDate, this.dagId, 'startDate');
    const endDate = toDate(o.endDate, this.dagId, 'endDate');
    if (startDate && endDate && startDate.getTime() > endDate.getTime()) {
      throw new GaleError(
        'GALE_ERR_DAG_DATES',
        `DAG "${this.dagId}": startDate ${startDate.toISOString()} is after endDate ${endDate.toISOString()}`,
        { hint: 'Set startDate before endDate, or remove endDate.' },
      );
    }
    if (needsStartDate(schedule) && !startDate) {
      throw new GaleError('GALE_ERR_DAG_INVALID', `DAG "${this.dagId}" has a schedule but no startDate`, {
        hint: 'Add startDate: the first logical date a scheduled run may have.',
      });
    }
    checkParamDefaults(this.paramDefaults(), this.paramSchemas(), `DAG "${this.dagId}"`);
    if (schedule.type !== 'none') {
      const missing = Object.keys(this.paramSchemas()).filter((k) => !(k in this.paramDefaults()));
      if (missing.length > 0) {
        throw new GaleError(
          'GALE_ERR_DAG_INVALID',
          `DAG "${this.dagId}" is scheduled but param(s) ${missing.join(', ')} have no default`,
          {
            hint: 'Scheduled runs have no conf: give every param a default, or make the DAG manual (schedule: null).',
          },
        );
      }
    }
    const tasks: SerializedTask[] = [...this.tasks.values()].map((t) => ({
      taskId: t.taskId,
      kind: t.kind,
      upstream: [...t.upstream].sort(),
      args: t.args,
      flow: t.flow,
      taskGroup: t.taskGroup,
      mapping: t.mapping ?? null,
      shell: t.shell
        ? {
            command: t.shell.command,
            env: t.shell.env,
            appendEnv: t.shell.appendEnv ?? false,
            cwd: t.shell.cwd,
          }
        : undefined,
      container: t.container ?? undefined,
      ...t.options,
    }));
    return {
      dagId: this.dagId,
      fileloc,
      description: o.description ?? null,
      doc: o.doc ?? null,
      schedule,
      scheduleText: compiled.text,
      ...(compiled.assets.length > 0 ? { scheduleAssets: compiled.assets } : {}),
      startDate: startDate?.toISOString() ?? null,
      endDate: endDate?.toISOString() ?? null,
      catchup: o.catchup ?? defaults.catchup,
      timezone,
      tags: [...(o.tags ?? [])],
      maxActiveRuns: positiveInt(o.maxActiveRuns ?? defaults.maxActiveRuns, this.dagId, 'maxActiveRuns'),
      maxActiveTasks: positiveInt(o.maxActiveTasks ?? defaults.maxActiveTasks, this.dagId, 'maxActiveTasks'),
      dagrunTimeoutMs:
        o.dagrunTimeout === undefined
          ? null
          : parseDuration(o.dagrunTimeout, `DAG "${this.dagId}": dagrunTimeout`),
      isPausedUponCreation: o.paused ?? null,
      callbacks: { onSuccess: o.onSuccess !== undefined, onFailure: o.onFailure !== undefined },
      deadline: o.deadline ? compileDeadline(this.dagId, o.deadline) : null,
      params: toJson(this.paramDefaults(), `DAG "${this.dagId}": params`) as Record<string, unknown>,
      paramSchemas: toJson(this.paramSchemas(), `DAG "${this.dagId}": param schemas`) as Record<
        string,
        Record<string, unknown>
      >,
      tasks,
    };
  }
}

function compileScheduleFor(dagId: string, schedule: Schedule, dataIntervals: boolean, timezone: string) {
  try {
    return compileSchedule(schedule, { dataIntervals, timezone });
  } catch (error) {
    if (error instanceof GaleError) {
      throw new GaleError(error.code, `DAG "${dagId}": ${error.message}`, { hint: error.hint, cause: error });
    }
    throw error;
  }
}

function compileDeadline(
  dagId: string,
  deadline: DeadlineAlert,
): { reference: DeadlineAlert['reference']; intervalMs: number } {
  if (deadline.reference !== 'logical_date' && deadline.reference !== 'queued_at') {
    throw new GaleError(
      'GALE_ERR_DAG_INVALID',
      `DAG "${dagId}": deadline.reference must be "logical_date" or "queued_at", got "${String(deadline.reference)}"`,
    );
  }
  if (typeof deadline.callback !== 'function') {
    throw new GaleError('GALE_ERR_DAG_INVALID', `DAG "${dagId}": deadline.callback must be a function`);
  }
  return {
    reference: deadline.reference,
    intervalMs: parseDuration(deadline.interval, `DAG "${dagId}": deadline.interval`),
  };
}

function positiveInt(value: number, dagId: string, name: string): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new GaleError(
      'GALE_ERR_DAG_INVALID',
      `DAG "${dagId}": ${name} must be a positive integer, got ${value}`,
    );
  }
  return value;
}

function toDate(value: Date | string | undefined, dagId: string, name: string): Date | null {
  if (value === undefined) return null;
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) {
    throw new GaleError('GALE_ERR_DAG_INVALID', `DAG "${dagId}": ${name} "${String(value)}" is not a date`, {
      hint: 'Use a Date or an ISO 8601 string such as "2026-01-01" or "2026-01-01T06:00:00Z".',
    });
  }
  return date;
}

function toJson(value: unknown, where: string): unknown {
  try {
    return JSON.parse(JSON.stringify(value ?? null));
  } catch (error) {
    throw new GaleError('GALE_ERR_DAG_INVALID', `${where} must be JSON-serializable`, { cause: error });
  }
}

// The DAGs a file defines and the one being built. Module state on purpose: it is Airflow's
// DagContext, and a DAG file is always loaded in a process of its own.
const defined: Dag[] = [];
let building: Dag | null = null;

/** Defines a DAG: calls `build` once, where tasks called become the DAG's tasks. */
export function dag(options: DagOptions, build: () => void): Dag {
  const d = new Dag(options);
  if (building) {
    throw new GaleError(
      'GALE_ERR_DAG_INVALID',
      `dag("${d.dagId}") was called inside dag("${building.dagId}")`,
      {
        hint: 'Define each DAG at the top level of the file.',
      },
    );
  }
  building = d;
  try {
    build();
  } finally {
    building = null;
  }
  d.checkAcyclic();
  defined.push(d);
  return d;
}

/** The DAGs defined since the last call; used by the loader after importing a DAG file. */
export function takeDefinedDags(): Dag[] {
  return defined.splice(0, defined.length);
}

function currentDag(what: string): Dag {
  if (!building) {
    throw new GaleError('GALE_ERR_DAG_INVALID', `${what} was called outside of dag()`, {
      hint: 'Call tasks inside the build function: dag({ dagId: "x" }, () => { myTask(); }).',
    });
  }
  return building;
}

function isTaskRef(value: unknown): value is TaskRef {
  return value instanceof Ref;
}

/** The DAG being built, after checking that `ref` belongs to it. */
function sameDag(ref: TaskRef, what: string): Dag {
  const dag = currentDag(what);
  if (!(ref instanceof Ref) || ref.dag !== dag) {
    const owner = ref instanceof Ref ? `DAG "${ref.dag.dagId}"` : 'no DAG';
    throw new GaleError(
      'GALE_ERR_DAG_INVALID',
      `${what}: task "${ref.taskId}" belongs to ${owner}, not to DAG "${dag.dagId}"`,
      {
        hint: "Tasks depend only on tasks of their own DAG; call the task inside this DAG's build function instead.",
      },
    );
  }
  return dag;
}

class Ref<T> implements TaskRef<T> {
  constructor(
    readonly dag: Dag,
    readonly taskId: string,
    readonly key = 'return_value',
  ) {}

  output<V = unknown>(key: string): TaskRef<V> {
    return new Ref<V>(this.dag, this.taskId, key);
  }

  asSetup(): this {
    sameDag(this, `${this.taskId}.asSetup()`).setTaskRole(this.taskId, { isSetup: true, isTeardown: false });
    return this;
  }

  asTeardown(options: { setups?: TaskRef | readonly TaskRef[]; onFailureFailDagrun?: boolean } = {}): this {
    const dag = sameDag(this, `${this.taskId}.asTeardown()`);
    const setups = options.setups === undefined ? [] : [options.setups].flat();
    for (const s of setups) {
      sameDag(s, `${this.taskId}.asTeardown()`);
      dag.setTaskRole(s.taskId, { isSetup: true, isTeardown: false });
      dag.getTask(this.taskId).upstream.add(s.taskId);
    }
    const onFailureFailDagrun =
      options.onFailureFailDagrun ?? dag.getTask(this.taskId).options.onFailureFailDagrun;
    dag.setTaskRole(this.taskId, { isSetup: false, isTeardown: true, onFailureFailDagrun });
    return this;
  }

  // biome-ignore lint/suspicious/noThenProperty: a.then(b) is the dependency syntax DAG authors expect; awaiting a TaskRef is caught below
  then<N extends Dependency | readonly Dependency[]>(next: N): N {
    if (typeof next === 'function') {
      throw new GaleError(
        'GALE_ERR_DAG_INVALID',
        `The result of task "${this.taskId}" was awaited or used as a promise`,
        {
          hint: 'Inside dag() a task call returns a reference, not a value: pass it to other tasks instead of awaiting it.',
        },
      );
    }
    const dag = sameDag(this, `${this.taskId}.then()`);
    const deps: readonly Dependency[] = Array.isArray(next)
      ? (next as readonly Dependency[])
      : [next as Dependency];
    const list = deps.flatMap((d) => (d instanceof Group ? d.roots() : [d as TaskRef]));
    for (const n of list) {
      sameDag(n, `${this.taskId}.then()`);
      dag.getTask(n.taskId).upstream.add(this.taskId);
    }
    return next;
  }

  after(...upstream: (Dependency | readonly Dependency[])[]): this {
    const dag = sameDag(this, `${this.taskId}.after()`);
    const node = dag.getTask(this.taskId);
    const list = (upstream.flat() as Dependency[]).flatMap((d) =>
      d instanceof Group ? d.leaves() : [d as TaskRef],
    );
    for (const u of list) {
      sameDag(u, `${this.taskId}.after()`);
      node.upstream.add(u.taskId);
    }
    return this;
  }
}

interface GroupFrame {
  groupId: string;
  path: string;
  defaultArgs: DefaultArgs;
  taskIds: Set<string>;
  /** a mapped task group's input (taskGroup().expand()) */
  mapped?: MappedGroupInput;
}

// The task groups being built, outermost first (like `building`, only set during dag()).
const groups: GroupFrame[] = [];

class Group implements TaskGroup {
  constructor(
    readonly dag: Dag,
    readonly groupId: string,
    readonly taskIds: ReadonlySet<string>,
  ) {}

  #inGroup(ids: Iterable<string>): string[] {
    return [...ids].filter((id) => this.taskIds.has(id));
  }

  /** tasks of the group that wait for no other task of the group */
  roots(): TaskRef[] {
    return [...this.taskIds]
      .filter((id) => this.#inGroup(this.dag.getTask(id).upstream).length === 0)
      .map((id) => new Ref(this.dag, id));
  }

  /** tasks of the group that no other task of the group waits for */
  leaves(): TaskRef[] {
    const waitedFor = new Set(
      [...this.taskIds].flatMap((id) => this.#inGroup(this.dag.getTask(id).upstream)),
    );
    return [...this.taskIds].filter((id) => !waitedFor.has(id)).map((id) => new Ref(this.dag, id));
  }

  // biome-ignore lint/suspicious/noThenProperty: group.then(task) mirrors task.then(task)
  then<N extends Dependency | readonly Dependency[]>(next: N): N {
    for (const leaf of this.leaves()) leaf.then(next);
    return next;
  }

  after(...upstream: (Dependency | readonly Dependency[])[]): this {
    for (const root of this.roots()) root.after(...upstream);
    return this;
  }
}

/**
 * A task group, as Airflow's TaskGroup: the tasks added in `build` get ids "<groupId>.<taskId>"
 * (nested groups add theirs) and the group's defaultArgs; the group depends, and is depended on,
 * as a whole.
 */
export function group(idOrOptions: string | TaskGroupOptions, build: () => void): TaskGroup {
  const options = typeof idOrOptions === 'string' ? { groupId: idOrOptions } : idOrOptions;
  return openGroup(options, build, null);
}

/**
 * A mapped task group, as Airflow's @task_group with .expand(): `build` runs once expand() is
 * called, with a placeholder per expand argument to pass to the group's tasks; every task of the
 * group is mapped over the group's input (the same number of instances), and instance i of a task
 * gets instance i of the group's tasks it takes or follows, and the elements of map index i.
 * expand() returns the output of the task `build` returns: a downstream task gets the list of all
 * its instances' outputs. Annotate build's parameter (`({ x }: GroupArgs<{ x: number }>) => ...`).
 */
export function taskGroup<P extends object, R>(
  idOrOptions: string | TaskGroupOptions,
  build: (args: GroupArgs<P>) => TaskRef<R>,
): MappedTaskGroupFactory<P, TaskRef<R[]>>;
export function taskGroup<P extends object>(
  idOrOptions: string | TaskGroupOptions,
  build: (args: GroupArgs<P>) => void,
): MappedTaskGroupFactory<P, TaskGroup>;
export function taskGroup<P extends object>(
  idOrOptions: string | TaskGroupOptions,
  build: (args: GroupArgs<P>) => unknown,
): MappedTaskGroupFactory<P, TaskRef | TaskGroup> {
  const options = typeof idOrOptions === 'string' ? { groupId: idOrOptions } : idOrOptions;
  return {
    expand(inputs) {
      const d = currentDag(`taskGroup "${options.groupId}"`);
      const parent = groups.at(-1);
      const path = parent ? `${parent.path}.${options.groupId}` : options.groupId;
      const where = `DAG "${d.dagId}", mapped task group "${path}"`;
      if (groups.some((g) => g.mapped)) {
        throw new GaleError(
          'GALE_ERR_DAG_INVALID',
          `${where}: a mapped task group inside a mapped task group`,
          {
            hint: 'Map the outer group only, or make the inner one a plain group().',
          },
        );
      }
      const input = compileGroupInput(path, inputs as Record<string, unknown>, argConverter, where);
      let result: unknown;
      const g = openGroup(
        options,
        () => {
          result = build(groupArgsOf<P>(input));
        },
        input,
      );
      const returned = isTaskRef(result) ? result : undefined;
      if (returned !== undefined && !g.taskIds.has(returned.taskId)) {
        throw new GaleError(
          'GALE_ERR_DAG_INVALID',
          `${where}: build returned task "${returned.taskId}", which is not in the group`,
          {
            hint: 'Return the last task of the group (its outputs go to downstream tasks), or nothing.',
          },
        );
      }
      return returned ?? g;
    },
  };
}

function openGroup(options: TaskGroupOptions, build: () => void, mapped: MappedGroupInput | null): Group {
  const d = currentDag(`group "${options.groupId}"`);
  if (!/^[A-Za-z0-9_-]{1,100}$/.test(options.groupId)) {
    throw new GaleError(
      'GALE_ERR_DAG_INVALID',
      `DAG "${d.dagId}": "${options.groupId}" is not a valid group id`,
      {
        hint: 'Use 1 to 100 letters, digits, "_" or "-".',
      },
    );
  }
  const parent = groups.at(-1);
  const frame: GroupFrame = {
    groupId: options.groupId,
    path: parent ? `${parent.path}.${options.groupId}` : options.groupId,
    defaultArgs: { ...(parent?.defaultArgs ?? {}), ...(options.defaultArgs ?? {}) },
    taskIds: new Set(),
    ...(mapped ? { mapped } : {}),
  };
  if ([...d.tasks.keys()].some((id) => id.startsWith(`${frame.path}.`))) {
    throw new GaleError(
      'GALE_ERR_DAG_DUPLICATE_TASK',
      `DAG "${d.dagId}" defines group "${frame.path}" twice`,
      {
        hint: 'Give each task group its own groupId.',
      },
    );
  }
  groups.push(frame);
  try {
    build();
  } finally {
    groups.pop();
  }
  return new Group(d, frame.path, frame.taskIds);
}

/** The id a task gets in the current task group. */
function inGroup(taskId: string): string {
  const frame = groups.at(-1);
  return frame ? `${frame.path}.${taskId}` : taskId;
}

function addNode(
  dag: Dag,
  taskId: string,
  kind: TaskNode['kind'],
  options: TaskOptions,
  rawArgs: readonly unknown[],
  fn: TaskFunction<unknown[], unknown> | null,
  shellOptions: ShellOptions | null,
  flow: FlowKind | null = null,
  container: ContainerTaskSpec | null = null,
  mapping: ((toArg: ToArg, where: string) => MappingSpec) | null = null,
): Ref<never> {
  const where = `DAG "${dag.dagId}", task "${taskId}"`;
  validateTaskId(taskId, where);
  const upstream = new Set<string>();
  const toArg = argConverter(upstream);
  // in a mapped task group: its arguments become placeholders, the group's input its mapping
  const mappedGroup = groups.findLast((g) => g.mapped)?.mapped ?? null;
  const inGroup = groupTaskArgs(mappedGroup, rawArgs, mapping !== null, where);
  for (const source of mappedGroup?.sources ?? []) upstream.add(source);
  const args: ArgSpec[] = inGroup.args.map((arg, i) => toArg(arg, `${where}: argument ${i + 1}`));
  const mappingSpec = inGroup.mapping ?? mapping?.(toArg, where) ?? null;
  const frame = groups.at(-1);
  const defaults = { ...(dag.options.defaultArgs ?? {}), ...(frame?.defaultArgs ?? {}) };
  const compiled = compileTaskOptions(options, defaults, where);
  const callbacks = taskCallbacks(options, defaults);
  const resume = compileResumeFunctions(options.resume, where);
  dag.addTask({
    taskId,
    kind,
    options: compiled,
    args,
    upstream,
    fn,
    shell: shellOptions,
    container,
    flow,
    taskGroup: frame?.path ?? null,
    mapping: mappingSpec,
    callbacks,
    resume,
  });
  for (const g of groups) g.taskIds.add(taskId);
  return new Ref(dag, taskId);
}

/** Arguments written in the DAG file: a task reference becomes an output (and an upstream task), anything else JSON. */
function argConverter(upstream: Set<string>): ToArg {
  return (value, where) => {
    if (isTaskRef(value)) {
      sameDag(value, where);
      upstream.add(value.taskId);
      return { type: 'output', taskId: value.taskId, key: (value as Ref<unknown>).key };
    }
    const nested = Array.isArray(value)
      ? value
      : value && typeof value === 'object'
        ? Object.values(value)
        : [];
    if (value instanceof GroupArg || nested.some((v) => isTaskRef(v) || v instanceof GroupArg)) {
      throw new GaleError('GALE_ERR_DAG_INVALID', `${where}: a task's output inside a list or object`, {
        hint: "Pass the task's output itself, or zip(a, b) to combine several outputs for expand().",
      });
    }
    return { type: 'literal', value: toJson(value, where) };
  };
}

function normalizeTaskOptions(idOrOptions: string | TaskOptions): TaskOptions {
  return typeof idOrOptions === 'string' ? { taskId: idOrOptions } : { ...idOrOptions };
}

/**
 * Defines a function task. Its return value (JSON) is its output; pass the task's result to other
 * tasks to hand it on:  const rows = extract(); load(rows);
 */
export function task<A extends unknown[], R>(
  idOrOptions: string | TaskOptions,
  fn: TaskFunction<A, R>,
): TaskFactory<A, Awaited<R>> {
  return makeTask(idOrOptions, fn, null);
}

/**
 * Defines a branch task (Airflow's @task.branch): it returns the id, or ids, of the tasks directly
 * downstream of it to follow (or null for none); the other directly downstream tasks are skipped.
 */
export function branch<A extends unknown[]>(
  idOrOptions: string | TaskOptions,
  fn: TaskFunction<A, string | readonly string[] | null>,
): TaskFactory<A, string | readonly string[] | null> {
  return makeTask(idOrOptions, fn, 'branch');
}

/**
 * Defines a short-circuit task (Airflow's @task.short_circuit): when it returns a falsy value,
 * every task downstream of it (transitively) is skipped, whatever their trigger rules.
 */
export function shortCircuit<A extends unknown[], R>(
  idOrOptions: string | TaskOptions,
  fn: TaskFunction<A, R>,
): TaskFactory<A, Awaited<R>> {
  return makeTask(idOrOptions, fn, 'short_circuit');
}

/**
 * Adds a latest-only task (Airflow's LatestOnlyOperator) to the DAG being built: in a scheduled run
 * that is not the latest (catchup, a backfill), the tasks directly downstream of it are skipped.
 * Manual runs are never skipped.
 */
export function latestOnly(taskId = 'latest_only'): TaskRef<boolean> {
  const d = currentDag(`latestOnly "${taskId}"`);
  return addNode(d, inGroup(taskId), 'function', {}, [], () => true, null, 'latest_only');
}

/** Internal to gale/sdk (not re-exported by index.ts): a task factory with a flow kind (hitl.ts). */
export function makeTask<A extends unknown[], R>(
  idOrOptions: string | TaskOptions,
  fn: TaskFunction<A, R>,
  flow: FlowKind | null,
): TaskFactory<A, Awaited<R>> {
  const options = normalizeTaskOptions(idOrOptions);
  if (typeof fn !== 'function') {
    const what = options.taskId ? `task "${options.taskId}"` : 'task()';
    throw new GaleError('GALE_ERR_DAG_INVALID', `${what} needs a function as its second argument`, {
      hint: 'Write task("my_task", fn), or task({ taskId: "my_task", retries: 2 }, fn) with the options first.',
    });
  }
  const baseId = options.taskId ?? fn.name;
  if (!baseId) {
    throw new GaleError('GALE_ERR_DAG_INVALID', 'task() needs a taskId for an anonymous function', {
      hint: 'Write task("my_task", fn) or task({ taskId: "my_task" }, fn).',
    });
  }
  const factory = (...args: Args<A>): TaskRef<Awaited<R>> => {
    const d = currentDag(`task "${baseId}"`);
    return addNode(
      d,
      d.uniqueTaskId(inGroup(baseId)),
      'function',
      options,
      args,
      fn as TaskFunction<unknown[], unknown>,
      null,
      flow,
    );
  };
  Object.defineProperty(factory, 'taskId', { value: baseId });
  Object.defineProperty(factory, 'override', {
    value: (more: TaskOptions) =>
      makeTask<A, R>({ ...options, ...more, taskId: more.taskId ?? baseId }, fn, flow),
  });
  const mapped = (fixed: Record<string, unknown>): PartialTask<Record<string, unknown>, unknown> => {
    const add = (compile: (toArg: ToArg, where: string) => MappingSpec) => {
      const d = currentDag(`task "${baseId}"`);
      const taskId = d.uniqueTaskId(inGroup(baseId));
      checkMappable(fn, flow, `DAG "${d.dagId}", task "${taskId}"`);
      const run = fn as TaskFunction<unknown[], unknown>;
      return addNode(d, taskId, 'function', options, [], run, null, flow, null, compile);
    };
    return {
      expand: (inputs) => add((toArg, where) => compileExpand(fixed, inputs, toArg, where)),
      expandKwargs: (list) => add((toArg, where) => compileExpandKwargs(fixed, list, toArg, where)),
    };
  };
  Object.defineProperty(factory, 'partial', {
    value: (fixed: Record<string, unknown>) => mapped(fixed ?? {}),
  });
  Object.defineProperty(factory, 'expand', { value: (inputs: never) => mapped({}).expand(inputs) });
  Object.defineProperty(factory, 'expandKwargs', { value: (list: never) => mapped({}).expandKwargs(list) });
  return factory as unknown as TaskFactory<A, Awaited<R>>;
}

/** A mapped task's function takes one argument object (ctx, args); branch and short-circuit tasks cannot be mapped. */
function checkMappable(fn: (...args: never[]) => unknown, flow: FlowKind | null, where: string): void {
  if (flow !== null) {
    throw new GaleError('GALE_ERR_DAG_INVALID', `${where}: a ${flow} task cannot be mapped`, {
      hint: 'Map an ordinary task() and branch on its collected outputs downstream.',
    });
  }
  if (fn.length > 2) {
    throw new GaleError(
      'GALE_ERR_DAG_INVALID',
      `${where}: a mapped task's function takes one argument object, (ctx, args), not ${fn.length - 1} arguments`,
      {
        hint: 'Write task("t", (ctx, { a, b }: { a: number; b: string }) => ...) and expand({ a: [...], b: [...] }).',
      },
    );
  }
}

/** The fields a mapped shell task maps over (Airflow's BashOperator.partial().expand(bash_command=, env=, cwd=)). */
export interface ShellArgs {
  command: string;
  env?: Record<string, string>;
  cwd?: string;
}

const SHELL_ARGS: readonly string[] = ['command', 'env', 'cwd'];

/** A shell task to map, with the fields given to shell.partial() fixed; see PartialTask. */
export interface PartialShell<P extends object> {
  /** One task instance per combination of the lists (or zip()); each output is its last line. */
  expand(inputs: { [K in keyof P]: ExpandArg<P[K]> }): TaskRef<string[]>;
  /** One task instance per object of fields ({ command, env, cwd }), a literal list or a task's output. */
  expandKwargs(list: readonly P[] | OutputLike<readonly P[]>): TaskRef<string[]>;
}

/**
 * shell.partial('t', { env }).expand({ command: [...] }): a mapped shell task. The fields not
 * fixed here (command, env, cwd) come from expand(), per instance, and are templates as well.
 */
function partialShell<F extends Partial<ShellArgs> & { appendEnv?: boolean } = Record<never, never>>(
  idOrOptions: string | TaskOptions,
  fixed?: F,
): PartialShell<Omit<ShellArgs, keyof F>> {
  const { command, env, cwd, appendEnv, ...options } = {
    ...normalizeTaskOptions(idOrOptions),
    ...(fixed ?? {}),
  };
  const taskId = options.taskId;
  if (!taskId) throw new GaleError('GALE_ERR_DAG_INVALID', 'shell.partial() needs a taskId');
  const add = (names: string[] | null, compile: (toArg: ToArg, where: string) => MappingSpec) => {
    const d = currentDag(`shell "${taskId}"`);
    const where = `DAG "${d.dagId}", mapped shell task "${taskId}"`;
    for (const name of names ?? []) {
      if (!SHELL_ARGS.includes(name)) {
        throw new GaleError('GALE_ERR_DAG_INVALID', `${where}: cannot map over "${name}"`, {
          hint: 'A shell task maps over command, env and cwd.',
        });
      }
      if (fixed && name in fixed) {
        throw new GaleError(
          'GALE_ERR_DAG_INVALID',
          `${where}: "${name}" given to both partial() and expand()`,
          {
            hint: 'Give each field either to partial() (the same for every instance) or to expand() (mapped over).',
          },
        );
      }
    }
    if (names !== null && command === undefined && !names.includes('command')) {
      throw new GaleError('GALE_ERR_DAG_INVALID', `${where} has no command`, {
        hint: "Give the command to shell.partial('t', { command }) or map over it: .expand({ command: [...] }).",
      });
    }
    const shellOptions: ShellOptions = { ...options, command: command ?? '', env, cwd, appendEnv };
    return addNode(d, inGroup(taskId), 'shell', options, [], null, shellOptions, null, null, compile);
  };
  return {
    expand: (inputs) => add(Object.keys(inputs), (toArg, where) => compileExpand({}, inputs, toArg, where)),
    expandKwargs: (list) => add(null, (toArg, where) => compileExpandKwargs({}, list, toArg, where)),
  } as PartialShell<Omit<ShellArgs, keyof F>>;
}

/**
 * Adds a shell task to the DAG being built. Its output is the last line the command prints.
 * `shell.partial(...)` maps one over lists of commands, environments or folders (see partialShell).
 */
export const shell = Object.assign(shellTask, { partial: partialShell });

function shellTask(idOrOptions: string | TaskOptions, command: string | ShellOptions): TaskRef<string> {
  const base = normalizeTaskOptions(idOrOptions);
  const options: ShellOptions = typeof command === 'string' ? { ...base, command } : { ...base, ...command };
  const taskId = options.taskId;
  if (!taskId) throw new GaleError('GALE_ERR_DAG_INVALID', 'shell() needs a taskId');
  if (typeof options.command !== 'string' || options.command.trim() === '') {
    throw new GaleError('GALE_ERR_DAG_INVALID', `shell task "${taskId}" has no command`);
  }
  const d = currentDag(`shell "${taskId}"`);
  const { command: _c, env: _e, appendEnv: _a, cwd: _w, ...taskOptions } = options;
  return addNode(d, inGroup(taskId), 'shell', taskOptions, [], null, options);
}

/**
 * Adds a container task to the DAG being built (for podTask(), which compiles `container`); with
 * `mapping`, a mapped one (podTask.partial().expand()).
 */
export function addContainerTask(
  taskOptions: TaskOptions & { taskId: string },
  container: ContainerTaskSpec,
  mapping: ((toArg: ToArg, where: string) => MappingSpec) | null = null,
): TaskRef<unknown> {
  const d = currentDag(`podTask "${taskOptions.taskId}"`);
  const taskId = inGroup(taskOptions.taskId);
  return addNode(d, taskId, 'container', taskOptions, [], null, null, null, container, mapping);
}

/**
 * chain(a, [b, c], d): a before b and c, both before d. Two adjacent lists are paired element by
 * element (chain([a, b], [c, d]): a before c, b before d) and must be as long, as Airflow's chain.
 */
export function chain(...steps: (Dependency | readonly Dependency[])[]): void {
  for (let i = 1; i < steps.length; i++) {
    const prev = steps[i - 1]!;
    const next = steps[i]!;
    if (Array.isArray(prev) && Array.isArray(next)) {
      const a = prev as readonly Dependency[];
      const b = next as readonly Dependency[];
      if (a.length !== b.length) {
        throw new GaleError(
          'GALE_ERR_DAG_INVALID',
          `chain(): adjacent lists have ${a.length} and ${b.length} tasks`,
          {
            hint: 'Adjacent lists are paired element by element and must be as long; to link every task to every task, use a.then([...]) for each.',
          },
        );
      }
      for (const [j, t] of a.entries()) t.then(b[j]!);
      continue;
    }
    const prevList: readonly Dependency[] = Array.isArray(prev) ? prev : [prev as Dependency];
    for (const p of prevList) p.then(next);
  }
}
