/**
 * Dynamic task mapping for DAG authors: the inputs a mapped task expands over (literal lists,
 * upstream outputs, zip() of several) and their compilation into the serialized MappingSpec.
 * task.partial({ fixed }).expand({ name: list }) itself is in dag.ts; this module must never
 * import dag.ts (it is given a function that turns a task reference into an argument).
 */
import { type ArgSpec, type ExpandSource, GaleError, type MappingSpec } from '../models/index.js';

/** Anything that stands for a task's output (a TaskRef), structurally. */
export interface OutputLike<T = unknown> {
  readonly taskId: string;
  readonly __output?: T;
}

/** Tuples of several lists' elements, to expand over (see zip()). */
export class ZipInput<T> {
  /** phantom, for type inference only */
  declare readonly __element?: T;
  constructor(
    readonly inputs: readonly unknown[],
    readonly fill: { value: unknown } | null,
  ) {}
}

/** What one argument of a mapped task expands over: a list, an upstream task's list output, or a zip. */
export type ExpandArg<T> = readonly T[] | OutputLike<readonly T[]> | ZipInput<T>;

type ListInputs<T extends readonly unknown[]> = {
  [K in keyof T]: readonly T[K][] | OutputLike<readonly T[K][]>;
};

/**
 * zip(a, b, ...): one tuple per position, as long as the shortest input (Airflow's XComArg.zip);
 * each input is a literal list or an upstream task's list output.
 */
export function zip<T extends unknown[]>(...inputs: ListInputs<T>): ZipInput<T> {
  return new ZipInput<T>(checkZipInputs(inputs), null);
}

/** zipLongest(fill, a, b, ...): as zip(), as long as the longest input, shorter ones padded with `fill` (Airflow's fillvalue). */
export function zipLongest<F, T extends unknown[]>(
  fillValue: F,
  ...inputs: ListInputs<T>
): ZipInput<{ [K in keyof T]: T[K] | F }> {
  return new ZipInput(checkZipInputs(inputs), { value: fillValue });
}

function checkZipInputs(inputs: readonly unknown[]): readonly unknown[] {
  if (inputs.length === 0) {
    throw new GaleError('GALE_ERR_DAG_INVALID', 'zip() needs at least one input', {
      hint: 'Write zip(listA, upstream_task_result, ...).',
    });
  }
  return inputs;
}

/** Turns a value written in the DAG file into an argument: a task reference into an output, anything else a literal. */
export type ToArg = (value: unknown, where: string) => ArgSpec;

function listSource(
  value: unknown,
  toArg: ToArg,
  where: string,
): ExpandSource & { type: 'literal' | 'output' } {
  const arg = toArg(value, where);
  if (arg.type === 'output') return { type: 'output', taskId: arg.taskId, key: arg.key };
  if (Array.isArray(arg.value)) return { type: 'literal', values: arg.value };
  if (arg.value !== null && typeof arg.value === 'object')
    return { type: 'literal', values: Object.entries(arg.value) };
  throw new GaleError(
    'GALE_ERR_DAG_INVALID',
    `${where}: cannot expand over ${JSON.stringify(value)}; expand over a list, an object, a task's output or zip()`,
    { hint: 'Write .expand({ x: [1, 2, 3] }) or .expand({ x: upstreamTask() }).' },
  );
}

function expandSource(value: unknown, toArg: ToArg, where: string): ExpandSource {
  if (value instanceof ZipInput) {
    return {
      type: 'zip',
      sources: value.inputs.map((v, i) => listSource(v, toArg, `${where}, zip input ${i + 1}`)),
      fill: value.fill ? { value: literal(value.fill.value, toArg, `${where}, zip fill value`) } : null,
    };
  }
  return listSource(value, toArg, where);
}

function literal(value: unknown, toArg: ToArg, where: string): unknown {
  const arg = toArg(value, where);
  if (arg.type === 'literal') return arg.value;
  throw new GaleError('GALE_ERR_DAG_INVALID', `${where}: must be a plain value, not a task's output`);
}

function partialArgs(partial: Record<string, unknown>, toArg: ToArg, where: string): Record<string, ArgSpec> {
  return Object.fromEntries(
    Object.entries(partial).map(([name, value]) => [
      name,
      toArg(value, `${where}: partial argument "${name}"`),
    ]),
  );
}

/** expand({ a: [...], b: upstream() }) over partial({ c: 1 }), compiled. */
export function compileExpand(
  partial: Record<string, unknown>,
  expand: Record<string, unknown>,
  toArg: ToArg,
  where: string,
): MappingSpec {
  const names = Object.keys(expand);
  if (names.length === 0) {
    throw new GaleError(
      'GALE_ERR_DAG_INVALID',
      `${where}: expand() needs at least one argument to map over`,
      {
        hint: 'Write .expand({ x: [1, 2, 3] }); to run the task once, call it instead.',
      },
    );
  }
  const both = names.filter((n) => n in partial);
  if (both.length > 0) {
    throw new GaleError(
      'GALE_ERR_DAG_INVALID',
      `${where}: argument(s) ${both.join(', ')} given to both partial() and expand()`,
      {
        hint: 'Give each argument either to partial() (the same for every instance) or to expand() (mapped over).',
      },
    );
  }
  return {
    type: 'expand',
    partial: partialArgs(partial, toArg, where),
    expand: names.map((name) => ({
      name,
      source: expandSource(expand[name], toArg, `${where}: expand argument "${name}"`),
    })),
  };
}

/** expandKwargs([{ a: 1 }, { a: 2 }]) over partial({ c: 1 }), compiled. */
export function compileExpandKwargs(
  partial: Record<string, unknown>,
  list: unknown,
  toArg: ToArg,
  where: string,
): MappingSpec {
  return {
    type: 'expand_kwargs',
    partial: partialArgs(partial, toArg, where),
    source: expandSource(list, toArg, `${where}: expandKwargs`),
  };
}
