/**
 * The task process, started by the local executor with GALE_TASK_WORKLOAD (through main.ts). Runs one try
 * and exits: 0 when it succeeded, 1 when it failed (and recorded so), 0 when it was not claimed.
 */
import { loadConfig } from '../config/index.js';
import { containerSettings } from '../containers/index.js';
import { taskWorkloadSchema } from '../executors/index.js';
import { describeError } from '../models/index.js';
import { createOutputStore } from '../output-store/index.js';
import { EXECUTION_API_TOKEN_ENV, openTaskProcessChannel } from './open-channel.js';
import { runTry } from './run-try.js';
import { stdoutSink } from './task-log.js';

let stopped = false;

async function main(): Promise<number> {
  const workload = taskWorkloadSchema.parse(JSON.parse(process.env.GALE_TASK_WORKLOAD ?? 'null'));
  const loaded = loadConfig(process.env);
  const { config } = loaded;
  // Spawned detached by the local executor, this process leads its process group.
  const { channel, watchdog, giveToken } = openTaskProcessChannel(process.env, loaded);
  giveToken(workload.tiId, workload.tryNumber, process.env[EXECUTION_API_TOKEN_ENV]);
  const stop = new AbortController();
  process.on('SIGTERM', () => {
    stopped = true;
    stop.abort();
  });
  try {
    const result = await runTry(workload, {
      channel,
      sink: stdoutSink,
      maxOutputSize: config.core.max_output_size,
      outputs: createOutputStore(config),
      heartbeatMs: config.scheduler.task_instance_heartbeat_sec * 1000,
      killGraceMs: config.core.killed_task_cleanup_time * 1000,
      watchdog,
      stop: stop.signal,
      containers: containerSettings(config),
    });
    return result.kind === 'failed' ? 1 : 0;
  } finally {
    await watchdog.close();
    await channel.close();
  }
}

main().then(
  (code) => {
    // After a stop, take down what the try left running in this process group, this process too.
    if (stopped) {
      try {
        process.kill(-process.pid, 'SIGKILL');
      } catch {
        // not a group leader
      }
    }
    process.exit(code);
  },
  (error: unknown) => {
    process.stderr.write(
      `[${new Date().toISOString()}] ERROR Task process failed: ${describeError(error)}\n`,
    );
    process.exit(2);
  },
);
