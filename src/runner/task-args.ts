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
} from '../models/index.js';
import type { Dag, TaskNode } from '../sdk/index.js';
import type { TryChannel, TryRef } from './try-channel.js';

/** Reads an upstream task's output as a downstream task gets it (a list for a mapped task). */
export function outputPuller(channel: TryChannel, dag: Dag, w: TryRef) {
  const reader: OutputReader = {
    one: (taskId, key) => channel.getXcom(w, { taskId, mapIndex: -1, key }),
    mapped: (taskId, key) => channel.getMappedXcoms(w, { taskId, key }),
  };
  const isMapped = (taskId: string) => Boolean(dag.tasks.get(taskId)?.mapping);
  return {
    reader,
    isMapped,
    pull: (taskId: string, key: string) => readOutput(reader, isMapped(taskId), taskId, key),
  };
}

export async function gatherArgs(
  channel: TryChannel,
  dag: Dag,
  node: TaskNode,
  w: TryRef,
): Promise<unknown[]> {
  const { reader, isMapped, pull } = outputPuller(channel, dag, w);
  const value = (spec: ArgSpec) => (spec.type === 'literal' ? spec.value : pull(spec.taskId, spec.key));
  const args: unknown[] = [];
  for (const spec of node.args) args.push(await value(spec));
  const mapping = node.mapping;
  if (!mapping) return args;
  const kwargs: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(mapping.partial)) kwargs[name] = await value(spec);
  const resolve = await readMappingOutputs(mapping, reader, isMapped);
  const where = `DAG "${w.dagId}", mapped task "${w.taskId}"`;
  return [{ ...kwargs, ...expandedArgs(mapping, w.mapIndex, resolve, where) }];
}
