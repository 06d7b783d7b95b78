/**
 * Dynamic task mapping, as Airflow's: a mapped task has one task instance per element of its
 * expand input (map_index 0..n-1), created by the scheduler once the input's length is known.
 * Terminology
 * - expand input: what a mapped task is expanded over: named lists (cross product, the last name
 *   varying fastest, as itertools.product), or one list of argument objects (expandKwargs).
 * - source: one list of an expand input: a literal list, an upstream task's output, or a zip of
 *   several of those (a list of tuples).
 * - partial: the arguments every mapped instance gets alike.
 * - mapped task group: a task group expanded as a whole (Airflow's @task_group .expand()): every task
 *   in it is mapped over the group's expand input, so all have the same number of instances, and
 *   instance i of a task reads (and waits for) instance i of the tasks of its group it depends on.
 * Pure: the scheduler resolves sources to lists from XCom to count the instances; the task runner
 * resolves them again to build the arguments of one map index. Never does I/O.
 */
import { z } from '#zod';
import { GaleError } from './errors.js';

const listSourceSchema = z.discriminatedUnion('type', [
  /** a list written in the DAG file */
  z.object({ type: z.literal('literal'), values: z.array(z.unknown()) }),
  /** an upstream task's output (for a mapped upstream: the list of all its instances' outputs) */
  z.object({ type: z.literal('output'), taskId: z.string(), key: z.string() }),
]);

export const expandSourceSchema = z.union([
  listSourceSchema,
  /** tuples of the sources' elements: as long as the shortest, or the longest padded with `fill.value` */
  z.object({
    type: z.literal('zip'),
    sources: z.array(listSourceSchema).min(1),
    fill: z.object({ value: z.unknown() }).nullable(),
  }),
]);
export type ExpandSource = z.infer<typeof expandSourceSchema>;
export type OutputSource = Extract<ExpandSource, { type: 'output' }>;

const partialArgSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('literal'), value: z.unknown() }),
  z.object({ type: z.literal('output'), taskId: z.string(), key: z.string() }),
]);

export const mappingSpecSchema = z.discriminatedUnion('type', [
  /** expand({ a: [...], b: [...] }): the cross product of the named lists */
  z.object({
    type: z.literal('expand'),
    partial: z.record(z.string(), partialArgSchema),
    expand: z.array(z.object({ name: z.string(), source: expandSourceSchema })).min(1),
  }),
  /** expandKwargs([...]): one instance per argument object of the list */
  z.object({
    type: z.literal('expand_kwargs'),
    partial: z.record(z.string(), partialArgSchema),
    source: expandSourceSchema,
  }),
  /** a task of a mapped task group: the group's expand input (a cross product, as expand) */
  z.object({
    type: z.literal('group'),
    /** the mapped group's path ("outer.inner") */
    groupId: z.string(),
    expand: z.array(z.object({ name: z.string(), source: expandSourceSchema })).min(1),
    /** the task's positional arguments that are the group's arguments: argument index -> name */
    groupArgs: z.record(z.string(), z.string()),
  }),
]);
export type MappingSpec = z.infer<typeof mappingSpecSchema>;

/** Airflow's core.max_map_length default. */
export const DEFAULT_MAX_MAP_LENGTH = 1024;

/** The upstream outputs an expand input reads (not the partial arguments). */
export function mappingOutputs(spec: MappingSpec): OutputSource[] {
  const sources = spec.type === 'expand_kwargs' ? [spec.source] : spec.expand.map((e) => e.source);
  return sources.flatMap((s) => (s.type === 'zip' ? s.sources : [s])).filter((s) => s.type === 'output');
}

/**
 * A value to expand over as a list: a list as it is, an object as its [key, value] pairs (as
 * Airflow expands a dict); anything else cannot be mapped over.
 */
export function toMapList(value: unknown, where: string): unknown[] {
  if (Array.isArray(value)) return value;
  if (value !== null && typeof value === 'object') return Object.entries(value);
  throw new GaleError(
    'GALE_ERR_MAP_INPUT_INVALID',
    `${where}: cannot expand over ${value === undefined ? 'a missing output' : JSON.stringify(value)}, which is not a list or an object`,
    {
      hint: 'Expand over a list (or an object, whose [key, value] pairs are mapped over); return one from the upstream task.',
    },
  );
}

/** Resolves an upstream output to the value the task returned or pushed (a list for a mapped upstream). */
export type ResolveOutput = (source: OutputSource) => unknown;

function sourceList(source: ExpandSource, resolve: ResolveOutput, where: string): unknown[] {
  switch (source.type) {
    case 'literal':
      return source.values;
    case 'output':
      return toMapList(resolve(source), `${where} (output of task "${source.taskId}")`);
    case 'zip': {
      const lists = source.sources.map((s) => sourceList(s, resolve, where));
      const lengths = lists.map((l) => l.length);
      const n = source.fill ? Math.max(...lengths) : Math.min(...lengths);
      const fill = source.fill?.value ?? null;
      return Array.from({ length: n }, (_, i) => lists.map((l) => (i < l.length ? l[i] : fill)));
    }
  }
}

