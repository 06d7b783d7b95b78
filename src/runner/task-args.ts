/**
 * The arguments a try's task function gets: literals, and upstream outputs read through the try's
 * channel; an unmapped downstream of a mapped task gets the list of all its instances' outputs (in
 * map index order), and a mapped instance gets its partial arguments and the expanded ones of its
 * map index, in one argument object. The same reads answer ctx.xcomPull.
 */
import {
  type ArgSpec,
  expandedArgs,
  type OutputReader,
  readMappingOutputs,
  readOutput,
  sharedMappedGroup,
} from '../models/index.js';
import { type OutputStore, resolveOutput } from '../output-store/index.js';
import type { Dag, TaskNode } from '../sdk/index.js';
import type { TryChannel, TryRef } from './try-channel.js';

/**
 * Reads an upstream task's output as a downstream task gets it (a list for a mapped task; in a
 * mapped task group, a task of the same group's output of the same map index).
 */
export function outputPuller(channel: TryChannel, outputs: OutputStore, dag: Dag, w: TryRef) {
  // an output in a file (output_store file backend) is read here, in the task process
  const readAt = async (taskId: string, key: string, mapIndex: number) => {
    const stored = await channel.getXcom(w, { taskId, mapIndex, key });
    return stored === undefined ? undefined : resolveOutput(outputs, stored);
  };
  const reader: OutputReader = {
    one: (taskId, key) => readAt(taskId, key, -1),
    mapped: async (taskId, key) =>
      Promise.all((await channel.getMappedXcoms(w, { taskId, key })).map((s) => resolveOutput(outputs, s))),
  };
  const isMapped = (taskId: string) => Boolean(dag.tasks.get(taskId)?.mapping);
  const own = dag.tasks.get(w.taskId)?.mapping;
  const sameIndex: OutputReader = { ...reader, one: (taskId, key) => readAt(taskId, key, w.mapIndex) };
  return {
    reader,
    isMapped,
    pull: (taskId: string, key: string) =>
      sharedMappedGroup(own, dag.tasks.get(taskId)?.mapping) && w.mapIndex >= 0
        ? readOutput(sameIndex, false, taskId, key)
        : readOutput(reader, isMapped(taskId), taskId, key),
  };
}

export async function gatherArgs(
  channel: TryChannel,
  outputs: OutputStore,
  dag: Dag,
  node: TaskNode,
  w: TryRef,
): Promise<unknown[]> {
  const { reader, isMapped, pull } = outputPuller(channel, outputs, dag, w);
  const value = (spec: ArgSpec) => (spec.type === 'literal' ? spec.value : pull(spec.taskId, spec.key));
  const args: unknown[] = [];
  for (const spec of node.args) args.push(await value(spec));
  const mapping = node.mapping;
  if (!mapping) return args;
  if (mapping.type === 'group') {
    // a task of a mapped task group: its group arguments are the elements of this map index
    const resolve = await readMappingOutputs(mapping, reader, isMapped);
    const where = `DAG "${w.dagId}", task "${w.taskId}" of mapped group "${mapping.groupId}"`;
    const mine = expandedArgs(mapping, w.mapIndex, resolve, where);
    for (const [index, name] of Object.entries(mapping.groupArgs)) args[Number(index)] = mine[name];
    return args;
  }
  const kwargs: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(mapping.partial)) kwargs[name] = await value(spec);
  const resolve = await readMappingOutputs(mapping, reader, isMapped);
  const where = `DAG "${w.dagId}", mapped task "${w.taskId}"`;
  return [{ ...kwargs, ...expandedArgs(mapping, w.mapIndex, resolve, where) }];
}
