/** Runs the code of one try: a function task's function, or a shell task's command. */
import { spawn } from 'node:child_process';
import type { TaskContext, TaskNode } from '../sdk/index.js';
import { templateContext } from './task-context.js';
import { type createTaskLogger, redactDeep } from './task-log.js';
import { templateSecrets } from './template-secrets.js';
import { templateXcoms } from './template-xcoms.js';
import { renderTemplate } from './templates.js';

/** A task's template fields rendered for a try (a shell task's command, env and cwd; none for functions). */
export async function renderFields(node: TaskNode, ctx: TaskContext): Promise<Record<string, unknown>> {
  if (node.kind !== 'shell' || !node.shell) return {};
  const templates = [node.shell.command, ...Object.values(node.shell.env ?? {}), node.shell.cwd ?? ''];
  const base = templateContext(ctx);
  const context = {
    ...base,
    ...(await templateSecrets(templates, ctx)),
    ti: { ...(base.ti as object), xcom_pull: await templateXcoms(templates, ctx) },
  };
  const fields: Record<string, unknown> = { command: renderTemplate(node.shell.command, context) };
  if (node.shell.env) {
    fields.env = Object.fromEntries(
      Object.entries(node.shell.env).map(([k, v]) => [k, renderTemplate(v, context)]),
    );
  }
  if (node.shell.cwd) fields.cwd = renderTemplate(node.shell.cwd, context);
  return fields;
}

export async function executeTask(
  node: TaskNode,
  ctx: TaskContext,
  args: unknown[],
  log: ReturnType<typeof createTaskLogger>,
  killGraceMs: number,
  onRendered?: (fields: Record<string, unknown>) => Promise<void>,
): Promise<unknown> {
  // A try stopped before its code started (timeout, SIGTERM) must not start anything.
  if (ctx.signal.aborted) throw ctx.signal.reason;
  if (node.kind === 'function') {
    if (!node.fn) throw new Error(`task "${node.taskId}" has no function`);
    return node.fn(ctx, ...args);
  }
  const shell = node.shell!;
  const rendered = await renderFields(node, ctx);
  // stored and shown later (gale tasks render, the API): with the secrets the try read masked
  await onRendered?.(redactDeep(rendered, log));
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