function kwargsList(
  spec: Extract<MappingSpec, { type: 'expand_kwargs' }>,
  resolve: ResolveOutput,
  where: string,
) {
  const list = sourceList(spec.source, resolve, where);
  return list.map((kwargs, i) => {
    if (kwargs === null || typeof kwargs !== 'object' || Array.isArray(kwargs)) {
      throw new GaleError(
        'GALE_ERR_MAP_INPUT_INVALID',
        `${where}: expandKwargs needs a list of argument objects, but element ${i} is ${JSON.stringify(kwargs)}`,
        { hint: 'Give expandKwargs a list of objects such as [{ a: 1 }, { a: 2 }].' },
      );
    }
    return kwargs as Record<string, unknown>;
  });
}

/** How many instances the mapped task has: the product of its lists' lengths, or its kwargs list's length. */
export function expansionLength(spec: MappingSpec, resolve: ResolveOutput, where: string): number {
  if (spec.type === 'expand_kwargs') return kwargsList(spec, resolve, where).length;
  return spec.expand.reduce((n, e) => n * sourceList(e.source, resolve, where).length, 1);
}

/**
 * The expanded arguments of one map index (without the partial ones). In a cross product the last
 * name varies fastest: expand({ x: [1, 2], y: ['a', 'b'] }) gives (1,a) (1,b) (2,a) (2,b), as Airflow.
 */
export function expandedArgs(
  spec: MappingSpec,
  mapIndex: number,
  resolve: ResolveOutput,
  where: string,
): Record<string, unknown> {
  const outOfRange = (n: number) =>
    new GaleError(
      'GALE_ERR_MAP_INPUT_INVALID',
      `${where}: map index ${mapIndex} is past the ${n} elements of its input`,
      {
        hint: 'The upstream output changed after the task was expanded; clear the whole mapped task (and its upstream) to expand it again.',
      },
    );
  if (spec.type === 'expand_kwargs') {
    const list = kwargsList(spec, resolve, where);
    const kwargs = list[mapIndex];
    if (mapIndex < 0 || kwargs === undefined) throw outOfRange(list.length);
    return { ...kwargs };
  }
  const lists = spec.expand.map((e) => ({ name: e.name, list: sourceList(e.source, resolve, where) }));
  const total = lists.reduce((n, l) => n * l.list.length, 1);
  if (mapIndex < 0 || mapIndex >= total) throw outOfRange(total);
  const out: Record<string, unknown> = {};
  let rest = mapIndex;
  for (const { name, list } of [...lists].reverse()) {
    out[name] = list[rest % list.length];
    rest = Math.floor(rest / list.length);
  }
  return out;
}

/** The mapped task group both tasks are in, or null: then instance i of one reads instance i of the other. */
export function sharedMappedGroup(
  a: MappingSpec | null | undefined,
  b: MappingSpec | null | undefined,
): string | null {
  return a?.type === 'group' && b?.type === 'group' && a.groupId === b.groupId ? a.groupId : null;
}

/** Throws when a mapped task would have more instances than core.max_map_length allows. */
export function checkMapLength(length: number, max: number, where: string): void {
  if (length > max) {
    throw new GaleError(
      'GALE_ERR_MAP_TOO_LONG',
      `${where}: expanding would create ${length} mapped task instances, more than core.max_map_length (${max})`,
      {
        hint: 'Expand over a shorter list (batch the elements), or raise core.max_map_length (GALE__CORE__MAX_MAP_LENGTH).',
      },
    );
  }
}

/** Where task outputs are read from (the database for the scheduler, the try's channel for a task). */
export interface OutputReader {
  /** an unmapped task's output as JSON text; undefined when there is none */
  one(taskId: string, key: string): Promise<string | undefined>;
  /** a mapped task's instances' outputs as JSON text, in map index order */
  mapped(taskId: string, key: string): Promise<string[]>;
}

/** What a downstream task gets from `taskId`: its output, or for a mapped task the list of its instances' outputs. */
export async function readOutput(reader: OutputReader, isMapped: boolean, taskId: string, key: string) {
  if (isMapped) return (await reader.mapped(taskId, key)).map((json) => JSON.parse(json) as unknown);
  const json = await reader.one(taskId, key);
  return json === undefined ? undefined : (JSON.parse(json) as unknown);
}

/** Reads the upstream outputs a mapping expands over, and answers for them synchronously. */
export async function readMappingOutputs(
  spec: MappingSpec,
  reader: OutputReader,
  isMapped: (taskId: string) => boolean,
): Promise<ResolveOutput> {
  const values = new Map<string, unknown>();
  const id = (s: OutputSource) => `${s.taskId}\u0000${s.key}`;
  for (const s of mappingOutputs(spec)) {
    if (!values.has(id(s))) values.set(id(s), await readOutput(reader, isMapped(s.taskId), s.taskId, s.key));
  }
  return (s) => values.get(id(s));
}
