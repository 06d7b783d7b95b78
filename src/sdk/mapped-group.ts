/**
 * Mapped task groups for DAG authors (Airflow's @task_group with .expand()): the placeholders a
 * group's build function gets for its arguments, the compiled group input, and the mapping each
 * task of the group is given. taskGroup() itself is in dag.ts; this module must never import
 * dag.ts (it is given a function that turns a task reference into an argument).
 */
import { GaleError, type MappingSpec } from '../models/index.js';
import { compileExpand, type ToArg } from './mapping.js';

/** A mapped task group's argument, inside its build function: pass it to the group's tasks. */
export class GroupArg<T> {
  /** phantom, for type inference only */
  declare readonly __element?: T;
  constructor(
    readonly groupId: string,
    readonly name: string,
  ) {}
}

/** What a mapped task group's build function gets: one placeholder per argument of expand(). */
export type GroupArgs<P extends object> = { readonly [K in keyof P]: GroupArg<P[K]> };

/** A mapped task group's expand input, compiled, and the tasks it reads (upstream of every task of the group). */
export interface MappedGroupInput {
  groupId: string;
  expand: Extract<MappingSpec, { type: 'expand' }>['expand'];
  sources: ReadonlySet<string>;
}

export function compileGroupInput(
  groupId: string,
  inputs: Record<string, unknown>,
  toArg: (sources: Set<string>) => ToArg,
  where: string,
): MappedGroupInput {
  const sources = new Set<string>();
  const spec = compileExpand({}, inputs, toArg(sources), where);
  if (spec.type !== 'expand') throw new Error('compileExpand returned another kind of mapping');
  return { groupId, expand: spec.expand, sources };
}

export function groupArgsOf<P extends object>(input: MappedGroupInput): GroupArgs<P> {
  return Object.fromEntries(
    input.expand.map((e) => [e.name, new GroupArg(input.groupId, e.name)]),
  ) as GroupArgs<P>;
}

/**
 * A task's arguments inside a mapped task group: its group arguments become placeholders (filled
 * with the elements of each map index when it runs) and its mapping is the group's. Refuses a
 * group argument outside its group, and a task mapped on its own inside a mapped group.
 */
export function groupTaskArgs(
  input: MappedGroupInput | null,
  rawArgs: readonly unknown[],
  isMapped: boolean,
  where: string,
): { args: unknown[]; mapping: MappingSpec | null } {
  const groupArgs: Record<string, string> = {};
  const args = rawArgs.map((arg, i) => {
    if (!(arg instanceof GroupArg)) return arg;
    if (!input || input.groupId !== arg.groupId) {
      throw new GaleError(
        'GALE_ERR_DAG_INVALID',
        `${where}: argument ${i + 1} is argument "${arg.name}" of mapped task group "${arg.groupId}", outside that group`,
        { hint: "Pass a mapped group's arguments only to tasks called inside its build function." },
      );
    }
    groupArgs[String(i)] = arg.name;
    return null;
  });
  if (!input) return { args, mapping: null };
  if (isMapped) {
    throw new GaleError(
      'GALE_ERR_DAG_INVALID',
      `${where}: a task mapped with expand() inside mapped task group "${input.groupId}"`,
      {
        hint: 'Inside a mapped task group every task is already mapped over the group; call the task instead.',
      },
    );
  }
  return { args, mapping: { type: 'group', groupId: input.groupId, expand: input.expand, groupArgs } };
}
