/** Runs the code of one try: a function task's function, a shell task's command, or a container task's container. */
import { spawn } from 'node:child_process';
import { z } from '#zod';
import type { ContainerEngineSettings } from '../containers/index.js';
import { GaleError } from '../models/index.js';
import type { TaskContext, TaskNode } from '../sdk/index.js';
import { type RenderedContainer, runContainerTask } from './container-task.js';
import { templateContext } from './task-context.js';
import { type createTaskLogger, redactDeep } from './task-log.js';
import { templateRenderer } from './template-render.js';

type TemplateField = string | string[] | Record<string, string>;

/** A task's template fields, unrendered: a shell task's command, env and cwd; a container task's image, cmds, args and env. */
function templateFieldsOf(node: TaskNode): Record<string, TemplateField> {
  if (node.kind === 'shell' && node.shell) {
    const { command, env, cwd } = node.shell;
    return { command, ...(env ? { env } : {}), ...(cwd ? { cwd } : {}) };
  }
  if (node.kind === 'container' && node.container) {
    const { image, cmds, args, env } = node.container;
    return { image, cmds, args, env };
  }
  return {};
}

function renderField(field: TemplateField, render: (s: string) => string): TemplateField {
  if (typeof field === 'string') return render(field);
  if (Array.isArray(field)) return field.map(render);
  return Object.fromEntries(Object.entries(field).map(([k, v]) => [k, render(v)]));
}

/** A task's template fields rendered for a try (none for functions). */
export async function renderFields(node: TaskNode, ctx: TaskContext): Promise<Record<string, unknown>> {
  const fields = templateFieldsOf(node);
  const templates = Object.values(fields).flatMap((f) =>
    typeof f === 'string' ? [f] : Array.isArray(f) ? f : Object.values(f),
  );
  if (templates.length === 0) return {};
  const render = await templateRenderer(templates, ctx, templateContext(ctx));
  return Object.fromEntries(Object.entries(fields).map(([k, f]) => [k, renderField(f, render)]));
}

/** What one instance of a mapped shell task gets from expand(): the fields it maps over. */
const mappedShellSchema = z
  .object({
    command: z.string().min(1, 'must not be empty'),
    env: z.record(z.string(), z.string()),
    cwd: z.string(),
    appendEnv: z.boolean(),
  })
  .partial()
  .strict();

/** What one instance of a mapped podTask gets from expand(): env as an object or Kubernetes' list. */
const mappedContainerSchema = z
  .object({
    image: z.string().trim().min(1),
    cmds: z.array(z.string()),
    args: z.array(z.string()),
    env: z.union([
      z.record(z.string(), z.string()),
      z.array(z.object({ name: z.string(), value: z.string() }).strict()),
    ]),
  })
  .partial()
  .strict();

/** The mapped fields of one instance, checked; throws GALE_ERR_MAP_INPUT_INVALID naming the field. */
function mappedFields<S extends z.ZodType>(
  schema: S,
  value: unknown,
  where: string,
  hint: string,
): z.infer<S> {
  const parsed = schema.safeParse(value ?? {});
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  // the field and what is wrong, not the value: an env value may be a secret
  throw new GaleError(
    'GALE_ERR_MAP_INPUT_INVALID',
    `${where}: ${issue?.path.join('.') || 'its fields'}: ${issue?.message ?? 'invalid'}`,
    { hint },
  );
}

/**
 * The task as this try runs it: a mapped shell task's command, env and cwd, and a mapped podTask's
 * cmds, args and env, are those its map index got from expand() (over what partial() fixed); any
 * other task as it is.
 */
