/**
 * `gale dags test`: one DAG run executed in this process, task after task, with logs to the
 * terminal, for a fast authoring loop. It records the run in the database like any other run.
 * Retries run at once, without waiting for their delay; deferred tasks wait for their triggers here,
 * a human-in-the-loop task for an answer given from another terminal (the command is printed).
 */

import { randomUUID } from 'node:crypto';
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Kysely } from '#kysely';
import type { ContainerEngineSettings } from '../containers/index.js';
import {
  type DagRunRow,
  type Database,
  type GaleDb,
  type SecretBox,
  SerializedDagCache,
} from '../db/index.js';
import { DEFAULT_MAX_MAP_LENGTH } from '../models/index.js';
import type { OutputStore } from '../output-store/index.js';
import { DbTryChannel, runTry } from '../runner/index.js';
import { runDeferredInline } from '../triggerer/index.js';
import { DAG_TEST_RUN_PREFIX, triggerDagRun } from './dag-run-creation.js';
import { hitlWaitLines } from './dag-test-hitl.js';
import { runnableAfterReschedules } from './reschedule-wait.js';
import { taskLogPath } from './task-queueing.js';
import { scheduleRun } from './task-readiness.js';

export interface DagTestOptions {
  gdb: GaleDb;
  /** decrypts the variables and connections tasks ask for */
  secrets: SecretBox;
  dagId: string;
  conf?: Record<string, unknown>;
  logicalDate?: Date;
  baseLogFolder: string;
  maxOutputSize: number;
  /** where outputs go (output_store settings); default: their xcom rows */
  outputs?: OutputStore;
  /** the most instances a mapped task may expand to (core.max_map_length; default 1024) */
  maxMapLength?: number;
  killGraceMs: number;
  /** the engine of container tasks (the `containers` settings) */
  containers?: ContainerEngineSettings;
  /** where log lines go besides each try's log file */
  echo: (line: string) => void;
}

async function readyTasks(db: Kysely<Database>, run: DagRunRow) {
  return db
    .selectFrom('task_instance')
    .selectAll()
    .where('dag_id', '=', run.dag_id)
    .where('run_id', '=', run.run_id)
    .where('state', 'in', ['scheduled', 'up_for_retry'])
    .orderBy('priority_weight', 'desc')
    .orderBy('task_id')
    .execute();
}

export async function testDag(options: DagTestOptions): Promise<DagRunRow> {
  const { gdb } = options;
  const db = gdb.db;
  const cache = new SerializedDagCache();
  const created = await triggerDagRun(db, cache, {
    dagId: options.dagId,
    conf: options.conf,
    logicalDate: options.logicalDate,
    runId: `${DAG_TEST_RUN_PREFIX}${(options.logicalDate ?? new Date()).toISOString()}`,
    now: new Date(),
  });
  await db
    .updateTable('dag_run')
    .set({ state: 'running', start_date: new Date().toISOString() })
    .where('id', '=', created.id)
    .execute();
  const run: DagRunRow = { ...created, state: 'running' };
  const dag = await cache.get(db, run.dag_id, run.dag_version_hash);
  for (;;) {
    // Retries are due at once here: pretend their delay has passed.
    const { runState } = await scheduleRun(db, cache, run, new Date(Date.now() + 400 * 24 * 3_600_000), {
      maxMapLength: options.maxMapLength ?? DEFAULT_MAX_MAP_LENGTH,
      outputs: options.outputs,
    });
    if (runState) break;
    const ready = await runnableAfterReschedules(
      (await readyTasks(db, run)).filter((t) => t.state === 'scheduled'),
    );
    if (ready.length === 0) {
      // no triggerer here: deferred tasks wait for their triggers in this process, as Airflow's dag.test()
      const settled = await runDeferredInline(db, cache, {
        dagId: run.dag_id,
        runId: run.run_id,
        onWait: (wait) => {
          for (const line of hitlWaitLines(wait)) options.echo(`${wait.taskId} | ${line}\n`);
        },
      });
      for (const o of settled)
        options.echo(`${o.taskId} | trigger ${o.error === null ? 'fired' : `failed: ${o.error}`}\n`);
      if (settled.length > 0) continue;
      break;
    }
    for (const ti of ready) {
      const token = randomUUID();
      // a try resuming from a deferral keeps its number
      const tryNumber = ti.next_method === null ? ti.try_number + 1 : ti.try_number;
      await db
        .updateTable('task_instance')
        .set({
          state: 'queued',
          try_number: tryNumber,
          external_executor_id: token,
          queued_at: new Date().toISOString(),
          executor: 'dags-test',
        })
        .where('id', '=', ti.id)
        .where('state', '=', 'scheduled')
        .execute();
      const logPath = taskLogPath(options.baseLogFolder, {
        dagId: ti.dag_id,
        runId: ti.run_id,
        taskId: ti.task_id,
        mapIndex: ti.map_index,
        tryNumber,
      });
      mkdirSync(dirname(logPath), { recursive: true });
      const task = dag.tasks.find((t) => t.taskId === ti.task_id);
      await runTry(
        {
          tiId: ti.id,
          dagId: ti.dag_id,
          runId: ti.run_id,
          taskId: ti.task_id,
          mapIndex: ti.map_index,
          tryNumber,
          token,
          fileloc: dag.fileloc,
          queue: ti.queue,
          executionTimeoutMs: task?.executionTimeoutMs ?? null,
          freshProcess: false,
          logPath,
        },
        {
          channel: new DbTryChannel(gdb, options.secrets),
          sink: (line) => {
            appendFileSync(logPath, line);
            options.echo(`${ti.task_id} | ${line}`);
          },
          maxOutputSize: options.maxOutputSize,
          outputs: options.outputs,
          heartbeatMs: 5_000,
          killGraceMs: options.killGraceMs,
          watchdog: null,
          containers: options.containers,
        },
      );
    }
  }
  return (await db
    .selectFrom('dag_run')
    .selectAll()
    .where('id', '=', run.id)
    .executeTakeFirstOrThrow()) as DagRunRow;
}
