/** Runs the code of one try: a function task's function, or a shell task's command. */
import { spawn } from 'node:child_process';
import type { TaskContext, TaskNode } from '../sdk/index.js';
import { templateContext } from './task-context.js';
import type { createTaskLogger } from './task-log.js';
import { renderTemplate } from './templates.js';

export async function executeTask(
  node: TaskNode,
  ctx: TaskContext,
  args: unknown[],
  log: ReturnType<typeof createTaskLogger>,
  killGraceMs: number,
): Promise<unknown> {
  // A try stopped before its code started (timeout, SIGTERM) must not start anything.
  if (ctx.signal.aborted) throw ctx.signal.reason;
  if (node.kind === 'function') {
    if (!node.fn) throw new Error(`task "${node.taskId}" has no function`);
    return node.fn(ctx, ...args);
  }
  const shell = node.shell!;
  const command = renderTemplate(shell.command, templateContext(ctx));
  log.info(`Running command: ${command}`);
  const gale = {
    GALE_CTX_DAG_ID: ctx.dagId,
    GALE_CTX_RUN_ID: ctx.runId,
    GALE_CTX_TASK_ID: ctx.taskId,
    GALE_CTX_TRY_NUMBER: String(ctx.tryNumber),
    GALE_CTX_LOGICAL_DATE: ctx.ts,
  };
  const env = shell.env
    ? shell.appendEnv
      ? { ...process.env, ...shell.env, ...gale }
      : { PATH: process.env.PATH ?? '/usr/bin:/bin', ...shell.env, ...gale }
    : { ...process.env, ...gale };
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', command], {
      cwd: shell.cwd,
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
        if (line.trim() !== '') lastLine = line;
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