export function forThisInstance(node: TaskNode, args: unknown[], mapIndex: number): TaskNode {
  if (!node.mapping || node.mapping.type === 'group') return node;
  if (node.kind === 'container' && node.container) {
    const where = `mapped podTask "${node.taskId}" [${mapIndex}]`;
    const { env, ...rest } = mappedFields(
      mappedContainerSchema,
      args[0],
      where,
      'Map a podTask over image (a string), cmds and args (lists of strings) or env (an object of strings, or { name, value } items).',
    );
    const envRecord = Array.isArray(env) ? Object.fromEntries(env.map((v) => [v.name, v.value])) : env;
    const container = { ...node.container, ...rest, ...(envRecord ? { env: envRecord } : {}) };
    if (container.image === '') {
      throw new GaleError('GALE_ERR_MAP_INPUT_INVALID', `${where} has no image`, {
        hint: 'Give the image to podTask.partial(), or to every instance in what it expands over.',
      });
    }
    return { ...node, container };
  }
  if (node.kind !== 'shell' || !node.shell) return node;
  const where = `mapped shell task "${node.taskId}" [${mapIndex}]`;
  const mapped = mappedFields(
    mappedShellSchema,
    args[0],
    where,
    'Map a shell task over command (a string), env (an object of strings) or cwd (a string).',
  );
  const shell = { ...node.shell, ...mapped };
  if (shell.command.trim() === '') {
    throw new GaleError('GALE_ERR_MAP_INPUT_INVALID', `${where} has no command`, {
      hint: 'Give every instance a command, in shell.partial() or in what it expands over.',
    });
  }
  return { ...node, shell };
}

/** The container engine when none is configured: docker at $DOCKER_HOST or its default socket. */
const DEFAULT_CONTAINERS: ContainerEngineSettings = { engine: 'docker', dockerHost: '' };

export async function executeTask(
  node: TaskNode,
  ctx: TaskContext,
  args: unknown[],
  log: ReturnType<typeof createTaskLogger>,
  killGraceMs: number,
  onRendered?: (fields: Record<string, unknown>) => Promise<void>,
  containers: ContainerEngineSettings = DEFAULT_CONTAINERS,
): Promise<unknown> {
  // A try stopped before its code started (timeout, SIGTERM) must not start anything.
  if (ctx.signal.aborted) throw ctx.signal.reason;
  if (node.kind === 'function') {
    if (!node.fn) throw new Error(`task "${node.taskId}" has no function`);
    return node.fn(ctx, ...args);
  }
  node = forThisInstance(node, args, ctx.mapIndex);
  const rendered = await renderFields(node, ctx);
  // stored and shown later (gale tasks render, the API): with the secrets the try read masked
  await onRendered?.(redactDeep(rendered, log));
  if (node.kind === 'container') {
    if (!node.container) throw new Error(`task "${node.taskId}" has no container`);
    return runContainerTask(node.container, rendered as unknown as RenderedContainer, ctx, log, {
      settings: containers,
      killGraceMs,
    });
  }
  const shell = node.shell!;
  const command = rendered.command as string;
  const renderedEnv = rendered.env as Record<string, string> | undefined;
  const cwd = rendered.cwd as string | undefined;
  log.info(`Running command: ${command}`);
  const gale = {
    GALE_CTX_DAG_ID: ctx.dagId,
    GALE_CTX_RUN_ID: ctx.runId,
    GALE_CTX_TASK_ID: ctx.taskId,
    GALE_CTX_TRY_NUMBER: String(ctx.tryNumber),
    GALE_CTX_LOGICAL_DATE: ctx.ts,
  };
  const env = renderedEnv
    ? shell.appendEnv
      ? { ...process.env, ...renderedEnv, ...gale }
      : { PATH: process.env.PATH ?? '/usr/bin:/bin', ...renderedEnv, ...gale }
    : { ...process.env, ...gale };
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', command], {
      cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let lastLine = '';
    let pending = '';
    child.stdout.on('data', (chunk: Buffer) => {
      pending += chunk.toString('utf8');
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        log.write('info', line);
        if (line.trim() !== '') lastLine = log.redact(line); // the output is stored and shown: no secrets in it
      }
    });
    child.stderr.on('data', (chunk: Buffer) => log.write('error', chunk.toString('utf8').replace(/\n$/, '')));
    const onAbort = () => {
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), killGraceMs).unref();
    };
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      ctx.signal.removeEventListener('abort', onAbort);
      if (pending.trim() !== '') {
        log.write('info', pending);
        lastLine = pending;
      }
      if (code === 0) resolve(lastLine);
      else reject(new Error(signal ? `Command was killed by ${signal}` : `Command exited with code ${code}`));
    });
  });
}
